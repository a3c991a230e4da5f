// Backup and restore of a SQLite database file while (backup) or after (restore) a server uses it.
//
// Backup: SQLite's online backup API, page by page, inside one read transaction held on the source for the whole
// copy. In WAL mode (pactwatch always uses it) a reader never blocks writers, so the server keeps committing;
// the held transaction pins one snapshot, so the copy neither restarts when the server commits (which a
// stepped backup otherwise does) nor mixes two states. Each step's pages are flushed to disk before the next, so
// no single large flush holds up the server's own syncs. The copy is then made self-contained (rollback journal,
// no -wal beside it), checked read-only (integrity_check, full audit verification), synced and renamed.
//
// Restore: the backup is copied beside the target, checked there (integrity_check, migrations of this version,
// full audit verification), synced, and renamed over the target after its -wal/-shm are removed; a target that
// another process has open is refused.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { openDatabase, type DbTarget } from '../db/connect';
import { migrateToLatest } from '../db/migrate';
import type { Database } from '../db/schema';
import { verifyAudit } from '../audit/verify';
import {
  BackupError,
  claimPartial,
  existingBackupFile,
  fileKind,
  fsyncDir,
  fsyncFile,
  publish,
  readVerification,
  refuseExisting,
  removeQuietly,
  sha256File,
  type AuditFacts,
  type BackupOptions,
  type BackupSummary,
  type RestoreSummary,
} from './backup-common';

/** Pages copied per step (4 MiB at the default page size); the event loop runs between steps. */
const PAGES_PER_STEP = 1024;
/** How long restore waits for a lock on the target before concluding another process holds it. */
const IN_USE_WAIT_MS = 250;
/** Tables every pactwatch database has; a file without them is not a pactwatch backup. */
const PACTWATCH_TABLES = ['kysely_migration', 'audit_log', 'evidence', 'users', 'reports'];

const SIDECARS = ['-wal', '-shm', '-journal'];

function databaseFile(target: DbTarget, verb: string): string {
  if (target.location === ':memory:') throw new BackupError('NO_DATABASE', `an in-memory database cannot be ${verb}; name a database file with --db`);
  return path.resolve(target.location);
}

/** `openDatabase` has already migrated the source; this takes the consistent copy and checks it. */
export async function backupSqlite(target: DbTarget, file: string, options: BackupOptions): Promise<BackupSummary> {
  const started = performance.now();
  const source = databaseFile(target, 'backed up');
  const final = path.resolve(file);
  if ([source, ...SIDECARS.map((s) => source + s)].includes(final)) throw new BackupError('EXISTS', `${final} is the database itself; name another file`);
  refuseExisting(final, options.force);
  if (!fs.existsSync(source)) throw new BackupError('NO_DATABASE', `no database at ${source}`);

  const partial = claimPartial(final);
  try {
    const copyStarted = performance.now();
    await copyOnline(source, partial);
    const copyMs = Math.round(performance.now() - copyStarted);
    makeSelfContained(partial);
    const facts = await checkCopy(partial);
    fsyncFile(partial);
    publish(partial, final, options.force);
    const bytes = fs.statSync(final).size;
    return { dialect: 'sqlite', file: final, bytes, sha256: await sha256File(final), ...facts, copy_ms: copyMs, duration_ms: Math.round(performance.now() - started) };
  } finally {
    removeQuietly(partial, ...SIDECARS.map((s) => partial + s));
  }
}

async function copyOnline(source: string, partial: string): Promise<void> {
  const db = new SqliteDatabase(source, { fileMustExist: true, timeout: 10_000 });
  try {
    // a reader holds writers off in the rollback-journal modes; pactwatch databases are in WAL mode (connect.ts)
    const mode = db.pragma('journal_mode', { simple: true });
    if (mode !== 'wal') throw new BackupError('NO_DATABASE', `the database is in journal mode ${String(mode)}, not WAL; run any pactwatch command on it once (it switches to WAL) and try again`);
    db.exec('begin');
    try {
      // the first read starts the transaction's snapshot; every step below reads that same snapshot
      db.prepare('select count(*) from sqlite_master').get();
      const fd = fs.openSync(partial, 'r+');
      try {
        // flushed step by step: one large flush at the end would hold up the server's own syncs behind it
        await db.backup(partial, {
          progress: () => {
            fs.fdatasyncSync(fd);
            return PAGES_PER_STEP;
          },
        });
      } finally {
        fs.closeSync(fd);
      }
    } finally {
      db.exec('rollback');
    }
  } finally {
    db.close();
  }
}

/** Rollback-journal mode: the copy is one file that opens read-only anywhere, with no -wal or -shm beside it. */
function makeSelfContained(file: string): void {
  const db = new SqliteDatabase(file, { fileMustExist: true });
  try {
    db.pragma('journal_mode = DELETE');
  } finally {
    db.close();
  }
}

