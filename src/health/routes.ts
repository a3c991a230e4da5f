// GET /health: 200 {"status":"ok"} when the database answers a read and accepts a write, each within a bound;
// else 503 with Retry-After, saying which part is down. A full disk or a read-only database fails the write check,
// so a load balancer stops sending requests that would all fail.

import os from 'node:os';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { databaseUnavailability } from '../db/failures';

const INSTANCE = `${os.hostname()}:${process.pid}`;

/** The write check runs at most this often per process (it writes one row); in between, its last answer stands. */
const WRITE_CHECK_EVERY_MS = 5_000;

type PartState = 'ok' | string;

class TimeoutError extends Error {}

function within<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

export async function healthRoutes(app: FastifyInstance) {
  // longest each part is waited for (HEALTH_TIMEOUT_MS, 2 s): a frozen database must not make /health hang
  const timeoutMs = app.config.healthTimeoutMs;
  const describe = (err: unknown): string =>
    err instanceof TimeoutError ? `no answer within ${timeoutMs} ms` : databaseUnavailability(err)?.reason ?? 'failed';
  let lastWrite: { at: number; state: PartState } | null = null;

  async function checkWrite(): Promise<PartState> {
    const now = Date.now();
    if (lastWrite && now - lastWrite.at < WRITE_CHECK_EVERY_MS) return lastWrite.state;
    let state: PartState;
    try {
      // a real write of one row: fails on a full disk, a read-only file or replica, or a lock held too long
      await within(
        timeoutMs,
        app.db.kysely
          .insertInto('health_probe')
          .values({ id: 1, checked_at: new Date(now).toISOString(), instance: INSTANCE })
          .onConflict((oc) => oc.column('id').doUpdateSet({ checked_at: new Date(now).toISOString(), instance: INSTANCE }))
          .execute(),
      );
      state = 'ok';
    } catch (err) {
      state = describe(err);
    }
    lastWrite = { at: now, state };
    return state;
  }

  app.get('/health', { config: { access: 'public' } }, async (request, reply) => {
    let read: PartState;
    try {
      await within(timeoutMs, sql`select 1`.execute(app.db.kysely));
      read = 'ok';
    } catch (err) {
      read = describe(err);
    }
    const write = read === 'ok' ? await checkWrite() : 'not checked (reads fail)';
    reply.header('cache-control', 'no-store');
    if (read === 'ok' && write === 'ok') return { status: 'ok', database: { read, write } };
    request.log.error({ read, write }, 'health check failed');
    return reply.status(503).header('retry-after', '5').send({ status: 'unavailable', database: { read, write } });
  });
}
