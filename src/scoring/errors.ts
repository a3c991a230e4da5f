// The one error type the scoring engine throws, coded so the edges can map it to a 4xx answer.

export type ScoringErrorCode = 'UNKNOWN_PERSPECTIVE' | 'INVALID_DATE' | 'INVALID_INSTANT' | 'INVALID_GRADE';

export class ScoringError extends Error {
  readonly code: ScoringErrorCode;

  constructor(code: ScoringErrorCode, message: string) {
    super(message);
    this.name = 'ScoringError';
    this.code = code;
  }
}
