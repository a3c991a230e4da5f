import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { openDatabase, parseDatabaseUrl, DatabaseUrlError } from '../../src/db/connect';
import { migrateToLatest } from '../../src/db/migrate';
import { closeTestDb, onPostgres, openTestDb } from '../helpers/db';

describe('database URLs', () => {
  it('chooses the dialect from the URL', () => {
    expect(parseDatabaseUrl(undefined)).toEqual({ dialect: 'sqlite', location: './data/pactwatch.db', schema: null });
    expect(parseDatabaseUrl('sqlite:/tmp/x.db')).toMatchObject({ dialect: 'sqlite', location: '/tmp/x.db' });
    expect(parseDatabaseUrl('/var/lib/pw.db')).toMatchObject({ dialect: 'sqlite', location: '/var/lib/pw.db' });
    expect(parseDatabaseUrl('postgres://u@h:5432/db?schema=s1')).toEqual({ dialect: 'postgres', location: 'postgres://u@h:5432/db', schema: 's1' });
    expect(parseDatabaseUrl('postgresql://u@h/db')).toMatchObject({ dialect: 'postgres', schema: null });
  });

  it('names what is wrong with a bad URL', () => {
    expect(() => parseDatabaseUrl('mysql://x/y')).toThrow(DatabaseUrlError);
    expect(() => parseDatabaseUrl('mysql://x/y')).toThrow(/unsupported scheme/);
    expect(() => parseDatabaseUrl('postgres://u@h/db?schema=Bad-Name')).toThrow(/schema/);
    expect(() => parseDatabaseUrl('sqlite:')).toThrow(/file path/);
  });
});

describe('migrations', () => {
  it('apply once and then report nothing pending', async () => {
    const db = await openTestDb();
    try {
      expect(await migrateToLatest(db)).toEqual([]);
      const tables = ['frameworks', 'pillars', 'benchmarks', 'perspectives', 'framework_groups', 'evidence', 'findings', 'users', 'sessions', 'settings'];
      for (const table of tables) {
        await sql`select count(*) from ${sql.table(table)}`.execute(db.kysely);
      }
    } finally {
      await closeTestDb(db);
    }
  });

  it('enforce the domain in the database itself', async () => {
    const db = await openTestDb();
    try {
      const now = new Date().toISOString();
      await expect(
        db.kysely.insertInto('users').values({ email: 'x@y.z', name: 'x', password_hash: 'h', role: 'superuser' as never, delegation: null, disabled_at: null, created_at: now, updated_at: now }).execute(),
      ).rejects.toThrow();
      // foreign keys are on: a finding must name a stored evidence item
      await expect(db.kysely.insertInto('findings').values({ evidence_id: 999, benchmark_id: 999, stance: 1, value: null, position: 0 }).execute()).rejects.toThrow();
    } finally {
      await closeTestDb(db);
    }
  });
});

describe.skipIf(onPostgres)('SQLite settings', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pactwatch-db-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('uses WAL, synchronous=FULL, foreign keys and a tiny blocking busy timeout, and creates the folder', async () => {
    const file = path.join(dir, 'nested', 'pw.db');
    const db = await openDatabase(`sqlite:${file}`);
    try {
      const pragma = async (name: string) => Object.values((await sql.raw(`pragma ${name}`).execute(db.kysely)).rows[0] as object)[0];
      expect(await pragma('journal_mode')).toBe('wal');
      expect(await pragma('synchronous')).toBe(2); // FULL
      expect(await pragma('foreign_keys')).toBe(1);
      // SQLite's own wait blocks the event loop: it stays a few ms; the real wait is asynchronous (sqlite-busy.test.ts)
      expect(Number(await pragma('busy_timeout'))).toBeGreaterThan(0);
      expect(Number(await pragma('busy_timeout'))).toBeLessThanOrEqual(10);
      expect(fs.existsSync(file)).toBe(true);
    } finally {
      await db.close();
    }
  });

  it('makes a writer wait for another process holding the write lock instead of failing', async () => {
    const file = path.join(dir, 'concurrent.db');
    const db = await openDatabase(file);
    try {
      await migrateToLatest(db);
      // another process (like the CLI beside the server) takes the write lock, writes, holds it 400 ms, commits
      const holder = spawn(process.execPath, ['-e', `
        const Database = require('better-sqlite3');
        const db = new Database(${JSON.stringify(file)});
        db.pragma('busy_timeout = 10000');
        db.exec('begin immediate');
        db.prepare("insert into settings (key, value) values ('other', '1')").run();
        process.stdout.write('locked\\n');
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 400);
        db.exec('commit');
      `], { stdio: ['ignore', 'pipe', 'inherit'] });
      // listened for from the start: the wait below no longer blocks the event loop, so the exit may come during it
      const exited = new Promise((resolve) => holder.once('exit', resolve));
      await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
      const started = Date.now();
      // a read-then-write transaction, like a real service call: it waits for the lock, then sees the other write
      const seen = await db.kysely.transaction().execute(async (trx) => {
        const rows = await trx.selectFrom('settings').select('key').execute();
        await trx.insertInto('settings').values({ key: 'mine', value: String(rows.length) }).execute();
        return rows.map((r) => r.key);
      });
      expect(seen).toContain('other');
      expect(Date.now() - started).toBeGreaterThan(100);
      await exited;
    } finally {
      await db.close();
    }
  });
});
