// Waiting for another SQLite writer without blocking the event loop (src/db/sqlite-driver.ts): a second handle on
// the same file plays the other process and holds the write lock while the app's connection waits for it.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/connect';
import { migrateToLatest } from '../../src/db/migrate';
import { DatabaseBusyError } from '../../src/db/sqlite-driver';
import { inReadSnapshot } from '../../src/db/snapshot';
import { databaseUnavailability } from '../../src/db/failures';
import { onPostgres } from '../helpers/db';

/** Resolves after `turns` turns of the event loop through its timers phase: a blocked loop does not get there. */
async function loopTurns(turns: number): Promise<void> {
  for (let i = 0; i < turns; i += 1) await new Promise((r) => setTimeout(r, 1));
}

/** Tracks whether a promise has settled. */
function tracked<T>(promise: Promise<T>) {
  const state = { settled: false, promise };
  promise.then(
    () => (state.settled = true),
    () => (state.settled = true),
  );
  return state;
}

// No expectation here depends on how fast the machine is: the app's connection waits up to a minute (its deadline is
// not under test but in the last test, on a handle of its own), and "the event loop turned while the write waited"
// is seen as timers running while the write is still pending, not as a measured gap.
const WAIT_DEADLINE_MS = 60_000;

describe.skipIf(onPostgres)('SQLite: waiting for another writer', () => {
  let dir: string;
  let file: string;
  let db: Db;
  let other: SqliteDatabase.Database;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pactwatch-busy-'));
    file = path.join(dir, 'busy.db');
    db = await openDatabase(file, { sqliteBusy: { deadlineMs: WAIT_DEADLINE_MS } });
    await migrateToLatest(db);
    other = new SqliteDatabase(file);
    other.pragma('busy_timeout = 0');
  });
  afterEach(async () => {
    if (other.inTransaction) other.exec('rollback');
    other.close();
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const setting = (key: string) => db.kysely.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();

  it('waits for the lock at BEGIN with the event loop turning, then writes', async () => {
    other.exec('begin immediate');
    const write = tracked(db.kysely.transaction().execute((trx) => trx.insertInto('settings').values({ key: 'k', value: 'v' }).execute()));
    // timers keep running while the write waits (a wait inside SQLite would have held the loop until it gave up)
    await loopTurns(20);
    expect(write.settled).toBe(false);
    other.exec('commit');
    await write.promise;
    expect(await setting('k')).toEqual({ value: 'v' });
  });

  it('waits in an autocommit statement too', async () => {
    other.exec('begin immediate');
    const write = tracked(db.kysely.insertInto('settings').values({ key: 'auto', value: '1' }).execute());
    await loopTurns(20);
    expect(write.settled).toBe(false);
    other.exec('commit');
    await write.promise;
    expect(await setting('auto')).toEqual({ value: '1' });
  });

  it('gives up after the deadline with an error the server answers 503, having written nothing', async () => {
    const deadlineMs = 300;
    const impatient = await openDatabase(file, { sqliteBusy: { deadlineMs } });
    try {
      other.exec('begin immediate');
      const started = performance.now();
      const err = await impatient.kysely
        .transaction()
        .execute((trx) => trx.insertInto('settings').values({ key: 'late', value: '1' }).execute())
        .catch((e: unknown) => e);
      const waited = performance.now() - started;
      other.exec('rollback');
      expect(err).toBeInstanceOf(DatabaseBusyError);
      expect((err as DatabaseBusyError).waitedMs).toBeGreaterThanOrEqual(deadlineMs);
      expect(waited).toBeGreaterThanOrEqual(deadlineMs);
      // it gave up rather than waiting on (a generous bound: a hang, not a slow machine)
      expect(waited).toBeLessThan(WAIT_DEADLINE_MS);
      // the error handler's rule for "unavailable for a moment": 503 with Retry-After
      expect(databaseUnavailability(err)).toMatchObject({ retryAfterSeconds: expect.any(Number) });
      expect(await setting('late')).toBeUndefined();
    } finally {
      await impatient.close();
    }
  });

  it('reads a snapshot while another connection holds the write lock', async () => {
    await db.kysely.insertInto('settings').values({ key: 'seen', value: 'before' }).execute();
    other.exec('begin immediate');
    other.prepare("update settings set value = 'after' where key = 'seen'").run();
    const read = await inReadSnapshot(db.kysely, (snapshot) => snapshot.selectFrom('settings').select('value').where('key', '=', 'seen').executeTakeFirst());
    expect(read).toEqual({ value: 'before' });
    other.exec('commit');
    // one snapshot: a write committed while it is open is not seen by it
    const both = await inReadSnapshot(db.kysely, async (snapshot) => {
      const first = await snapshot.selectFrom('settings').select('value').where('key', '=', 'seen').executeTakeFirst();
      other.prepare("update settings set value = 'later' where key = 'seen'").run();
      const second = await snapshot.selectFrom('settings').select('value').where('key', '=', 'seen').executeTakeFirst();
      return [first, second];
    });
    expect(both).toEqual([{ value: 'after' }, { value: 'after' }]);
    expect(await setting('seen')).toEqual({ value: 'later' });
  });

  it('keeps WAL, synchronous=FULL and foreign keys', async () => {
    const pragma = async (name: string) => Object.values((await sql.raw(`pragma ${name}`).execute(db.kysely)).rows[0] as object)[0];
    expect(await pragma('journal_mode')).toBe('wal');
    expect(await pragma('synchronous')).toBe(2);
    expect(await pragma('foreign_keys')).toBe(1);
    expect(await pragma('busy_timeout')).toBeLessThanOrEqual(10);
  });
});
