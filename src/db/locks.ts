// Named PostgreSQL advisory locks, held to the end of the caller's transaction, in one place. On SQLite every
// write transaction already holds the database's write lock (BEGIN IMMEDIATE), so these take nothing there.

import crypto from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Database } from './schema';
import { isPostgres } from './dialect';

// an arbitrary constant naming the audit-append lock among PostgreSQL advisory locks
const AUDIT_LOG_LOCK = 7_202_611_250n;

/** A stable 63-bit advisory-lock key for a name (e.g. one report period). */
export function lockKeyFor(name: string): bigint {
  return crypto.createHash('sha256').update(name).digest().readBigInt64BE(0) & 0x7fffffffffffffffn;
}

/** Takes the named lock until `trx` ends (PostgreSQL; a no-op on SQLite, whose write lock is already held). */
export async function holdTransactionLock(trx: Transaction<Database>, key: bigint): Promise<void> {
  if (isPostgres(trx)) await sql`select pg_advisory_xact_lock(${key.toString()}::bigint)`.execute(trx);
}

/** The lock that serialises appends to the tamper-evident log (and orders their times with commits). */
export const holdAuditLogLock = (trx: Transaction<Database>) => holdTransactionLock(trx, AUDIT_LOG_LOCK);
