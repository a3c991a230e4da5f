// `pactwatch backup` and `pactwatch restore` on real databases: SQLite files always, PostgreSQL schemas when
// TEST_DATABASE_URL names a server. The backup taken while another process writes is checked against what that
// process acknowledged; no test waits a fixed time or asserts on a duration (every wait loops to a deadline).

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { sql } from 'kysely';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connect';
import { findPgBin } from '../../src/ops/backup';
import { auditHead } from '../../src/audit/log';
import { cliDatabases, runCli } from '../helpers/cli';
import { addUser } from '../helpers/app';
import { onPostgres } from '../helpers/db';
import { until } from '../helpers/wait';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pactwatch-backup-'));
const pgDatabases = cliDatabases('backup-pg');
const children = new Set<ChildProcessWithoutNullStreams>();
const NEEDS_POSTGRES = 'needs TEST_DATABASE_URL=postgres://… (a PostgreSQL server to back up and restore)';

afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
});

afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await pgDatabases.cleanup();
});

let fileCounter = 0;
const newFile = (name: string) => path.join(dir, `${(fileCounter += 1)}-${name}`);

function track(child: ChildProcessWithoutNullStreams) {
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

/** Rejects if `promise` has not settled after `ms` (generous: a hung process, not a slow one). */
function within<T>(promise: Promise<T>, what: string, ms = 180_000): Promise<T> {
  let timer: NodeJS.Timeout;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out waiting until ${what}`)), ms)));
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/** The command as an operator runs it: a process of its own. */
async function pactwatchProcess(args: string[]) {
  const run = track(spawn(process.execPath, ['bin/pactwatch.js', ...args], { stdio: 'pipe' }));
  run.child.stdin.end();
  const code = await within(run.exited, `pactwatch ${args[0]} exited`);
  return { code, stdout: run.out(), stderr: run.err() };
}

/** Row count of every table of the database (one schema on PostgreSQL). */
async function tableCounts(url: string): Promise<Record<string, number>> {
  const db = await openDatabase(url);
  try {
    const names =
      db.dialect === 'sqlite'
        ? (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(db.kysely)).rows.map((r) => r.name)
        : (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = ${db.target.schema ?? 'public'}`.execute(db.kysely)).rows.map((r) => r.name);
    const counts: Record<string, number> = {};
    for (const name of names.sort()) {
      counts[name] = Number((await sql<{ n: number }>`select count(*) as n from ${sql.table(name)}`.execute(db.kysely)).rows[0].n);
    }
    return counts;
  } finally {
    await db.close();
  }
}

async function headOf(url: string): Promise<string | null> {
  const db = await openDatabase(url);
  try {
    const head = await auditHead(db.kysely);
    return head ? `${head.seq}:${head.hash}` : null;
  } finally {
    await db.close();
  }
}

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');

async function seededDemo(url: string): Promise<void> {
  expect((await runCli(['seed', '--demo', '--db', url])).code).toBe(0);
}

/** Backs up `liveUrl`, restores into `restoredUrl`: the same rows in every table, the same head, verify intact. */
async function roundTrip(liveUrl: string, restoredUrl: string, file: string) {
  const backup = await runCli(['backup', file, '--db', liveUrl]);
  expect(backup.stderr).toMatch(/^backup: .* written and checked/m);
  expect(backup.code).toBe(0);
  const summary = JSON.parse(backup.stdout);
  const liveHead = await headOf(liveUrl);
  expect(liveHead).toMatch(/^\d+:[0-9a-f]{64}$/);
  expect(summary).toMatchObject({ file: path.resolve(file), bytes: fs.statSync(file).size, sha256: sha256(file), head: liveHead });
  expect(summary.counts.evidence).toBeGreaterThan(100);
  expect(backup.stderr).toContain(`head ${liveHead}`);
  expect(backup.stderr).toMatch(/Keep this head somewhere other than the server/);
  expect(fs.existsSync(`${file}.partial`)).toBe(false);

  const restore = await runCli(['restore', file, '--db', restoredUrl]);
  expect(restore.stderr).toMatch(/the server must be stopped while restoring/);
  expect(restore.code).toBe(0);
  expect(JSON.parse(restore.stdout)).toMatchObject({ head: liveHead, counts: summary.counts });
  expect(restore.stderr).toContain(`head ${liveHead}`);

  expect(await tableCounts(restoredUrl)).toEqual(await tableCounts(liveUrl));
  expect(await headOf(restoredUrl)).toBe(liveHead);
  const verify = await runCli(['audit', 'verify', '--expect-head', liveHead!, '--db', restoredUrl]);
  expect(verify.stderr).toMatch(/^audit verify: intact/);
  expect(verify.code).toBe(0);
  return summary as { head: string; counts: { evidence: number } };
}

