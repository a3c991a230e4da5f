// The SQLite connection is lent to one query or transaction at a time, in arrival order: a query sent while a
// transaction is open waits for it to end (and never runs inside it), and many queued queries are handed the
// connection one after another rather than all woken on every release.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openDatabase, type Db } from '../../src/db/connect';
import { FifoLock } from '../../src/db/sqlite-driver';

describe('the SQLite connection lock', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openDatabase(':memory:');
    await sql`create table t (id integer primary key, v text)`.execute(db.kysely);
  });
  afterAll(async () => db.close());

  it('keeps a query sent during a transaction out of it: it waits and sees only what was committed', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let inside!: () => void;
    const begun = new Promise<void>((resolve) => (inside = resolve));
    const tx = db.kysely
      .transaction()
      .execute(async (trx) => {
        await sql`insert into t (v) values ('rolled back')`.execute(trx);
        inside();
        await held;
        throw new Error('roll back');
      })
      .catch((err: Error) => err.message);
    await begun;
    const outside = sql<{ n: number }>`select count(*) as n from t`.execute(db.kysely).then((r) => Number(r.rows[0].n));
    release();
    expect(await tx).toBe('roll back');
    expect(await outside).toBe(0);
  });

  it('serves thousands of queued queries, in the order they came', async () => {
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 5000 }, (_, i) => sql`select ${i} as i`.execute(db.kysely).then((r) => order.push(Number((r.rows[0] as { i: number }).i)))),
    );
    expect(order).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });
});

describe('FifoLock', () => {
  it('hands the lock to waiters first come first served, and is free when the last one releases', async () => {
    const lock = new FifoLock();
    const got: string[] = [];
    await lock.acquire();
    const waiters = ['a', 'b', 'c'].map((name) => lock.acquire().then(() => got.push(name)));
    expect(lock.waiting).toBe(3);
    for (let i = 0; i < 3; i++) {
      lock.release();
      await waiters[i];
    }
    expect(got).toEqual(['a', 'b', 'c']);
    lock.release();
    let immediate = false;
    await lock.acquire().then(() => (immediate = true));
    expect(immediate).toBe(true);
  });
});
