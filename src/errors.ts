// Coded application errors: one table of codes, statuses and messages. Code never throws bare strings.
// Each error and field problem carries a message key and parameters (src/i18n/messages.ts); `message` is its
// English rendering, which logs, the CLI and the JSON API show.

import { english, type MessageParams } from './i18n/messages';

export interface FieldProblem {
  path: string;
  /** the English rendering of key + params */
  message: string;
  /** the English template; absent when the message has no parameters (then the message is the key) */
  key?: string;
  params?: MessageParams;
}

/** A field problem from a message template and its parameters: `problem('name', 'must be at most {max} characters', { max: 200 })`. */
export function problem(path: string, key: string, params?: MessageParams): FieldProblem {
  return params ? { path, message: english(key, params), key, params } : { path, message: key };
}

/** The key and parameters of a field problem, for rendering it in another language. */
export const messageOf = (p: Pick<FieldProblem, 'message' | 'key' | 'params'>) => ({ key: p.key ?? p.message, params: p.params });

export const ERROR_CODES = {
  VALIDATION: { status: 400, message: 'The request has invalid fields' },
  BAD_REQUEST: { status: 400, message: 'The request is malformed' },
  UNAUTHENTICATED: { status: 401, message: 'Sign in first' },
  FORBIDDEN: { status: 403, message: 'You are not allowed to do this' },
  CSRF: { status: 403, message: 'The form has expired or its security token is wrong; reload the page and try again' },
  NOT_FOUND: { status: 404, message: 'Not found' },
  CONFLICT: { status: 409, message: 'The current state does not allow this' },
  IDEMPOTENCY_KEY_REUSED: { status: 409, message: 'This Idempotency-Key was already used for another request; use a new key for a new request' },
  LENGTH_REQUIRED: { status: 411, message: 'A form with files must be sent with a Content-Length' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  RATE_LIMITED: { status: 429, message: 'Too many attempts; wait a moment and try again' },
  UNAVAILABLE: { status: 503, message: 'The service is unavailable' },
  BUSY: { status: 503, message: 'The server is busy; try again in a moment' },
  INTERNAL: { status: 500, message: 'Something went wrong on our side; the error has been logged' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An item the refused request would have duplicated (always one the caller may see), so a retry can find it. */
export interface ExistingItem {
  id: number;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly fields: FieldProblem[] | undefined;
  readonly existing: ExistingItem | undefined;
  /** sent as Retry-After with 429 and 503 answers */
  retryAfterSeconds: number | undefined;
  /** the message as a template and parameters (the message itself when it has none) */
  readonly key: string;
  readonly params: MessageParams | undefined;

  constructor(code: ErrorCode, message?: string | { key: string; params?: MessageParams }, fields?: FieldProblem[], existing?: ExistingItem) {
    const template = typeof message === 'object' ? message.key : message ?? ERROR_CODES[code].message;
    const params = typeof message === 'object' ? message.params : undefined;
    super(english(template, params));
    this.key = template;
    this.params = params;
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.fields = fields;
    this.existing = existing;
  }
}

/** 503: the database (or another part the service needs) is unavailable for now; the client should retry later. */
export function unavailable(message: string | { key: string; params?: MessageParams }, retryAfterSeconds: number): AppError {
  const err = new AppError('UNAVAILABLE', message);
  err.retryAfterSeconds = retryAfterSeconds;
  return err;
}

type Said = string | { key: string; params?: MessageParams };

export const validationError = (fields: FieldProblem[], message?: Said) =>
  new AppError('VALIDATION', message ?? fields.map((f) => `${f.path}: ${f.message}`).join('; '), fields);
export const notFound = (what: Said = 'Not found') => new AppError('NOT_FOUND', what);
export const forbidden = (why?: Said) => new AppError('FORBIDDEN', why);
export const conflict = (why: Said, fields?: FieldProblem[], existing?: ExistingItem) => new AppError('CONFLICT', why, fields, existing);