/**
 * Starts a writer process on `liveUrl`, runs `backup` as a process of its own while it writes, stops the writer,
 * restores the backup into `restoredUrl`, and checks it against what the writer acknowledged.
 */
async function backupWhileWriting(liveUrl: string, restoredUrl: string, file: string) {
  await seededDemo(liveUrl);
  const setup = await openDatabase(liveUrl);
  const author = await addUser(setup, 'evaluator', { delegation: 'PAK' });
  const reviewer = await addUser(setup, 'reviewer', { delegation: 'PAK' });
  await setup.close();

  const acknowledged: number[] = [];
  const writer = track(spawn(process.execPath, ['--import', 'tsx', 'tests/integration/fixtures/evidence-writer.ts', liveUrl, author.email, reviewer.email, '--hold-checkpoints'], { stdio: 'pipe' }));
  let pending = '';
  writer.child.stdout.on('data', (d: Buffer) => {
    pending += d.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) acknowledged.push(JSON.parse(line).id);
  });
  let writerStopped = false;
  void writer.exited.then(() => (writerStopped = true));
  const writerAlive = () => {
    if (writerStopped) throw new Error(`the writer stopped: ${writer.err()}`);
    return true;
  };

  await until(() => writerAlive() && acknowledged.length >= 5, 'the writer acknowledged 5 items');
  const beforeBackup = [...acknowledged];
  const backup = await pactwatchProcess(['backup', file, '--db', liveUrl]);
  const afterBackup = acknowledged.length;
  // the writer went on through the backup and after it
  await until(() => writerAlive() && acknowledged.length >= afterBackup + 3, 'the writer acknowledged 3 more items');
  writer.child.stdin.end();
  expect(await within(writer.exited, 'the writer stopped')).toBe(0);

  expect(backup.stderr).toMatch(/written and checked/);
  expect(backup.code).toBe(0);
  const summary = JSON.parse(backup.stdout) as { head: string };
  const [seq, hash] = summary.head.split(':');

  // its head is a prefix of the live chain, which went on
  const live = await openDatabase(liveUrl);
  try {
    const entry = await live.kysely.selectFrom('audit_log').select('hash').where('seq', '=', Number(seq)).executeTakeFirst();
    expect(entry?.hash).toBe(hash);
    expect((await auditHead(live.kysely))!.seq).toBeGreaterThan(Number(seq));
  } finally {
    await live.close();
  }

  const restore = await runCli(['restore', file, '--db', restoredUrl]);
  expect(restore.code).toBe(0);
  expect(JSON.parse(restore.stdout).head).toBe(summary.head);
  expect((await runCli(['audit', 'verify', '--expect-head', summary.head, '--db', restoredUrl])).code).toBe(0);

  // every item acknowledged before the backup began is in it, verified
  const restored = await openDatabase(restoredUrl);
  try {
    const rows = await restored.kysely.selectFrom('evidence').select(['id', 'status']).where('id', 'in', beforeBackup).execute();
    expect(rows.map((r) => r.id).sort((a, b) => a - b)).toEqual([...beforeBackup].sort((a, b) => a - b));
    expect(new Set(rows.map((r) => r.status))).toEqual(new Set(['verified']));
    // and none it does not know of: the items after the backup are missing from it, the log says so too
    const newest = await restored.kysely.selectFrom('evidence').select(sql<number>`max(id)`.as('id')).executeTakeFirstOrThrow();
    expect(newest.id).toBeLessThan(acknowledged[acknowledged.length - 1]);
  } finally {
    await restored.close();
  }
}

