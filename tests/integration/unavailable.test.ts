// What counts as "the database is unavailable" (503 and retry later) and what is a bug (500); runs left running
// by an ended process (issue 10.5, 10.7). The fault suite (tests/faults) drives the same paths with real failures.

import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseUnavailability } from '../../src/db/failures';
import { failAbandonedRuns } from '../../src/reports/runs';
import { closeTestDb, openTestDb } from '../helpers/db';
import type { Db } from '../../src/db/connect';

describe('database unavailability', () => {
  it.each([
    [{ code: 'SQLITE_BUSY', message: 'database is locked' }, 'busy'],
    [{ code: 'SQLITE_BUSY_SNAPSHOT', message: 'x' }, 'busy'],
    [{ code: 'SQLITE_FULL', message: 'database or disk is full' }, 'disk is full'],
    [{ code: 'SQLITE_IOERR_WRITE', message: 'disk I/O error' }, 'cannot be read or written'],
    [{ code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:5432' }, 'cannot be reached'],
    [{ code: '57P01', message: 'terminating connection due to administrator command' }, 'shutting down'],
    [{ code: '57014', message: 'canceling statement due to statement timeout' }, 'took too long'],
    [{ code: '08006', message: 'connection failure' }, 'connection'],
    [new Error('timeout exceeded when trying to connect'), 'does not answer'],
    [new Error('Connection terminated unexpectedly'), 'does not answer'],
    [Object.assign(new Error('busy'), { name: 'DatabaseBusyError' }), 'busy'],
  ])('maps %o to 503: %s', (err, words) => {
    const down = databaseUnavailability(err);
    expect(down?.reason).toContain(words);
    expect(down?.retryAfterSeconds).toBeGreaterThan(0);
  });

  it.each([
    [new Error('Cannot read properties of undefined')],
    [{ code: '23505', message: 'duplicate key value violates unique constraint' }],
    [{ code: 'SQLITE_CONSTRAINT_UNIQUE', message: 'UNIQUE constraint failed' }],
    [{ code: '42P01', message: 'relation does not exist' }],
    [null],
    ['a string'],
  ])('does not call %o unavailability (a bug or a refused change is not a reason to retry)', (err) => {
    expect(databaseUnavailability(err)).toBeNull();
  });
});

describe('report runs left running', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openTestDb();
  });
  afterAll(() => closeTestDb(db));

  const run = (instance: string, startedAt: string) =>
    db.kysely
      .insertInto('report_runs')
      .values({ framework_id: null, kind: 'monthly', period: '2026-10', trigger: 'schedule', attempt: 1, instance, started_at: startedAt, finished_at: null, duration_ms: null, outcome: 'running', report_id: null, error: null })
      .returning('id')
      .executeTakeFirstOrThrow();

  it('marks failed the runs of ended processes on this host and old runs of other hosts; keeps the rest', async () => {
    const now = new Date('2026-11-01T12:00:00Z');
    const host = os.hostname();
    const dead = await run(`${host}:2147483646`, '2026-11-01T06:00:00Z');
    const mine = await run(`${host}:${process.pid}`, '2026-11-01T06:00:00Z');
    const oldElsewhere = await run('other-host:42', '2026-11-01T01:00:00Z');
    const recentElsewhere = await run('other-host:43', '2026-11-01T11:30:00Z');
    expect(await failAbandonedRuns(db.kysely, () => now)).toBe(2);
    const rows = await db.kysely.selectFrom('report_runs').select(['id', 'outcome', 'error', 'finished_at']).orderBy('id').execute();
    const outcome = (id: number) => rows.find((r) => r.id === id)!.outcome;
    expect([outcome(dead.id), outcome(mine.id), outcome(oldElsewhere.id), outcome(recentElsewhere.id)]).toEqual(['failed', 'running', 'failed', 'running']);
    expect(rows.find((r) => r.id === dead.id)!.error).toMatch(/ended/);
  });
});
