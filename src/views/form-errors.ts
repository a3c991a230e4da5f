// Forms refused for what was typed into them are shown again, each problem beside its field and everything typed
// kept, with the refusal's status (400; 409 for a clash such as an e-mail already in use), instead of an error page.
// The one place that decides which refusals those are, for every form of the site, and that turns a body that
// failed its schema into field problems (for forms, and for the error handler).

import type { FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify';
import { AppError, type ErrorCode, type FieldProblem } from '../errors';

export interface FormRefusal {
  status: number;
  message: string;
  problems: FieldProblem[];
}

export interface FormRefusalOptions {
  /** refusals a form shows besides VALIDATION (CONFLICT for a clash, PAYLOAD_TOO_LARGE for a file) */
  also?: readonly ErrorCode[];
  /** `also` counts only when the refusal names fields (others go on to the error page) */
  alsoWithFieldsOnly?: boolean;
  /** the field a refusal that names none is shown beside (else it is shown without one) */
  field?: string;
}

/** The refusal of a form's action that the form shows itself, or null for an error that goes to the error page. */
export function formRefusal(err: unknown, options: FormRefusalOptions = {}): FormRefusal | null {
  if (!(err instanceof AppError)) return null;
  if (err.code !== 'VALIDATION') {
    if (!options.also?.includes(err.code)) return null;
    if (options.alsoWithFieldsOnly && err.fields === undefined) return null;
  }
  const problems = err.fields?.length ? err.fields : options.field !== undefined ? [{ path: options.field, message: err.message, key: err.key, ...(err.params ? { params: err.params } : {}) }] : [];
  return { status: err.status, message: err.message, problems };
}

interface SchemaFailure {
  validation?: FastifySchemaValidationError[];
  validationContext?: string;
}

/**
 * The field problems of a request part that failed its schema: `body.title` (with the part, for the API and error
 * pages) or `title` (without it, for a form that shows each problem beside its field, naming a field it did not
 * expect too).
 */
export function schemaProblems(err: SchemaFailure, options: { withPart: boolean }): FieldProblem[] {
  return (err.validation ?? []).map((v) => {
    const params = (v.params ?? {}) as { missingProperty?: string; additionalProperty?: string };
    const named = params.missingProperty ?? (options.withPart ? undefined : params.additionalProperty);
    return {
      path: [options.withPart ? err.validationContext : undefined, ...(v.instancePath || '').split('/').filter(Boolean), named].filter(Boolean).join('.'),
      message: v.message ?? 'is invalid',
    };
  });
}

/**
 * On a route with `attachValidation`: throws the schema failure of the request's path or query, which is no
 * form's business (it goes on to the error handler as on any route). Call it before using the path's values.
 */
export function assertPathAndQueryValid(request: FastifyRequest): void {
  const failure = request.validationError as (Error & SchemaFailure) | undefined;
  if (failure && failure.validationContext !== 'body') throw failure;
}

/** The refusal of a form body that failed its schema (on routes with `attachValidation`), or null when it passed. */
export function schemaRefusal(request: FastifyRequest): FormRefusal | null {
  assertPathAndQueryValid(request);
  const failure = request.validationError as (Error & SchemaFailure) | undefined;
  if (!failure) return null;
  const problems = schemaProblems(failure, { withPart: false });
  return { status: 400, message: problems.map((p) => (p.path ? `${p.path}: ${p.message}` : p.message)).join('; ') || failure.message, problems };
}

export type FormOutcome<T> = { ok: true; value: T } | { ok: false; refusal: FormRefusal };

/**
 * Runs a form's action unless its body failed its schema; a refusal for what was typed is returned for the form to
 * show, any other error goes on to the error handler.
 */
export async function tryForm<T>(request: FastifyRequest, action: () => Promise<T>, options: FormRefusalOptions = {}): Promise<FormOutcome<T>> {
  const invalid = schemaRefusal(request);
  if (invalid) return { ok: false, refusal: invalid };
  try {
    return { ok: true, value: await action() };
  } catch (err) {
    const refusal = formRefusal(err, options);
    if (!refusal) throw err;
    return { ok: false, refusal };
  }
}

/**
 * Runs a form's action (which answers the request); when the form is refused for what was typed, sets the
 * refusal's status and renders the form again through `again`.
 */
export async function withFormErrors(
  request: FastifyRequest,
  reply: FastifyReply,
  action: () => Promise<unknown>,
  again: (refusal: FormRefusal) => Promise<unknown>,
  options: FormRefusalOptions = {},
): Promise<unknown> {
  const outcome = await tryForm(request, action, options);
  if (outcome.ok) return outcome.value;
  reply.status(outcome.refusal.status);
  return again(outcome.refusal);
}
