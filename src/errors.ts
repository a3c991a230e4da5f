// Coded application errors: one table of codes, statuses and messages. Code never throws bare strings.

export interface FieldProblem {
  path: string;
  message: string;
}

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

  constructor(code: ErrorCode, message?: string, fields?: FieldProblem[], existing?: ExistingItem) {
    super(message ?? ERROR_CODES[code].message);
    this.name = 'AppError';
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.fields = fields;
    this.existing = existing;
  }
}

/** 503: the database (or another part the service needs) is unavailable for now; the client should retry later. */
export function unavailable(message: string, retryAfterSeconds: number): AppError {
  const err = new AppError('UNAVAILABLE', message);
  err.retryAfterSeconds = retryAfterSeconds;
  return err;
}

export const validationError = (fields: FieldProblem[], message?: string) =>
  new AppError('VALIDATION', message ?? fields.map((f) => `${f.path}: ${f.message}`).join('; '), fields);
export const notFound = (what = 'Not found') => new AppError('NOT_FOUND', what);
export const forbidden = (why?: string) => new AppError('FORBIDDEN', why);
export const conflict = (why: string, fields?: FieldProblem[], existing?: ExistingItem) => new AppError('CONFLICT', why, fields, existing);
