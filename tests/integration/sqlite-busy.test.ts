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

/** Counts event-loop turns: a blocked loop does not tick. */
function loopTicks() {
  let ticks = 0;
  let longestGap = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    longestGap = Math.max(longestGap, now - last);
    last = now;
    ticks += 1;
  }, 5);
  return { stop: () => (clearInterval(timer), { ticks, longestGap }) };
}

describe.skipIf(onPostgres)('SQLite: waiting for another writer', () => {
  let dir: string;
  let file: string;
  let db: Db;
  let other: SqliteDatabase.Database;

  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pactwatch-busy-'));
    file = path.join(dir, 'busy.db');
    db = await openDatabase(file, { sqliteBusy: { deadlineMs: 1500 } });
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
    const loop = loopTicks();
    const write = db.kysely.transaction().execute((trx) => trx.insertInto('settings').values({ key: 'k', value: 'v' }).execute());
    await new Promise((r) => setTimeout(r, 300));
    other.exec('commit');
    await write;
    const { ticks, longestGap } = loop.stop();
    // 300 ms of waiting: the 5 ms timer ran all along (a blocking wait would have frozen it for the whole time)
    expect(ticks).toBeGreaterThan(20);
    expect(longestGap).toBeLessThan(150);
    expect(await setting('k')).toEqual({ value: 'v' });
  });

  it('waits in an autocommit statement too', async () => {
    other.exec('begin immediate');
    const write = db.kysely.insertInto('settings').values({ key: 'auto', value: '1' }).execute();
    await new Promise((r) => setTimeout(r, 200));
    other.exec('commit');
    await write;
    expect(await setting('auto')).toEqual({ value: '1' });
  });

  it('gives up after the deadline with an error the server answers 503, having written nothing', async () => {
    other.exec('begin immediate');
    const started = performance.now();
    const err = await db.kysely
      .transaction()
      .execute((trx) => trx.insertInto('settings').values({ key: 'late', value: '1' }).execute())
      .catch((e: unknown) => e);
    const waited = performance.now() - started;
    other.exec('rollback');
    expect(err).toBeInstanceOf(DatabaseBusyError);
    // the error handler's rule for "unavailable for a moment": 503 with Retry-After
    expect(databaseUnavailability(err)).toMatchObject({ retryAfterSeconds: expect.any(Number) });
    expect(waited).toBeGreaterThanOrEqual(1400);
    expect(waited).toBeLessThan(5000);
    expect(await setting('late')).toBeUndefined();
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
