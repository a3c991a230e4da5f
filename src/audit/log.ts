// The tamper-evident log: one append-only table whose entries are hash-chained. Each entry's hash covers its
// sequence number, the previous entry's hash and its canonical content. Appends happen inside the caller's
// transaction and are serialised (SQLite: the write lock; PostgreSQL: an advisory lock), so the chain never forks.

import crypto from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import { holdAuditLogLock } from '../db/locks';
import type { AuditRow, Database } from '../db/schema';

export const GENESIS_HASH = '0'.repeat(64);

export interface Actor {
  id: number | null;
  /** e-mail at the time, or a system label such as 'cli' or 'system' */
  label: string;
}

export const actorLabel = (user: { email: string }) => user.email;

export const SYSTEM_ACTOR: Actor = { id: null, label: 'system' };
export const CLI_ACTOR: Actor = { id: null, label: 'cli' };

export interface AuditInput {
  actor: Actor;
  action: string;
  entityType: string;
  entityId: string | number | null;
  content: unknown;
  at: string;
}

/**
 * What the log keeps of a stored password hash: its SHA-256, so `audit verify` catches a swapped hash. The hash
 * itself sits in the same database, so the fingerprint tells a reader of the log nothing new.
 */
export function passwordFingerprint(passwordHash: string): string {
  return crypto.createHash('sha256').update(passwordHash).digest('hex');
}

/** JSON with object keys sorted at every level, so equal content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

type EntryFields = Pick<AuditRow, 'seq' | 'at' | 'actor_id' | 'actor' | 'action' | 'entity_type' | 'entity_id' | 'content'>;

export function entryHash(prevHash: string, entry: EntryFields): string {
  const body = canonicalJson({
    seq: Number(entry.seq),
    at: entry.at,
    actor_id: entry.actor_id === null ? null : Number(entry.actor_id),
    actor: entry.actor,
    action: entry.action,
    entity_type: entry.entity_type,
    entity_id: entry.entity_id,
    content: entry.content,
  });
  return crypto.createHash('sha256').update(`${prevHash}\n${body}`).digest('hex');
}

/**
 * Takes the log's append lock in the caller's transaction (PostgreSQL; held to commit). On SQLite the write lock
 * the transaction began with already serialises appends. Taking it before choosing the entries' time keeps `at`
 * in commit order, which a report's barrier relies on (reports/service.ts).
 */
export const lockAuditLog = holdAuditLogLock;

/** An entry whose content is already canonical JSON (computed before the transaction, to keep it short). */
export interface PreparedAuditInput extends Omit<AuditInput, 'content'> {
  contentJson: string;
}

// rows per INSERT: 10 columns each, well under both databases' limits on bound variables
const AUDIT_INSERT_CHUNK = 500;

/** Appends one entry in the caller's transaction and returns it. */
export async function appendAudit(trx: Transaction<Database>, input: AuditInput): Promise<AuditRow> {
  return (await appendAuditEntries(trx, [input]))[0];
}

/** Appends entries, in order, in the caller's transaction: one read of the head, multi-row inserts. */
export async function appendAuditEntries(trx: Transaction<Database>, inputs: (AuditInput | PreparedAuditInput)[]): Promise<AuditRow[]> {
  if (inputs.length === 0) return [];
  await lockAuditLog(trx);
  const last = await trx.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  let seq = last ? Number(last.seq) : 0;
  let prevHash = last?.hash ?? GENESIS_HASH;
  const rows: AuditRow[] = inputs.map((input) => {
    seq += 1;
    const fields: EntryFields = {
      seq,
      at: input.at,
      actor_id: input.actor.id,
      actor: input.actor.label,
      action: input.action,
      entity_type: input.entityType,
      entity_id: input.entityId === null ? null : String(input.entityId),
      content: 'contentJson' in input ? input.contentJson : canonicalJson(input.content),
    };
    const row: AuditRow = { ...fields, prev_hash: prevHash, hash: entryHash(prevHash, fields) };
    prevHash = row.hash;
    return row;
  });
  for (let i = 0; i < rows.length; i += AUDIT_INSERT_CHUNK) {
    await trx.insertInto('audit_log').values(rows.slice(i, i + AUDIT_INSERT_CHUNK)).execute();
  }
  return rows;
}

export interface AuditHead {
  seq: number;
  hash: string;
}

export type AuditVerification =
  | { ok: true; entries: number; head: AuditHead | null }
  | { ok: false; entries: number; head: AuditHead | null; firstBad: { seq: number; reason: string } };

/** Recomputes the whole chain. Detects modified, deleted (except at the very end: compare the head), reordered and forged rows. */
export async function verifyAuditChain(db: Kysely<Database>, batchSize = 5000): Promise<AuditVerification> {
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  let entries = 0;
  let head: AuditHead | null = null;
  let firstBad: { seq: number; reason: string } | null = null;
  for (;;) {
    const rows = await db.selectFrom('audit_log').selectAll().where('seq', '>=', expectedSeq).orderBy('seq').limit(batchSize).execute();
    if (rows.length === 0) break;
    for (const row of rows) {
      const seq = Number(row.seq);
      entries += 1;
      head = { seq, hash: row.hash };
      if (firstBad) {
        expectedSeq = seq + 1;
        continue;
      }
      if (seq !== expectedSeq) firstBad = { seq: expectedSeq, reason: `entry ${expectedSeq} is missing (next is ${seq})` };
      else if (row.prev_hash !== prevHash) firstBad = { seq, reason: `entry ${seq} does not follow entry ${seq - 1} (previous hash differs)` };
      else if (entryHash(prevHash, row) !== row.hash) firstBad = { seq, reason: `entry ${seq} was modified (its hash does not match its content)` };
      prevHash = row.hash;
      expectedSeq = seq + 1;
    }
    if (rows.length < batchSize) break;
  }
  return firstBad ? { ok: false, entries, head, firstBad } : { ok: true, entries, head };
}

export async function auditHead(db: Kysely<Database>): Promise<AuditHead | null> {
  const last = await db.selectFrom('audit_log').select(['seq', 'hash']).orderBy('seq', 'desc').limit(1).executeTakeFirst();
  return last ? { seq: Number(last.seq), hash: last.hash } : null;
}

export async function auditEntriesFor(db: Kysely<Database>, entityType: string, entityId: string | number): Promise<AuditRow[]> {
  return db.selectFrom('audit_log').selectAll().where('entity_type', '=', entityType).where('entity_id', '=', String(entityId)).orderBy('seq').execute();
}
