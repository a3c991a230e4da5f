// Limits every request meets before its body is used. Bodies are small unless a route raises its own
// `bodyLimit` (only the routes that take files do). A multipart body must declare its length and fit the route's
// limit before it is read: the multipart parser reads the raw stream, past fastify's own body-limit check.
// Text that cannot be stored (U+0000, lone UTF-16 surrogates) is refused in every query, path and body value.

import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError, validationError, type FieldProblem } from '../errors';

/** The body limit of every route that does not set its own. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;
/** URL-encoded forms are smaller still. */
export const FORM_BODY_LIMIT = 256 * 1024;

const isMultipart = (contentType: string | undefined) => /^\s*multipart\/form-data\b/i.test(contentType ?? '');

// PostgreSQL refuses U+0000 in text; a lone surrogate is not Unicode and would be stored mangled (as U+FFFD)
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const UNSTORABLE_MESSAGE = 'must not contain U+0000 or an unpaired UTF-16 surrogate';
const MAX_REPORTED = 10;

/** A file part of a multipart body (see the onFile option in app.ts): its bytes are data, not text. */
const isFilePart = (value: object) => Buffer.isBuffer((value as { data?: unknown }).data);

/** Paths of strings (values or keys) under `root` that cannot be stored; walks iteratively, whatever the depth. */
export function unstorableTextPaths(root: unknown, rootPath: string): string[] {
  const found: string[] = [];
  const stack: [unknown, string][] = [[root, rootPath]];
  while (stack.length > 0 && found.length < MAX_REPORTED) {
    const [value, path] = stack.pop()!;
    if (typeof value === 'string') {
      if (UNSTORABLE.test(value)) found.push(path);
    } else if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value) && !isFilePart(value)) {
      const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i -= 1) {
        const [key, child] = entries[i];
        // the key is named in the message: show the characters it is refused for instead of sending them back
        const at = `${path}.${key.replace(/[\u0000\ud800-\udfff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}`;
        if (UNSTORABLE.test(key)) found.push(at);
        else stack.push([child, at]);
      }
    }
  }
  return found;
}

function unstorableFields(request: FastifyRequest): FieldProblem[] {
  return [
    ...unstorableTextPaths(request.query, 'querystring'),
    ...unstorableTextPaths(request.params, 'params'),
    ...unstorableTextPaths(request.body, 'body'),
  ]
    .slice(0, MAX_REPORTED)
    .map((path) => ({ path, message: UNSTORABLE_MESSAGE }));
}

async function requestGuards(app: FastifyInstance) {
  // preParsing runs after the access check (onRequest) and before the multipart parser reads anything
  app.addHook('preParsing', async (request) => {
    if (!isMultipart(request.headers['content-type'])) return;
    const declared = request.headers['content-length'];
    // neither a length nor chunks: HTTP says there is no body at all
    if (declared === undefined && request.headers['transfer-encoding'] === undefined) return;
    if (declared === undefined) throw new AppError('LENGTH_REQUIRED');
    if (!/^\d+$/.test(declared) || Number(declared) > request.routeOptions.bodyLimit) throw new AppError('PAYLOAD_TOO_LARGE');
  });

  // after every parser, including the multipart fields (collected in @fastify/multipart's own preValidation hook,
  // registered before this one), and before validation and any handler
  app.addHook('preValidation', async (request) => {
    // a form posted without a body is an empty form (a button whose CSRF token travels in a header): validated
    // as `{}`, so its schema names what is missing instead of saying the body is not an object
    if (request.body === undefined && request.routeOptions.schema?.body !== undefined) request.body = {};
    const fields = unstorableFields(request);
    if (fields.length) throw validationError(fields);
  });
}

export default fp(requestGuards, { name: 'pactwatch-request-guards' });
