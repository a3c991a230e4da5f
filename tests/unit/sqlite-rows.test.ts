// The SQLite driver reads rows as arrays and builds each row object from the statement's columns (faster than
// better-sqlite3's own objects). The objects must be the ones better-sqlite3 would have made: same keys in the same
// order, the last of two equal names winning, odd names kept as data, and a cached statement whose `select *` grew a
// column (a migration run by another process) answering with the new column.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { openDatabase, type Db } from '../../src/db/connect';

describe('rows read through the SQLite driver', () => {
  let dir: string;
  let file: string;
  let db: Db;
  let plain: BetterSqlite3.Database;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pactwatch-rows-'));
    file = path.join(dir, 'rows.db');
    db = await openDatabase(file);
    await sql`create table t (id integer primary key, "a b" text, "constructor" integer, v real)`.execute(db.kysely);
    await sql`insert into t (id, "a b", "constructor", v) values (1, 'x', 7, 1.5), (2, null, null, null)`.execute(db.kysely);
    plain = new BetterSqlite3(file);
  });
  afterAll(async () => {
    plain.close();
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const ours = async (query: string) => (await sql.raw(query).execute(db.kysely)).rows as Record<string, unknown>[];
  const theirs = (query: string) => plain.prepare(query).all() as Record<string, unknown>[];

  it.each([
    'select * from t order by id',
    'select id, v, id as v from t order by id',
    'select id as x, "a b", v * 2 as "v*2", null as empty from t order by id',
    'select count(*) as n from t',
    'select * from t where id = 99',
  ])('%s: the same objects as better-sqlite3 makes', async (query) => {
    const expected = theirs(query);
    const got = await ours(query);
    expect(got).toEqual(expected);
    expect(got.map((r) => Object.keys(r))).toEqual(expected.map((r) => Object.keys(r)));
  });

  // better-sqlite3 itself assigns such a column, which sets the row's prototype; ours keeps it as a property
  it('keeps a column named __proto__ as data, not as the prototype', async () => {
    const [row] = await ours(`select 1 as id, 'p' as "__proto__"`);
    expect(Object.getPrototypeOf(row)).toBe(Object.prototype);
    expect(Object.keys(row)).toEqual(['id', '__proto__']);
    expect(Object.getOwnPropertyDescriptor(row, '__proto__')?.value).toBe('p');
  });

  it('answers a cached select * with a column another connection added since', async () => {
    const before = await ours('select * from t where id = 1');
    expect(Object.keys(before[0])).not.toContain('added');
    plain.exec(`alter table t add column added text default 'new'`);
    const after = await ours('select * from t where id = 1');
    expect(after).toEqual(theirs('select * from t where id = 1'));
    expect(after[0].added).toBe('new');
  });
});