describe('backup and restore on SQLite', () => {
  it('backs up a seeded demo database and restores it into a new file with the same rows and audit head', async () => {
    const live = newFile('live.db');
    await seededDemo(live);
    const restored = newFile('restored.db');
    await roundTrip(live, restored, newFile('backup.db'));
    // the restored file stands alone: nothing of the backup's own beside it
    expect(fs.readdirSync(dir).filter((f) => f.includes('.partial') || f.includes('.restore-'))).toEqual([]);
  });

  it('refuses to replace a backup file without --force, and replaces it with --force', async () => {
    const live = newFile('live.db');
    await seededDemo(live);
    const file = newFile('backup.db');
    fs.writeFileSync(file, 'an older backup');
    const refused = await runCli(['backup', file, '--db', live]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/exists; pass --force/);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stdout).toBe('');
    expect(fs.readFileSync(file, 'utf8')).toBe('an older backup');
    const forced = await runCli(['backup', file, '--force', '--db', live]);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout).sha256).toBe(sha256(file));
  });

  it('refuses to back up a database that does not exist, and writes nothing', async () => {
    const file = newFile('backup.db');
    const missing = newFile('missing.db');
    const r = await runCli(['backup', file, '--db', missing]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/no database at/);
    expect(fs.existsSync(missing)).toBe(false);
    expect(fs.existsSync(file)).toBe(false);
  });

  it('takes a backup while another process writes that holds every item acknowledged before it began', async () => {
    await backupWhileWriting(newFile('live.db'), newFile('restored.db'), newFile('backup.db'));
  }, 240_000);

  it('refuses to restore a tampered backup, naming the difference, and leaves the target alone', async () => {
    const live = newFile('live.db');
    await seededDemo(live);
    const file = newFile('backup.db');
    expect((await runCli(['backup', file, '--db', live])).code).toBe(0);
    const copy = new SqliteDatabase(file);
    const { id } = copy.prepare('select min(id) as id from evidence').get() as { id: number };
    copy.prepare(`update evidence set title = 'Quietly rewritten' where id = ?`).run(id);
    copy.close();

    const target = newFile('target.db');
    const refused = await runCli(['restore', file, '--db', target]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`is not a sound backup: its tables differ from its audit log: evidence ${id}: title is "Quietly rewritten" in the database`));
    expect(fs.existsSync(target)).toBe(false);
    expect(fs.readdirSync(dir).filter((f) => f.includes('.restore-'))).toEqual([]);
  });

  it('refuses to restore a backup whose audit log was edited', async () => {
    const live = newFile('live.db');
    await seededDemo(live);
    const file = newFile('backup.db');
    expect((await runCli(['backup', file, '--db', live])).code).toBe(0);
    const copy = new SqliteDatabase(file);
    // the log refuses updates through its triggers; someone with the file drops them first
    copy.exec('drop trigger audit_log_no_update');
    copy.prepare(`update audit_log set at = '2020-01-01T00:00:00.000Z' where seq = 2`).run();
    copy.close();
    const refused = await runCli(['restore', file, '--db', newFile('target.db')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/is not a sound backup: its audit log is broken at entry 2/);
  });

  it('refuses an existing target without --force, and one another process has open even with --force', async () => {
    const live = newFile('live.db');
    await seededDemo(live);
    const file = newFile('backup.db');
    const summary = JSON.parse((await runCli(['backup', file, '--db', live])).stdout);

    const target = newFile('target.db');
    expect((await runCli(['seed', '--db', target])).code).toBe(0);
    const before = sha256(target);
    const refused = await runCli(['restore', file, '--db', target]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/target\.db exists; pass --force to replace the database/);
    expect(sha256(target)).toBe(before);

    // a server has the database open (idle between requests): the check sees its lock
    const server = await openDatabase(target);
    await sql`select 1`.execute(server.kysely);
    try {
      const busy = await runCli(['restore', file, '--force', '--db', target]);
      expect(busy.code).toBe(1);
      expect(busy.stderr).toMatch(/is open in another process \(is the server running\?\)/);
    } finally {
      await server.close();
    }
    expect((await tableCounts(target)).evidence).toBe(0);

    // the replaced database's write-ahead log, still holding a change of its own, must not reach the restored one
    const old = new SqliteDatabase(target);
    old.pragma('wal_autocheckpoint = 0');
    old.prepare(`update frameworks set name = 'Stale'`).run();
    const staleWal = newFile('stale-wal');
    fs.copyFileSync(`${target}-wal`, staleWal);
    old.close();
    fs.copyFileSync(staleWal, `${target}-wal`);
    const forced = await runCli(['restore', file, '--force', '--db', target]);
    expect(forced.code).toBe(0);
    expect(JSON.parse(forced.stdout).head).toBe(summary.head);
    expect(await headOf(target)).toBe(summary.head);
    expect((await tableCounts(target)).evidence).toBe(summary.counts.evidence);
    expect((await runCli(['audit', 'verify', '--expect-head', summary.head, '--db', target])).code).toBe(0);
  });

  it('refuses a file that is not a pactwatch backup', async () => {
    const target = newFile('target.db');
    const text = newFile('notes.txt');
    fs.writeFileSync(text, 'not a database at all\n');
    const notDb = await runCli(['restore', text, '--db', target]);
    expect(notDb.code).toBe(1);
    expect(notDb.stderr).toMatch(/is not a pactwatch backup \(not a SQLite database file\)/);

    const other = newFile('other.db');
    const foreign = new SqliteDatabase(other);
    foreign.exec('create table notes (id integer primary key, body text)');
    foreign.close();
    const notOurs = await runCli(['restore', other, '--db', target]);
    expect(notOurs.code).toBe(1);
    expect(notOurs.stderr).toMatch(/is not a pactwatch database \(no kysely_migration, audit_log, evidence, users, reports tables\)/);

    const missing = await runCli(['restore', newFile('nothing.db'), '--db', target]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no such file/);
    expect(fs.existsSync(target)).toBe(false);
  });
});

