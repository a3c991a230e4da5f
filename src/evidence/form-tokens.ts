// One-time tokens of the evidence web forms: each rendered form carries a random `form_token`; the first save
// stores it with the saved item's id, in the save's transaction, so Back + resubmit or a double click leads to the
// item already saved instead of logging it twice. Stored with the API's answers, under `form:TOKEN`.

import crypto from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database, EvidenceRow } from '../db/schema';
import { AppError } from '../errors';
import type { Clock } from '../time';
import { findStoredAnswer, requestFingerprint, storeAnswer } from '../idempotency/repository';

export const FORM_TOKEN_FIELD = 'form_token';
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{22,128}$/;

export const newFormToken = () => crypto.randomBytes(24).toString('base64url');

const storedKey = (token: string) => `form:${token}`;

/** The posted form's token; null when the form has none (a client that predates tokens); 400 when malformed. */
export function formTokenOf(body: Record<string, unknown> | null | undefined): string | null {
  const value = body?.[FORM_TOKEN_FIELD];
  if (value === undefined || value === '') return null;
  if (typeof value !== 'string' || !TOKEN_PATTERN.test(value)) throw new AppError('BAD_REQUEST', 'The form token is malformed; reload the form and try again');
  return value;
}

/** The id of the item already saved with this token by this user, or null. */
export async function itemSavedWithToken(db: Kysely<Database>, userId: number, token: string, clock: Clock): Promise<number | null> {
  const stored = await findStoredAnswer(db, userId, storedKey(token), clock);
  return stored ? (JSON.parse(stored.response) as { id: number }).id : null;
}

/** The hook that consumes the token in the save's transaction (a concurrent save with it fails on the unique key). */
export function consumeFormToken(userId: number, token: string, path: string, body: Record<string, unknown>, clock: Clock) {
  const { _csrf: _ignored, ...fields } = body;
  return async (trx: Transaction<Database>, row: EvidenceRow) => {
    const keyed = { userId, key: storedKey(token), method: 'POST', path, requestSha256: requestFingerprint(fields) };
    await storeAnswer(trx, keyed, { status: 303, body: { id: row.id } }, clock);
  };
}
