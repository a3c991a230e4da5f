// The scoring read model of each framework, held by each process and kept in step with the database through the
// change log that triggers write in the same transaction as every change of verified evidence (migration 0012).
//
// Before answering, a reader takes the log's new rows (one indexed query) and reloads just the items named there,
// so a page never shows a number older than the last commit, whichever instance or CLI made it. A framework whose
// definition changed, a log marker (an import batch published or aborted), a log of another epoch or more changes
// than FULL_RELOAD at once make it load the framework's evidence again.
//
// Commit order: on SQLite writers are serialised, so log ids grow in commit order and "id > last" is exact. On
// PostgreSQL ids come from a sequence and a transaction can commit after a later one: each row carries its
// transaction id (xid), and a reader takes again every row whose xid is at or above the oldest transaction still
// running at its last read (the snapshot's xmin), skipping the transactions it has already applied.

import { sql, type Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { isPostgres } from '../db/dialect';
import { inTransaction } from '../db/transaction';
import { createScoringModel, type ScoringModel } from '../scoring/model';
import { createScoringIndex } from '../scoring/engine';
import { JOINT, loadScoringEvidence, loadScoringEvidenceByIds, toScoringFramework, type FrameworkTree } from './repository';

/** More changed items than this in one read: reload the evidence instead of patching. */
const FULL_RELOAD = 5000;

/** The log keeps about its last `retention` rows; trimming starts when it holds twice as many. */
let retention = 50_000;
/** At most one trim per process and minute. */
const TRIM_INTERVAL_MS = 60_000;

/** Sets how many rows of the change log are kept (tests). */
export function setScoringLogRetention(rows: number): void {
  retention = rows;
}

interface FrameworkModel {
  model: ScoringModel;
  /** the scoring definition it was built for */
  fingerprint: string;
}

interface Store {
  epoch: string | null;
  /** SQLite: the last log id applied */
  lastId: number;
  /** PostgreSQL: rows of transactions at or above this xid are read again */
  horizon: string;
  /** PostgreSQL: transactions at or above the horizon already applied */
  appliedXids: Set<string>;
  models: Map<number, FrameworkModel>;
  /** item ids to reload, by framework */
  pending: Map<number, Set<number>>;
  /** one refresh at a time */
  queue: Promise<unknown>;
  /** when this process last trimmed the log (ms) */
  lastTrimMs: number;
  /** the log's length (highest id less lowest) and how often it had been trimmed, as of the last read */
  logLength: number;
  trims: number;
}

const stores = new WeakMap<object, Store>();

function storeOf(db: Kysely<Database>): Store {
  let store = stores.get(db);
  if (!store) {
    store = { epoch: null, lastId: 0, horizon: '0', appliedXids: new Set(), models: new Map(), pending: new Map(), queue: Promise.resolve(), lastTrimMs: 0, logLength: 0, trims: 0 };
    stores.set(db, store);
  }
  return store;
}

function exclusive<T>(store: Store, task: () => Promise<T>): Promise<T> {
  const run = store.queue.then(task, task);
  store.queue = run.catch(() => undefined);
  return run;
}

function forgetAll(store: Store): void {
  store.models.clear();
  store.pending.clear();
}

interface LogRow {
  framework_id: number | null;
  evidence_id: number | null;
}

/** Notes the logged changes as items to reload; a marker or too many rows mean reloading everything. */
function note(store: Store, rows: LogRow[]): void {
  if (rows.length > FULL_RELOAD || rows.some((r) => r.evidence_id === null || r.framework_id === null)) {
    forgetAll(store);
    return;
  }
  for (const r of rows) {
    if (!store.models.has(r.framework_id!)) continue; // not loaded here: it will be loaded whole when asked for
    let ids = store.pending.get(r.framework_id!);
    if (!ids) store.pending.set(r.framework_id!, (ids = new Set()));
    ids.add(r.evidence_id!);
  }
}

async function readSqliteLog(db: Kysely<Database>, store: Store): Promise<void> {
  if (store.epoch === null) {
    const { rows } = await sql<{ epoch: string; trims: number; last: number | null }>`select epoch, trims, (select max(id) from scoring_changes) as last from read_model_state`.execute(db);
    store.epoch = rows[0]?.epoch ?? '';
    store.trims = Number(rows[0]?.trims ?? 0);
    store.lastId = Number(rows[0]?.last ?? 0);
    forgetAll(store);
    return;
  }
  const { rows } = await sql<LogRow & { id: number; epoch: string; trims: number; trimmed_id: number; length: number | null }>`
    select s.epoch, s.trims, s.trimmed_id, (select max(id) from scoring_changes) - (select min(id) from scoring_changes) as length, c.id, c.framework_id, c.evidence_id from read_model_state s
    left join (select id, framework_id, evidence_id from scoring_changes where id > ${store.lastId} order by id limit ${FULL_RELOAD + 1}) c on 1 = 1
    order by c.id`.execute(db);
  store.logLength = Number(rows[0]?.length ?? 0);
  // another epoch, or trimmed past the last row this reader read: start over
  const trimmedPast = Number(rows[0]?.trims ?? 0) !== store.trims && Number(rows[0]?.trimmed_id ?? 0) > store.lastId;
  if ((rows[0]?.epoch ?? '') !== store.epoch || trimmedPast) {
    store.epoch = null;
    return readSqliteLog(db, store);
  }
  store.trims = Number(rows[0]?.trims ?? 0);
  const changes = rows.filter((r) => r.id !== null);
  if (changes.length > FULL_RELOAD) {
    store.epoch = null; // read the end of the log again, then load everything
    return readSqliteLog(db, store);
  }
  if (changes.length) store.lastId = Number(changes[changes.length - 1].id);
  note(store, changes);
}

async function readPostgresLog(db: Kysely<Database>, store: Store): Promise<void> {
  if (store.epoch === null) {
    // every row visible now (of a transaction before the horizon, or at or past it but committed) is in what the
    // reader loads next: those at or past the horizon count as applied, so the next read does not reload them
    const { rows } = await sql<{ epoch: string; trims: number; horizon: string; applied: string[] | null }>`
      select epoch, trims, txid_snapshot_xmin(txid_current_snapshot())::text as horizon,
        (select array_agg(distinct xid)::text[] from scoring_changes where xid >= txid_snapshot_xmin(txid_current_snapshot())) as applied
      from read_model_state`.execute(db);
    store.epoch = rows[0]?.epoch ?? '';
    store.trims = Number(rows[0]?.trims ?? 0);
    store.horizon = rows[0]?.horizon ?? '0';
    store.appliedXids = new Set(rows[0]?.applied ?? []);
    forgetAll(store);
    return;
  }
  const applied = [...store.appliedXids];
  // one statement, one snapshot: the horizon and the rows agree
  const { rows } = await sql<LogRow & { xid: string | null; epoch: string; horizon: string; trims: number; trimmed_xid: string; length: number | null }>`
    select s.epoch, s.trims, s.trimmed_xid::text as trimmed_xid, (select max(id) from scoring_changes) - (select min(id) from scoring_changes) as length,
      txid_snapshot_xmin(txid_current_snapshot())::text as horizon, c.xid::text as xid, c.framework_id, c.evidence_id
    from read_model_state s
    left join lateral (
      select xid, framework_id, evidence_id, id from scoring_changes
      where xid >= ${store.horizon}::bigint and not (xid = any(${applied}::bigint[]))
      order by id limit ${FULL_RELOAD + 1}
    ) c on true`.execute(db);
  store.logLength = Number(rows[0]?.length ?? 0);
  // another epoch, or trimmed since the last read with rows of transactions at or past this reader's horizon
  // (which it may not have applied): start over
  const trimmedPast = Number(rows[0]?.trims ?? 0) !== store.trims && BigInt(rows[0]?.trimmed_xid ?? '0') >= BigInt(store.horizon);
  if ((rows[0]?.epoch ?? '') !== store.epoch || trimmedPast) {
    store.epoch = null;
    return readPostgresLog(db, store);
  }
  store.trims = Number(rows[0]?.trims ?? 0);
  const horizon = rows[0].horizon;
  const changes = rows.filter((r) => r.xid !== null);
  const seen = new Set([...store.appliedXids, ...changes.map((r) => r.xid!)]);
  store.horizon = horizon;
  store.appliedXids = new Set([...seen].filter((x) => BigInt(x) >= BigInt(horizon)));
  note(store, changes);
}

/**
 * The read model of `tree`'s framework, up to date with every commit made before this call. Inside a
 * transaction (which may hold uncommitted changes) a model is built from what that transaction sees, and kept
 * nowhere.
 */
export async function scoringModelFor(db: Kysely<Database>, tree: FrameworkTree): Promise<ScoringModel> {
  const framework = toScoringFramework(tree);
  if (db.isTransaction) return createScoringModel(framework, await loadScoringEvidence(db, tree.id));
  const store = storeOf(db);
  return exclusive(store, async () => {
    await (isPostgres(db) ? readPostgresLog(db, store) : readSqliteLog(db, store));
    const fingerprint = JSON.stringify(framework);
    const entry = store.models.get(tree.id);
    if (!entry || entry.fingerprint !== fingerprint) {
      store.pending.delete(tree.id);
      const model = createScoringModel(framework, await loadScoringEvidence(db, tree.id));
      store.models.set(tree.id, { model, fingerprint });
      return model;
    }
    const ids = store.pending.get(tree.id);
    if (ids?.size) {
      const wanted = [...ids];
      const found = await loadScoringEvidenceByIds(db, tree.id, wanted);
      const foundIds = new Set(found.map((e) => Number(e.id)));
      // items no longer verified or live (an import batch undone) leave the model
      entry.model.apply({ upsert: found, remove: wanted.filter((id) => !foundIds.has(id)) });
      store.pending.delete(tree.id);
    }
    trimWhenLong(db, store);
    return entry.model;
  });
}

/**
 * Removes all but about the last `keep` rows of the change log, recording the trim: a reader that may not have
 * read a removed row (SQLite: one past the last id it read; PostgreSQL: one of a transaction at or past its
 * horizon) then starts over. On PostgreSQL only rows of finished transactions are visible to delete.
 */
export async function trimScoringChanges(db: Kysely<Database>, keep = retention): Promise<number> {
  return inTransaction(db, async (trx) => {
    const top = await trx.selectFrom('scoring_changes').select((eb) => eb.fn.max('id').as('id')).executeTakeFirst();
    const cut = Number(top?.id ?? 0) - keep;
    if (cut <= 0) return 0;
    const xid = isPostgres(trx)
      ? ((await sql<{ xid: string | null }>`select max(xid)::text as xid from scoring_changes where id <= ${cut}`.execute(trx)).rows[0]?.xid ?? '0')
      : '0';
    const removed = await trx.deleteFrom('scoring_changes').where('id', '<=', cut).executeTakeFirst();
    const count = Number(removed.numDeletedRows);
    if (count > 0) {
      await trx
        .updateTable('read_model_state')
        .set((eb) => ({
          trims: eb(eb.ref('trims'), '+', 1),
          trimmed_id: sql`case when ${eb.ref('trimmed_id')} > ${cut} then ${eb.ref('trimmed_id')} else ${cut} end`,
          trimmed_xid: isPostgres(trx) ? sql`greatest(${eb.ref('trimmed_xid')}, ${xid}::bigint)` : eb.ref('trimmed_xid'),
        }))
        .execute();
    }
    return count;
  });
}

/** Trims the log after a read when it has grown to twice its retention (at most once a minute per process). */
function trimWhenLong(db: Kysely<Database>, store: Store): void {
  if (store.logLength <= 2 * retention || Date.now() - store.lastTrimMs < TRIM_INTERVAL_MS) return;
  store.lastTrimMs = Date.now();
  setImmediate(() => void trimScoringChanges(db).catch(() => undefined));
}

/** Forgets the models this process holds for `db` (the next reader loads them again), e.g. after a restore. */
export function forgetScoringModels(db: Kysely<Database>): void {
  stores.delete(db);
}

export interface ReadModelCheck {
  framework: string;
  /** items the model holds, and items the database holds that count (ever verified, live) */
  items: { model: number; stored: number };
  /** scorecards compared (every perspective, each as-of date, known now) */
  compared: number;
  /** the largest difference of any score, bound, weight, coverage or trend delta between the model and the engine */
  max_difference: number;
  /** the fields that differ beyond 1e-9 or in a category (status, band, ...), at most 20 */
  differences: string[];
  ok: boolean;
}

/**
 * Compares this process's read model of `tree` with a full recomputation by the engine over the evidence as
 * stored now: every perspective at the given as-of dates, known now. For operators (and tests) who want proof.
 */
export async function checkScoringModel(db: Kysely<Database>, tree: FrameworkTree, asOfDates: readonly string[]): Promise<ReadModelCheck> {
  const model = await scoringModelFor(db, tree);
  const evidence = await loadScoringEvidence(db, tree.id);
  const framework = toScoringFramework(tree);
  const knownAt = new Date().toISOString();
  let maxDifference = 0;
  let compared = 0;
  const differences: string[] = [];
  const note = (what: string) => void (differences.length < 20 && differences.push(what));
  for (const perspective of [JOINT, ...tree.perspectives.map((p) => p.code)]) {
    const engine = createScoringIndex(framework, evidence, { knownAt, perspective });
    const mine = model.index({ knownAt, perspective });
    for (const asOf of asOfDates) {
      compared += 1;
      const walk = (a: unknown, b: unknown, path: string) => {
        if (typeof a === 'number' && typeof b === 'number') {
          const d = Math.abs(a - b);
          maxDifference = Math.max(maxDifference, d);
          if (d > 1e-9) note(`${perspective} ${asOf} ${path}: ${a} vs ${b}`);
        } else if (a && b && typeof a === 'object' && typeof b === 'object') {
          for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
            if (key === 'known_at') continue;
            walk((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], path ? `${path}.${key}` : key);
          }
        } else if (a !== b) {
          note(`${perspective} ${asOf} ${path}: ${String(a)} vs ${String(b)}`);
        }
      };
      walk(mine.scorecard(asOf), engine.scorecard(asOf), '');
    }
  }
  return { framework: tree.code, items: { model: model.size, stored: evidence.length }, compared, max_difference: maxDifference, differences, ok: differences.length === 0 && model.size === evidence.length };
}

/** Drops this process's models of `db` and loads `tree`'s again from the evidence (an operator's reset). */
export async function rebuildScoringModel(db: Kysely<Database>, tree: FrameworkTree): Promise<{ framework: string; items: number; ms: number }> {
  const started = performance.now();
  forgetScoringModels(db);
  const model = await scoringModelFor(db, tree);
  return { framework: tree.code, items: model.size, ms: Math.round(performance.now() - started) };
}
