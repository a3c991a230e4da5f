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
import { createScoringModel, type ScoringModel } from '../scoring/model';
import { loadScoringEvidence, loadScoringEvidenceByIds, toScoringFramework, type FrameworkTree } from './repository';

/** More changed items than this in one read: reload the evidence instead of patching. */
const FULL_RELOAD = 5000;

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
}

const stores = new WeakMap<object, Store>();

function storeOf(db: Kysely<Database>): Store {
  let store = stores.get(db);
  if (!store) {
    store = { epoch: null, lastId: 0, horizon: '0', appliedXids: new Set(), models: new Map(), pending: new Map(), queue: Promise.resolve() };
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
    const { rows } = await sql<{ epoch: string; last: number | null }>`select epoch, (select max(id) from scoring_changes) as last from read_model_state`.execute(db);
    store.epoch = rows[0]?.epoch ?? '';
    store.lastId = Number(rows[0]?.last ?? 0);
    forgetAll(store);
    return;
  }
  const { rows } = await sql<LogRow & { id: number; epoch: string }>`
    select s.epoch, c.id, c.framework_id, c.evidence_id from read_model_state s
    left join (select id, framework_id, evidence_id from scoring_changes where id > ${store.lastId} order by id limit ${FULL_RELOAD + 1}) c on 1 = 1
    order by c.id`.execute(db);
  if ((rows[0]?.epoch ?? '') !== store.epoch) {
    store.epoch = null;
    return readSqliteLog(db, store);
  }
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
    const { rows } = await sql<{ epoch: string; horizon: string }>`select epoch, txid_snapshot_xmin(txid_current_snapshot())::text as horizon from read_model_state`.execute(db);
    store.epoch = rows[0]?.epoch ?? '';
    store.horizon = rows[0]?.horizon ?? '0';
    store.appliedXids.clear();
    forgetAll(store);
    return;
  }
  const applied = [...store.appliedXids];
  // one statement, one snapshot: the horizon and the rows agree
  const { rows } = await sql<LogRow & { xid: string | null; epoch: string; horizon: string }>`
    select s.epoch, txid_snapshot_xmin(txid_current_snapshot())::text as horizon, c.xid::text as xid, c.framework_id, c.evidence_id
    from read_model_state s
    left join lateral (
      select xid, framework_id, evidence_id, id from scoring_changes
      where xid >= ${store.horizon}::bigint and not (xid = any(${applied}::bigint[]))
      order by id limit ${FULL_RELOAD + 1}
    ) c on true`.execute(db);
  if ((rows[0]?.epoch ?? '') !== store.epoch) {
    store.epoch = null;
    return readPostgresLog(db, store);
  }
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
    return entry.model;
  });
}

/** Forgets the models this process holds for `db` (the next reader loads them again), e.g. after a restore. */
export function forgetScoringModels(db: Kysely<Database>): void {
  stores.delete(db);
}