describe('finding the PostgreSQL client programs', () => {
  it('takes pg_dump from PATH first, else from the newest /usr/lib/postgresql/N/bin, else reports none', () => {
    const root = fs.mkdtempSync(path.join(dir, 'pgbin-'));
    const program = (folder: string) => {
      fs.mkdirSync(folder, { recursive: true });
      fs.writeFileSync(path.join(folder, 'pg_dump'), '#!/bin/sh\n', { mode: 0o755 });
      return folder;
    };
    const versions = path.join(root, 'lib');
    const onPath = program(path.join(root, 'path-bin'));
    program(path.join(versions, '9.6', 'bin'));
    const newest = program(path.join(versions, '16', 'bin'));
    const empty = path.join(root, 'empty');
    fs.mkdirSync(empty);
    expect(findPgBin({ PATH: [empty, onPath].join(path.delimiter) }, versions)).toBe(onPath);
    expect(findPgBin({ PATH: empty }, versions)).toBe(newest);
    expect(findPgBin({ PATH: empty }, path.join(root, 'nowhere'))).toBeNull();
  });
});

describe('backup and restore on PostgreSQL', () => {
  it('round-trips a schema into another schema with the same rows and audit head', async (ctx) => {
    ctx.skip(!onPostgres, NEEDS_POSTGRES);
    const live = pgDatabases.newUrl();
    await seededDemo(live);
    await roundTrip(live, pgDatabases.newUrl(), newFile('backup.dump'));
    // the schema backed up is untouched by a restore next to it
    expect((await runCli(['audit', 'verify', '--db', live])).code).toBe(0);
  });

  it('takes a backup while another process writes whose head is the dump\'s own', async (ctx) => {
    ctx.skip(!onPostgres, NEEDS_POSTGRES);
    await backupWhileWriting(pgDatabases.newUrl(), pgDatabases.newUrl(), newFile('backup.dump'));
  }, 240_000);

  it('refuses a non-empty target schema without --force, and a file that is not a pactwatch dump', async (ctx) => {
    ctx.skip(!onPostgres, NEEDS_POSTGRES);
    const live = pgDatabases.newUrl();
    await seededDemo(live);
    const file = newFile('backup.dump');
    const summary = JSON.parse((await runCli(['backup', file, '--db', live])).stdout);

    const nothing = await runCli(['backup', newFile('nothing.dump'), '--db', pgDatabases.newUrl()]);
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toMatch(/no schema \S+ in the database/);

    const target = pgDatabases.newUrl();
    expect((await runCli(['seed', '--db', target])).code).toBe(0);
    const refused = await runCli(['restore', file, '--db', target]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/schema \S+ is not empty; pass --force to replace it/);
    expect((await tableCounts(target)).evidence).toBe(0);
    const forced = await runCli(['restore', file, '--force', '--db', target]);
    expect(forced.code).toBe(0);
    expect(await headOf(target)).toBe(summary.head);

    const text = newFile('notes.txt');
    fs.writeFileSync(text, 'not a dump\n');
    const notDump = await runCli(['restore', text, '--db', pgDatabases.newUrl()]);
    expect(notDump.code).toBe(1);
    expect(notDump.stderr).toMatch(/is not a pactwatch backup \(not a pg_dump archive\)/);

    const sqliteLive = newFile('live.db');
    await seededDemo(sqliteLive);
    const sqliteBackup = newFile('backup.db');
    expect((await runCli(['backup', sqliteBackup, '--db', sqliteLive])).code).toBe(0);
    const wrongKind = await runCli(['restore', sqliteBackup, '--db', pgDatabases.newUrl()]);
    expect(wrongKind.code).toBe(1);
    expect(wrongKind.stderr).toMatch(/is a SQLite backup; restore it with --db PATH/);
  });
});
