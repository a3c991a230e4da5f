// `pactwatch backup` and `pactwatch restore`: which database, and which of the SQLite and PostgreSQL ways to take.
// A backup is published under its name only once complete, synced and checked; a restore checks the backup before
// it touches the target. Both report the audit head, which the operator keeps off the server.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, parseDatabaseUrl } from '../db/connect';
import { migrateToLatest } from '../db/migrate';
import { BackupError, type BackupOptions, type BackupSummary, type RestoreSummary } from './backup-common';
import { backupSqlite, restoreSqlite } from './backup-sqlite';
import { assertSchemaExists, backupPostgres, restorePostgres } from './backup-postgres';

export { BackupError, type BackupOptions, type BackupSummary, type RestoreSummary } from './backup-common';
export { findPgBin } from './backup-postgres';

/** Applies pending migrations to the database, then writes a checked backup of it to `file`. */
export async function backupDatabase(url: string | undefined, file: string, options: BackupOptions): Promise<BackupSummary> {
  const target = parseDatabaseUrl(url);
  yieldToServer();
  if (target.dialect === 'sqlite' && target.location !== ':memory:' && !fs.existsSync(target.location)) {
    // opening would create an empty database, and back that up
    throw new BackupError('NO_DATABASE', `no database at ${path.resolve(target.location)}`);
  }
  if (target.dialect === 'postgres') await assertSchemaExists(target);
  const db = await openDatabase(url);
  try {
    await migrateToLatest(db);
    if (db.dialect === 'postgres') return await backupPostgres(db, file, options);
  } finally {
    await db.close();
  }
  // SQLite: the copy is taken on a connection of its own
  return backupSqlite(target, file, options);
}

/**
 * Lowers this process's CPU priority (and pg_dump's, which inherits it): checking a copy keeps a core busy for
 * seconds, and at normal priority on two cores it held the server's writers up for ~170 ms at a time
 * (benchmarks/backup-stall.ts).
 */
function yieldToServer(): void {
  try {
    os.setPriority(Math.max(os.getPriority(), 10));
  } catch {
    // not permitted here (or not supported): the backup runs at normal priority
  }
}

/** Checks the backup in `file`, brings it up to this version's migrations, and puts it in place of the database. */
export async function restoreDatabase(url: string | undefined, file: string, options: BackupOptions): Promise<RestoreSummary> {
  const target = parseDatabaseUrl(url);
  return target.dialect === 'sqlite' ? restoreSqlite(target, file, options) : restorePostgres(target, file, options);
}
