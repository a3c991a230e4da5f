// What backup and restore share on both databases: their coded error, their summaries, the reading of an audit
// verification into facts or a refusal, and the file steps that make a copy durable and put it under its final
// name only once it is complete and checked.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FullAuditVerification } from '../audit/verify';

export type BackupErrorCode =
  /** the database to back up does not exist, or cannot be backed up (in memory) */
  | 'NO_DATABASE'
  /** the backup file, or the restore target, exists and --force was not given */
  | 'EXISTS'
  /** another process has the SQLite database open: a server, most likely */
  | 'IN_USE'
  /** the file is not a pactwatch backup at all, or one of the other database */
  | 'NOT_A_BACKUP'
  /** the copy is damaged, or its tables do not match its audit log */
  | 'BROKEN'
  /** pg_dump, pg_restore or psql is not installed */
  | 'TOOL_MISSING'
  /** pg_dump, pg_restore or psql failed */
  | 'TOOL_FAILED';

export class BackupError extends Error {
  readonly code: BackupErrorCode;

  constructor(code: BackupErrorCode, message: string) {
    super(message);
    this.name = 'BackupError';
    this.code = code;
  }
}

export interface CopyCounts {
  evidence: number;
  reports: number;
  users: number;
}

/** The audit facts of a copy that verified: its head (`SEQ:HASH`, null for an empty log), entries and rows. */
export interface AuditFacts {
  head: string | null;
  entries: number;
  counts: CopyCounts;
}

export interface BackupSummary extends AuditFacts {
  dialect: 'sqlite' | 'postgres';
  file: string;
  bytes: number;
  sha256: string;
  /** how long the copy (SQLite) or the dump (PostgreSQL) took: the time the snapshot was held */
  copy_ms: number;
  /** the whole command: copy, check, sync and rename */
  duration_ms: number;
}

export interface RestoreSummary extends AuditFacts {
  dialect: 'sqlite' | 'postgres';
  /** the backup file restored */
  from: string;
  /** the database restored into: a file path, or `schema NAME` on PostgreSQL */
  into: string;
  /** migrations applied to the backup before it was checked (it was made by an older version) */
  migrations_applied: string[];
  duration_ms: number;
}

export interface BackupOptions {
  /** replace an existing backup file, or a restore target that exists or is not empty */
  force: boolean;
  /** progress and warnings, one line each (stderr in the CLI) */
  log: (line: string) => void;
}

/** The facts of a verification that passed, or the one-line reason it did not. */
export function readVerification(verification: FullAuditVerification): { ok: true; facts: AuditFacts } | { ok: false; reason: string } {
  if (verification.live === null) {
    const bad = verification.chain.firstBad;
    return { ok: false, reason: `its audit log is broken at entry ${bad.seq}: ${bad.reason}` };
  }
  if (!verification.live.ok) return { ok: false, reason: `its tables differ from its audit log: ${verification.live.difference.message}` };
  const { head, entries } = verification.chain;
  const c = verification.live.counts;
  return { ok: true, facts: { head: head ? `${head.seq}:${head.hash}` : null, entries, counts: { evidence: c.evidence, reports: c.reports, users: c.users } } };
}

/**
 * Creates `FILE.partial` for writing, failing if it exists: a second backup to the same file at once, or one
 * that was interrupted, must not be overwritten silently.
 */
export function claimPartial(final: string): string {
  const partial = `${final}.partial`;
  fs.mkdirSync(path.dirname(final), { recursive: true });
  try {
    fs.closeSync(fs.openSync(partial, 'wx'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') {
      throw new BackupError('EXISTS', `${partial} exists: another backup to this file is running, or one was interrupted (remove it and try again)`);
    }
    throw err;
  }
  return partial;
}

export function refuseExisting(final: string, force: boolean, what = 'the backup file'): void {
  if (!force && fs.existsSync(final)) throw new BackupError('EXISTS', `${final} exists; pass --force to replace ${what}`);
}

export function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r+');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Makes a rename or unlink in the folder durable (the folder's own entry must reach the disk too). */
export function fsyncDir(dir: string): void {
  let fd: number;
  try {
    fd = fs.openSync(dir, 'r');
  } catch {
    return; // a platform that cannot open folders (Windows) has no folder fsync either
  }
  try {
    fs.fsyncSync(fd);
  } catch (err) {
    if (!['EINVAL', 'EISDIR', 'EPERM'].includes((err as NodeJS.ErrnoException).code ?? '')) throw err;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Puts the finished, synced copy under its final name in one step. Without force a hard link claims the name
 * atomically (fails if it exists, even if created a moment ago); where links are not supported, a check then
 * a rename.
 */
export function publish(partial: string, final: string, force: boolean): void {
  if (force) {
    fs.renameSync(partial, final);
  } else {
    try {
      fs.linkSync(partial, final);
      fs.unlinkSync(partial);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw new BackupError('EXISTS', `${final} exists; pass --force to replace the backup file`);
      if (!['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EMLINK'].includes(code ?? '')) throw err;
      refuseExisting(final, false);
      fs.renameSync(partial, final);
    }
  }
  fsyncDir(path.dirname(final));
}

export async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export function removeQuietly(...files: string[]): void {
  for (const f of files) fs.rmSync(f, { force: true });
}

/** The first bytes of a file: what kind of backup it could be. */
export function fileKind(file: string): 'sqlite' | 'pg_dump' | 'other' {
  const fd = fs.openSync(file, 'r');
  try {
    const head = Buffer.alloc(16);
    const n = fs.readSync(fd, head, 0, 16, 0);
    if (n === 16 && head.toString('latin1') === 'SQLite format 3\u0000') return 'sqlite';
    if (n >= 5 && head.subarray(0, 5).toString('latin1') === 'PGDMP') return 'pg_dump';
    return 'other';
  } finally {
    fs.closeSync(fd);
  }
}

/** The backup file to read: it must exist and be a regular file. */
export function existingBackupFile(file: string): string {
  const resolved = path.resolve(file);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(resolved);
  } catch {
    throw new BackupError('NOT_A_BACKUP', `${resolved}: no such file`);
  }
  if (!stat.isFile()) throw new BackupError('NOT_A_BACKUP', `${resolved} is not a file`);
  return resolved;
}
