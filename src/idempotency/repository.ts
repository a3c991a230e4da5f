// Stored answers of state changes, keyed by user and key: the API's Idempotency-Key (stored as `api:KEY`) and the
// one-time tokens of the evidence web forms (`form:TOKEN`). An answer is written in the transaction of the change
// it answers, so a committed change always has its answer and an answer always its change.

import crypto from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database, IdempotencyKeysTable } from '../db/schema';
import { canonicalJson } from '../audit/log';
import type { Clock } from '../time';

/** How long an answer is kept: a retry later than this is a new request. */
export const ANSWER_KEPT_MS = 24 * 3_600_000;
// purge old answers at most this often per database, after a fresh answer was stored
const PURGE_INTERVAL_MS = 10 * 60_000;

export type StoredAnswer = IdempotencyKeysTable;

/** What a request is, for telling a retry from another request under the same key. */
export interface KeyedRequest {
  userId: number;
  key: string;
  method: string;
  path: string;
  requestSha256: string;
}

/** SHA-256 of the canonical JSON of a request body (key order and whitespace do not matter). */
export function requestFingerprint(body: unknown): string {
  return crypto.createHash('sha256').update(canonicalJson(body ?? null)).digest('hex');
}

/** The stored answer under the user's key; one older than ANSWER_KEPT_MS is deleted and counts as none. */
export async function findStoredAnswer(db: Kysely<Database>, userId: number, key: string, clock: Clock): Promise<StoredAnswer | undefined> {
  const row = await db.selectFrom('idempotency_keys').selectAll().where('user_id', '=', userId).where('key', '=', key).executeTakeFirst();
  if (!row) return undefined;
  if (Date.parse(row.created_at) + ANSWER_KEPT_MS > clock().getTime()) return row;
  await db.deleteFrom('idempotency_keys').where('user_id', '=', userId).where('key', '=', key).where('created_at', '=', row.created_at).execute();
  return undefined;
}

/** Stores the answer in the change's transaction; a concurrent request that stored one first makes this fail (unique key). */
export async function storeAnswer(trx: Transaction<Database>, request: KeyedRequest, answer: { status: number; body: unknown }, clock: Clock): Promise<void> {
  await trx
    .insertInto('idempotency_keys')
    .values({
      user_id: request.userId,
      key: request.key,
      method: request.method,
      path: request.path,
      request_sha256: request.requestSha256,
      status: answer.status,
      response: JSON.stringify(answer.body),
      created_at: clock().toISOString(),
    })
    .execute();
}

export const sameRequest = (stored: StoredAnswer, request: KeyedRequest) =>
  stored.method === request.method && stored.path === request.path && stored.request_sha256 === request.requestSha256;

const lastPurge = new WeakMap<Kysely<Database>, number>();

/** Deletes answers older than ANSWER_KEPT_MS; returns how many. */
export async function purgeOldAnswers(db: Kysely<Database>, clock: Clock): Promise<number> {
  const before = new Date(clock().getTime() - ANSWER_KEPT_MS).toISOString();
  const result = await db.deleteFrom('idempotency_keys').where('created_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows ?? 0);
}

/** Purges old answers when the last purge on this database is long enough ago; never fails the caller. */
export async function purgeOldAnswersSometimes(db: Kysely<Database>, clock: Clock, onError: (err: unknown) => void): Promise<void> {
  const now = clock().getTime();
  if (now - (lastPurge.get(db) ?? 0) < PURGE_INTERVAL_MS) return;
  lastPurge.set(db, now);
  await purgeOldAnswers(db, clock).catch(onError);
}