/** Read-only: integrity_check, the pactwatch tables, then the full audit verification. */
async function checkCopy(file: string): Promise<AuditFacts> {
  const db = new SqliteDatabase(file, { readonly: true, fileMustExist: true });
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: db }) });
  try {
    checkStructure(db, 'the copy');
    const result = readVerification(await verifyAudit(kysely));
    if (!result.ok) throw new BackupError('BROKEN', `the copy fails its check, ${result.reason}; nothing was kept (run \`pactwatch audit verify\` on the database)`);
    return result.facts;
  } finally {
    await kysely.destroy();
  }
}

/** Throws unless the file passes integrity_check and has the tables of a pactwatch database. */
function checkStructure(db: SqliteDatabase.Database, label: string): void {
  let problems: { integrity_check: string }[];
  try {
    problems = db.pragma('integrity_check') as { integrity_check: string }[];
  } catch (err) {
    throw new BackupError('NOT_A_BACKUP', `${label} cannot be read as a SQLite database: ${(err as Error).message}`);
  }
  if (problems.length !== 1 || problems[0].integrity_check !== 'ok') {
    throw new BackupError('BROKEN', `${label} is damaged: integrity_check says ${problems[0]?.integrity_check ?? 'nothing'}${problems.length > 1 ? ` (and ${problems.length - 1} more)` : ''}`);
  }
  const tables = new Set((db.prepare(`select name from sqlite_master where type = 'table'`).all() as { name: string }[]).map((r) => r.name));
  const missing = PACTWATCH_TABLES.filter((t) => !tables.has(t));
  if (missing.length) throw new BackupError('NOT_A_BACKUP', `${label} is not a pactwatch database (no ${missing.join(', ')} table${missing.length > 1 ? 's' : ''})`);
}

/**
 * Refuses when another process has the database open. Every connection to a WAL database holds a shared lock
 * on the file for as long as it is open, so exclusive locking mode cannot take the file while a server runs,
 * even an idle one.
 */
function refuseInUse(file: string): void {
  let db: SqliteDatabase.Database;
  try {
    db = new SqliteDatabase(file, { fileMustExist: true, timeout: IN_USE_WAIT_MS });
  } catch {
    return; // not a database we can open: nothing in it to protect from a running server
  }
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('begin exclusive');
    db.exec('commit');
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
      throw new BackupError('IN_USE', `${file} is open in another process (is the server running?); stop it, then restore`);
    }
    if (!code.startsWith('SQLITE_NOTADB') && !code.startsWith('SQLITE_CORRUPT')) throw err;
  } finally {
    db.close();
  }
}

export async function restoreSqlite(target: DbTarget, file: string, options: BackupOptions): Promise<RestoreSummary> {
  const started = performance.now();
  const from = existingBackupFile(file);
  const dest = databaseFile(target, 'restored into');
  if (from === dest) throw new BackupError('EXISTS', `${from} is the target database itself`);
  const kind = fileKind(from);
  if (kind === 'pg_dump') throw new BackupError('NOT_A_BACKUP', `${from} is a PostgreSQL backup; restore it with --db postgres://…`);
  if (kind !== 'sqlite') throw new BackupError('NOT_A_BACKUP', `${from} is not a pactwatch backup (not a SQLite database file)`);
  const exists = fs.existsSync(dest);
  refuseExisting(dest, options.force, 'the database');
  options.log('restore: the server must be stopped while restoring');
  if (exists) refuseInUse(dest);

  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const temp = `${dest}.restore-${crypto.randomBytes(4).toString('hex')}.partial`;
  try {
    fs.copyFileSync(from, temp, fs.constants.COPYFILE_EXCL);
    const raw = new SqliteDatabase(temp, { fileMustExist: true });
    try {
      checkStructure(raw, from);
    } finally {
      raw.close();
    }
    // the backup may come from an older version: bring it up to date, then check what will be put in place
    const db = await openDatabase(temp);
    let applied: string[];
    let facts: AuditFacts;
    try {
      applied = await migrateToLatest(db);
      const result = readVerification(await verifyAudit(db.kysely));
      if (!result.ok) throw new BackupError('BROKEN', `${from} is not a sound backup: ${result.reason}; nothing was restored`);
      facts = result.facts;
    } finally {
      await db.close();
    }
    makeSelfContained(temp);
    fsyncFile(temp);
    // checked again just before the swap: a server started meanwhile would keep writing to the replaced file
    if (exists) refuseInUse(dest);
    // a -wal left beside the target would be replayed onto the restored file and corrupt it
    removeQuietly(...SIDECARS.map((s) => dest + s));
    fs.renameSync(temp, dest);
    fsyncDir(path.dirname(dest));
    return { dialect: 'sqlite', from, into: dest, ...facts, migrations_applied: applied, duration_ms: Math.round(performance.now() - started) };
  } finally {
    removeQuietly(temp, ...SIDECARS.map((s) => temp + s));
  }
}
