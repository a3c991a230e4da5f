// Import batches: the staging area that keeps a large import all-or-nothing without one long transaction. An
// import claims a batch (at most one stages at a time), writes its new items in short transactions as rows of
// the batch (invisible to every reader: evidence/live.ts), and publishes them all in one short transaction. A
// batch whose import failed, or whose process died, is aborted (logged as 'import.aborted') and its rows deleted
// in short transactions, by the import itself or by the next import or server start (recoverImports).

import os from 'node:os';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, ImportBatchRow } from '../db/schema';
import { AppError } from '../errors';
import { isPostgres, isUniqueViolation } from '../db/dialect';
import { appendAudit, lockAuditLog, type Actor } from '../audit/log';
import { nowIso, type Clock } from '../time';

/** This process, as a batch's owner: host and pid, to tell a crashed import from a running one. */
export const IMPORT_OWNER = `${os.hostname()}:${process.pid}`;
/** A staging batch whose heartbeat is older than this is abandoned even if its owner cannot be checked (other host). */
export const ABANDONED_AFTER_MS = 120_000;
/** How long an import waits for another one to finish staging before it gives up. */
export const CLAIM_WAIT_MS = 10 * 60_000;
/** Rows deleted per transaction when an aborted batch is cleaned up. */
const DELETE_CHUNK = 1000;
/**
 * Between the short transactions of a long job: longer than the longest asynchronous wait of a writer waiting for
 * the lock (sqlite-driver.ts), so it gets in (SQLite has no queue: without a pause the job takes the lock straight back).
 */
export const PAUSE_BETWEEN_TRANSACTIONS_MS = 30;
/**
 * Staging transactions aim at this long a hold of the lock; their size adapts to the machine's speed. Measured on
 * 2 busy cores (SQLite, WAL, synchronous=FULL): a part of n items holds the lock about 15 ms + 45 µs × n, so at
 * 50 ms a third of each hold and the pause after it are overhead, and a 100k-item import took 39-44 s; at 100 ms
 * it took 25-31 s (raw inserts of the same rows: 8-10 s). A writer of the web app waits at most one hold, about
 * a tenth of a second, which nobody notices on a form; readers never wait (WAL).
 */
const STAGE_TARGET_MS = 100;
const STAGE_FIRST_ITEMS = 200;
const STAGE_MIN_ITEMS = 25;
const STAGE_MAX_ITEMS = 10_000;

