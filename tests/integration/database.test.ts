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
    // the wait's deadline is not under test here (sqlite-busy.test.ts): a minute, so a slow machine does not matter
    const db = await openDatabase(file, { sqliteBusy: { deadlineMs: 60_000 } });
    try {
      await migrateToLatest(db);
      // another process (like the CLI beside the server) takes the write lock, writes, and holds the lock until told
      // to commit
      const holder = spawn(process.execPath, ['-e', `
        const Database = require('better-sqlite3');
        const db = new Database(${JSON.stringify(file)});
        db.pragma('busy_timeout = 10000');
        db.exec('begin immediate');
        db.prepare("insert into settings (key, value) values ('other', '1')").run();
        process.stdout.write('locked\\n');
        process.stdin.once('data', () => {
          db.exec('commit');
          process.exit(0);
        });
      `], { stdio: ['pipe', 'pipe', 'inherit'] });
      const exited = new Promise((resolve) => holder.once('exit', resolve));
      await new Promise<void>((resolve) => holder.stdout.once('data', () => resolve()));
      // a read-then-write transaction, like a real service call: it waits for the lock, then sees the other write
      let settled = false;
      const writing = db.kysely
        .transaction()
        .execute(async (trx) => {
          const rows = await trx.selectFrom('settings').select('key').execute();
          await trx.insertInto('settings').values({ key: 'mine', value: String(rows.length) }).execute();
          return rows.map((r) => r.key);
        })
        .finally(() => (settled = true));
      // it is still waiting (not failed) after the event loop has turned a while; then the other process commits
      for (let i = 0; i < 20; i += 1) await new Promise((r) => setTimeout(r, 5));
      expect(settled).toBe(false);
      holder.stdin.end('commit\n');
      expect(await writing).toContain('other');
      await exited;
    } finally {
      await db.close();
    }
  });
});
