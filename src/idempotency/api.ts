// Idempotency-Key on the API's POST requests: the same key with the same request gets the first answer again
// (with `idempotent-replay: true`), with another request 409 IDEMPOTENCY_KEY_REUSED. The answer is stored by a
// hook the service runs inside the transaction of its change. Refusals (4xx) are not stored: a retry runs again.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema';
import { AppError, validationError } from '../errors';
import { findStoredAnswer, purgeOldAnswersSometimes, requestFingerprint, sameRequest, storeAnswer, type KeyedRequest, type StoredAnswer } from './repository';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAY_HEADER = 'idempotent-replay';
// 1 to 200 printable ASCII characters (space to tilde)
const KEY_PATTERN = /^[\x20-\x7e]{1,200}$/;

export interface Answer {
  status: number;
  body: { id: number } & Record<string, unknown>;
}

/** The request's Idempotency-Key, or null without one; 400 naming the header when it is not a valid key. */
export function idempotencyKeyOf(request: FastifyRequest): string | null {
  const raw = request.headers[IDEMPOTENCY_HEADER];
  if (raw === undefined) return null;
  if (typeof raw !== 'string' || !KEY_PATTERN.test(raw)) {
    throw validationError([{ path: `headers.${IDEMPOTENCY_HEADER}`, message: 'must be 1 to 200 printable ASCII characters' }]);
  }
  return raw;
}

export interface AnswerOptions {
  /** names the created resource of a 201 (the Location header) */
  location?: (body: Answer['body']) => string;
  /** throws when the caller may no longer see what the stored answer shows (it is then not replayed) */
  mayReplay?: (body: Answer['body']) => Promise<void>;
}

/**
 * Runs a state change once per Idempotency-Key. `change` gets the hook to run inside its transaction (undefined
 * without a key); `present` builds the answer from the changed row, inside that transaction when there is a key, so
 * the stored answer is exactly what was sent.
 */
export async function answerOnce<R>(
  app: FastifyInstance,
  request: FastifyRequest,
  reply: FastifyReply,
  change: (inTransaction: ((trx: Transaction<Database>, row: R) => Promise<void>) | undefined) => Promise<R>,
  present: (db: Kysely<Database>, row: R) => Promise<Answer>,
  options: AnswerOptions = {},
) {
  const { location } = options;
  const db = app.db.kysely;
  const key = idempotencyKeyOf(request);
  if (key === null) return send(reply, await present(db, await change(undefined)), location);

  const keyed: KeyedRequest = {
    userId: request.user!.id,
    key: `api:${key}`,
    method: request.method,
    path: request.url.split('?')[0],
    requestSha256: requestFingerprint(request.body),
  };
  const earlier = await findStoredAnswer(db, keyed.userId, keyed.key, app.clock);
  if (earlier) return replay(reply, earlier, keyed, options);
  let answer: Answer | undefined;
  try {
    await change(async (trx, row) => {
      answer = await present(trx, row);
      await storeAnswer(trx, keyed, answer, app.clock);
    });
  } catch (err) {
    // a concurrent request with this key committed first (this one rolled back): its answer is the answer; when
    // even the look-up fails (the database is down), the original error is the one to report
    const winner = await findStoredAnswer(db, keyed.userId, keyed.key, app.clock).catch(() => undefined);
    if (winner) return replay(reply, winner, keyed, options);
    throw err;
  }
  await purgeOldAnswersSometimes(db, app.clock, (err) => request.log.warn({ err }, 'purging old idempotency keys failed'));
  return send(reply, answer!, location);
}

function send(reply: FastifyReply, answer: Answer, location?: (body: Answer['body']) => string) {
  if (location && answer.status === 201) reply.header('location', location(answer.body));
  // the same bytes as the stored answer a retry gets
  return reply.status(answer.status).type('application/json; charset=utf-8').send(JSON.stringify(answer.body));
}

async function replay(reply: FastifyReply, stored: StoredAnswer, keyed: KeyedRequest, options: AnswerOptions) {
  if (!sameRequest(stored, keyed)) throw new AppError('IDEMPOTENCY_KEY_REUSED');
  const body = JSON.parse(stored.response) as Answer['body'];
  await options.mayReplay?.(body);
  if (options.location && stored.status === 201) reply.header('location', options.location(body));
  return reply.status(stored.status).header(REPLAY_HEADER, 'true').type('application/json; charset=utf-8').send(stored.response);
}