/** Our batch was aborted (or published) by someone else meanwhile: whoever aborted it thought we were gone. */
export class ImportBatchLost extends Error {
  constructor(readonly batchId: number) {
    super(`import batch ${batchId} is no longer staging for this process`);
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Claims a new staging batch, or returns null while another import stages one. */
export async function claimBatch(db: Kysely<Database>, args: { frameworkCode: string | null; actor: Actor; clock: Clock }): Promise<number | null> {
  const now = nowIso(args.clock);
  try {
    const row = await db
      .insertInto('import_batches')
      .values({ state: 'staging', framework_code: args.frameworkCode, actor: args.actor.label, actor_id: args.actor.id, owner: IMPORT_OWNER, started_at: now, heartbeat_at: now, finished_at: null, items: 0, reason: null })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  } catch (err) {
    // the partial unique index allows one staging batch
    if (isUniqueViolation(err)) return null;
    throw err;
  }
}

/** Claims a batch, waiting (asynchronously, cleaning up abandoned batches) while another import stages. */
export async function claimBatchWaiting(db: Kysely<Database>, args: { frameworkCode: string | null; actor: Actor; clock: Clock; waitMs?: number }): Promise<number> {
  const deadline = Date.now() + (args.waitMs ?? CLAIM_WAIT_MS);
  for (;;) {
    await recoverImports(db, { clock: args.clock, actor: args.actor });
    const id = await claimBatch(db, args);
    if (id !== null) return id;
    if (Date.now() > deadline) throw new AppError('CONFLICT', 'Another import is in progress; try again when it has finished');
    await sleep(250);
  }
}

/** Gives back a claim that staged nothing (another import had done the work meanwhile): no trace is left. */
export async function releaseEmptyBatch(db: Kysely<Database>, batchId: number): Promise<boolean> {
  const result = await db.deleteFrom('import_batches').where('id', '=', batchId).where('state', '=', 'staging').where('items', '=', 0).where('owner', '=', IMPORT_OWNER).executeTakeFirst();
  return Number(result.numDeletedRows) === 1;
}

/** In a staging transaction: checks the batch is still ours and staging, renews its heartbeat, counts the items. */
export async function renewBatch(trx: Transaction<Database>, batchId: number, addedItems: number, now: string): Promise<void> {
  const result = await trx
    .updateTable('import_batches')
    .set((eb) => ({ heartbeat_at: now, items: eb('items', '+', addedItems) }))
    .where('id', '=', batchId)
    .where('state', '=', 'staging')
    .where('owner', '=', IMPORT_OWNER)
    .executeTakeFirst();
  if (Number(result.numUpdatedRows) !== 1) throw new ImportBatchLost(batchId);
}

/** Runs `fn` in a transaction and measures how long it held the lock: from BEGIN (acquired) to COMMIT (done). */
export async function timedTransaction<T>(db: Kysely<Database>, fn: (trx: Transaction<Database>) => Promise<T>): Promise<{ value: T; lockMs: number }> {
  let began = 0;
  const value = await db.transaction().execute((trx) => {
    began = performance.now();
    return fn(trx);
  });
  return { value, lockMs: performance.now() - began };
}

/**
 * Writes parts as rows of the batch, a part per transaction, each sized to hold the lock about STAGE_TARGET_MS
 * (or `fixedSize` items). `next(size)` gives the next part of at most `size` items, prepared outside any
 * transaction (read, checked, canonical JSON computed), or null when there are none left; it runs while the
 * lock is free, during the pause after each commit, so the pause costs the import nothing when preparing takes
 * longer. In each transaction: the log's lock first, then the time (reports' barrier), then the batch's heartbeat,
 * then `write`. `afterPart` runs after each commit. Returns the items staged.
 */
export async function stageStream<P>(
  db: Kysely<Database>,
  args: {
    batchId: number;
    clock: Clock;
    fixedSize?: number;
    next: (size: number) => Promise<P | null>;
    count: (part: P) => number;
    write: (trx: Transaction<Database>, part: P, now: string) => Promise<void>;
    afterPart?: (progress: { items: number; staged: number; lockMs: number }) => void | Promise<void>;
  },
): Promise<number> {
  let size = args.fixedSize ?? STAGE_FIRST_ITEMS;
  let staged = 0;
  let resumeAt = 0;
  const checkpoints = await manualCheckpoints(db);
  try {
    for (let part = await args.next(size); part !== null; part = await args.next(size)) {
      const wait = resumeAt - performance.now();
      if (wait > 0) await sleep(wait);
      const items = args.count(part);
      const current = part;
      const { lockMs } = await timedTransaction(db, async (trx) => {
        await lockAuditLog(trx);
        const now = nowIso(args.clock);
        await renewBatch(trx, args.batchId, items, now);
        await args.write(trx, current, now);
      });
      resumeAt = performance.now() + PAUSE_BETWEEN_TRANSACTIONS_MS;
      await checkpoints.afterCommit();
      staged += items;
      await args.afterPart?.({ items, staged, lockMs });
      // aim the next part at the target hold time, growing at most twofold per step
      if (args.fixedSize === undefined) size = Math.max(STAGE_MIN_ITEMS, Math.min(STAGE_MAX_ITEMS, size * 2, Math.round((items * STAGE_TARGET_MS) / Math.max(lockMs, 1))));
    }
  } finally {
    await checkpoints.restore();
  }
  return staged;
}

/**
 * SQLite: while a job stages, the WAL is checkpointed by the job between its transactions rather than inside its
 * commits (wal_autocheckpoint off on this connection meanwhile, restored after). As often as the automatic
 * checkpoint would (when the WAL reaches wal_autocheckpoint pages, reckoned from the pages a part wrote until
 * then), so the WAL stays as small as ever and a writer of another process never meets a larger one to
 * checkpoint; but outside the transaction: a PASSIVE checkpoint does not hold the write lock, so it runs during
 * the pause other writers get, and the time a part holds the lock (which sizes the next part) does not count it.
 */
async function manualCheckpoints(db: Kysely<Database>): Promise<{ afterCommit(): Promise<void>; restore(): Promise<void> }> {
  if (isPostgres(db)) return { afterCommit: async () => undefined, restore: async () => undefined };
  const current = await sql<{ wal_autocheckpoint: number }>`pragma wal_autocheckpoint`.execute(db);
  const setting = Number(current.rows[0]?.wal_autocheckpoint ?? 1000);
  const pages = Number.isSafeInteger(setting) ? setting : 1000;
  if (pages <= 0) return { afterCommit: async () => undefined, restore: async () => undefined };
  await sql`pragma wal_autocheckpoint = 0`.execute(db);
  let partsSince = 0;
  // unknown until the first checkpoint says how many pages the WAL had
  let pagesPerPart = Number.POSITIVE_INFINITY;
  return {
    afterCommit: async () => {
      partsSince += 1;
      if (partsSince * pagesPerPart < pages) return;
      const result = await sql<{ busy: number; log: number; checkpointed: number }>`pragma wal_checkpoint(passive)`.execute(db);
      const log = Number(result.rows[0]?.log ?? -1);
      if (log > 0) pagesPerPart = log / partsSince;
      partsSince = 0;
    },
    restore: async () => {
      await sql.raw(`pragma wal_autocheckpoint = ${pages}`).execute(db);
    },
  };
}

/**
 * Writes `items` as rows of the batch, a part per transaction (stageStream). `prepare` turns a part into what
 * `write` takes, outside the transaction.
 */
export async function stageInParts<T>(
  db: Kysely<Database>,
  args: {
    batchId: number;
    items: T[];
    clock: Clock;
    fixedSize?: number;
    /** done outside the transaction, before it: whatever can be (e.g. canonical JSON of the log entries) */
    prepare?: (part: T[]) => unknown;
    write: (trx: Transaction<Database>, part: T[], now: string, prepared: unknown) => Promise<void>;
    afterPart?: (progress: { items: number; staged: number; lockMs: number }) => void | Promise<void>;
  },
): Promise<void> {
  let done = 0;
  await stageStream(db, {
    batchId: args.batchId,
    clock: args.clock,
    fixedSize: args.fixedSize,
    next: async (size) => {
      if (done >= args.items.length) return null;
      const part = args.items.slice(done, done + size);
      done += part.length;
      return { part, prepared: args.prepare?.(part) };
    },
    count: (p) => p.part.length,
    write: (trx, p, now) => args.write(trx, p.part, now, p.prepared),
    afterPart: args.afterPart,
  });
}

/**
 * The publishing transaction: `beforePublish` (what is applied at once: a framework, changed items), then the
 * batch's rows become visible to every reader at commit, logged as 'import.published' with `summary`.
 */
export async function publishBatch(
  db: Kysely<Database>,
  args: { batchId: number; clock: Clock; actor: Actor; summary: Record<string, unknown>; beforePublish?: (trx: Transaction<Database>, now: string) => Promise<void> },
): Promise<{ lockMs: number }> {
  return timedTransaction(db, async (trx) => {
    await lockAuditLog(trx);
    const now = nowIso(args.clock);
    await args.beforePublish?.(trx, now);
    const batch = await markPublished(trx, args.batchId, now);
    await appendAudit(trx, {
      actor: args.actor,
      action: 'import.published',
      entityType: 'import',
      entityId: args.batchId,
      content: { batch: args.batchId, framework: batch.framework_code, staged: Number(batch.items), ...args.summary },
      at: now,
    });
  });
}

/** In the publishing transaction: the batch's rows become visible to every reader at commit. */
export async function markPublished(trx: Transaction<Database>, batchId: number, now: string): Promise<ImportBatchRow> {
  const row = await trx
    .updateTable('import_batches')
    .set({ state: 'published', finished_at: now, heartbeat_at: now })
    .where('id', '=', batchId)
    .where('state', '=', 'staging')
    .where('owner', '=', IMPORT_OWNER)
    .returningAll()
    .executeTakeFirst();
  if (!row) throw new ImportBatchLost(batchId);
  return row;
}

/**
 * Aborts a staging batch (logging 'import.aborted') and deletes its rows. `owner` guards against aborting a batch
 * that changed hands meanwhile; returns false when the batch was not staging (anymore) for that owner.
 */
export async function abortBatch(
  db: Kysely<Database>,
  batchId: number,
  args: { reason: string; owner: string; clock: Clock; actor: Actor },
): Promise<boolean> {
  const aborted = await db.transaction().execute(async (trx) => {
    const now = nowIso(args.clock);
    const row = await trx
      .updateTable('import_batches')
      .set({ state: 'aborted', reason: args.reason.slice(0, 1000), heartbeat_at: now })
      .where('id', '=', batchId)
      .where('state', '=', 'staging')
      .where('owner', '=', args.owner)
      .returningAll()
      .executeTakeFirst();
    if (!row) return false;
    await appendAudit(trx, {
      actor: args.actor,
      action: 'import.aborted',
      entityType: 'import',
      entityId: batchId,
      content: { batch: batchId, reason: row.reason, staged: Number(row.items), owner: row.owner, framework: row.framework_code },
      at: now,
    });
    return true;
  });
  await deleteAbortedRows(db, batchId, args.clock);
  return aborted;
}

/** Deletes an aborted batch's rows (findings and tags cascade) a chunk per transaction, then marks it finished. */
export async function deleteAbortedRows(db: Kysely<Database>, batchId: number, clock: Clock): Promise<number> {
  let deleted = 0;
  for (;;) {
    const n = await db.transaction().execute(async (trx) => {
      const batch = await trx.selectFrom('import_batches').select(['state', 'finished_at']).where('id', '=', batchId).executeTakeFirst();
      // only ever the rows of an aborted batch: a published one's rows are live
      if (batch?.state !== 'aborted' || batch.finished_at !== null) return 0;
      const result = await trx
        .deleteFrom('evidence')
        .where('id', 'in', (eb) => eb.selectFrom('evidence').select('id').where('import_batch_id', '=', batchId).limit(DELETE_CHUNK))
        .executeTakeFirst();
      const count = Number(result.numDeletedRows);
      if (count === 0) await trx.updateTable('import_batches').set({ finished_at: nowIso(clock) }).where('id', '=', batchId).execute();
      return count;
    });
    if (n === 0) return deleted;
    deleted += n;
    await sleep(PAUSE_BETWEEN_TRANSACTIONS_MS);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A staging batch nobody will finish: its process is gone (same host), or its heartbeat stopped long ago. */
export function isAbandoned(batch: Pick<ImportBatchRow, 'owner' | 'heartbeat_at'>, now: Date): boolean {
  if (now.getTime() - Date.parse(batch.heartbeat_at) > ABANDONED_AFTER_MS) return true;
  const split = batch.owner.lastIndexOf(':');
  const host = batch.owner.slice(0, split);
  const pid = Number(batch.owner.slice(split + 1));
  if (host !== os.hostname() || !Number.isSafeInteger(pid) || pid <= 0) return false;
  // this very process: its import is running (or handles its own failure)
  if (pid === process.pid) return false;
  return !processAlive(pid);
}

/**
 * Cleans up after imports that will never finish: aborts abandoned staging batches and deletes the rows of aborted
 * ones whose cleanup was interrupted. Cheap when there is nothing to do (one query). Returns the batches aborted.
 */
export async function recoverImports(db: Kysely<Database>, args: { clock: Clock; actor: Actor }): Promise<number[]> {
  const pending = await db.selectFrom('import_batches').selectAll().where('state', '<>', 'published').where('finished_at', 'is', null).orderBy('id').execute();
  const aborted: number[] = [];
  for (const batch of pending) {
    if (batch.state === 'staging') {
      if (!isAbandoned(batch, args.clock())) continue;
      const reason = `abandoned: the importing process (${batch.owner}) stopped before publishing`;
      if (await abortBatch(db, batch.id, { reason, owner: batch.owner, clock: args.clock, actor: args.actor })) aborted.push(batch.id);
    } else {
      await deleteAbortedRows(db, batch.id, args.clock);
    }
  }
  return aborted;
}
