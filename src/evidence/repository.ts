// Reading evidence: items with their findings, tags, attachments, corrections and history, loaded for a whole page
// at once (one query per related table, in bounded chunks of ids); filtered, paginated lists limited to what the
// viewer may read (with a count of what they may not).

import { sql, type Expression, type ExpressionBuilder, type Kysely, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { Database, EvidenceRow, EvidenceStatus } from '../db/schema';
import { auditEntriesFor } from '../audit/log';
import { knowableBy, mayRead, readableBy, type ReadableFields, type Viewer } from './policy';
import { liveEvidence } from '../framework/live-evidence';
import { findingsOfItems, findingsWithBenchmarks, groupsOfItems, groupTags, type LinkedFinding } from '../framework/evidence-links';
import { chunks } from '../db/chunks';
import { isPostgres } from '../db/dialect';
import { searchTerms } from './search-terms';

export type FindingView = LinkedFinding;

export interface AttachmentView {
  id: number;
  filename: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  uploaded_at: string;
  uploaded_by: string | null;
}

export interface HistoryEntry {
  /** the log entry's number: for administrators only (it tells how much was logged in between, also on hidden items) */
  seq?: number;
  at: string;
  actor: string | null;
  action: string;
  details: Record<string, unknown>;
}

export interface EvidenceDetail {
  row: EvidenceRow;
  framework: string;
  findings: FindingView[];
  groups: string[];
  attachments: AttachmentView[];
  createdBy: string | null;
  correctedBy: { id: number; status: EvidenceStatus }[];
}

export async function findEvidence(db: Kysely<Database>, id: number): Promise<EvidenceRow | undefined> {
  return liveEvidence(db).selectAll().where('id', '=', id).executeTakeFirst();
}

/** Live items by id, in bounded chunks (in no particular order). */
export async function findEvidenceByIds(db: Kysely<Database>, ids: readonly number[]): Promise<EvidenceRow[]> {
  const rows: EvidenceRow[] = [];
  for (const part of chunks([...new Set(ids)])) rows.push(...(await liveEvidence(db).selectAll().where('id', 'in', part).execute()));
  return rows;
}

/**
 * What `mayRead` needs of every live item ever verified with a finding on the benchmark, by id: one query (a join,
 * not a list of ids), however many items count, for the benchmark page's counts of restricted findings and its chart.
 */
export async function readableFieldsOnBenchmark(db: Kysely<Database>, frameworkId: number, benchmarkCode: string): Promise<Map<number, ReadableFields>> {
  const rows = await liveEvidence(db)
    .innerJoin('findings', 'findings.evidence_id', 'evidence.id')
    .innerJoin('benchmarks', 'benchmarks.id', 'findings.benchmark_id')
    .select(['evidence.id', 'evidence.tlp', 'evidence.status', 'evidence.created_by', 'evidence.owner_delegation', 'evidence.verified_by', 'evidence.rejected_by', 'evidence.retracted_by'])
    .where('evidence.framework_id', '=', frameworkId)
    .where('evidence.verified_at', 'is not', null)
    .where('benchmarks.code', '=', benchmarkCode)
    .where('benchmarks.framework_id', '=', frameworkId)
    .execute();
  return new Map(rows.map((r) => [r.id, r]));
}

/** Everything a page or export shows of many items, read at once: one query per related table and chunk of ids. */
export async function loadEvidenceDetails(db: Kysely<Database>, rows: readonly EvidenceRow[], viewer: Viewer): Promise<EvidenceDetail[]> {
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.id);
  const frameworks = new Map((await db.selectFrom('frameworks').select(['id', 'code']).execute()).map((f) => [f.id, f.code]));
  const findings = await findingsOfItems(db, ids);
  const groups = await groupsOfItems(db, ids);
  const attachments = new Map<number, AttachmentView[]>();
  const corrections = new Map<number, { id: number; status: EvidenceStatus }[]>();
  for (const part of chunks(ids)) {
    const files = await db
      .selectFrom('attachments')
      .leftJoin('users', 'users.id', 'attachments.uploaded_by')
      .select(['attachments.evidence_id', 'attachments.id', 'filename', 'content_type', 'size_bytes', 'sha256', 'uploaded_at', 'users.email as uploader'])
      .where('evidence_id', 'in', part)
      .orderBy('attachments.id')
      .execute();
    for (const a of files) {
      const view = { id: a.id, filename: a.filename, content_type: a.content_type, size_bytes: Number(a.size_bytes), sha256: a.sha256, uploaded_at: a.uploaded_at, uploaded_by: a.uploader ?? null };
      attachments.set(a.evidence_id, [...(attachments.get(a.evidence_id) ?? []), view]);
    }
    const corrected = await liveEvidence(db).selectAll().where('supersedes_id', 'in', part).orderBy('id').execute();
    // corrections the viewer may not read are not even named
    for (const c of corrected.filter((row) => mayRead(viewer, row))) corrections.set(c.supersedes_id!, [...(corrections.get(c.supersedes_id!) ?? []), { id: c.id, status: c.status }]);
  }
  const creators = new Map<number, string>();
  for (const part of chunks([...new Set(rows.map((r) => r.created_by).filter((id): id is number => id !== null))])) {
    for (const u of await db.selectFrom('users').select(['id', 'email']).where('id', 'in', part).execute()) creators.set(u.id, u.email);
  }
  return rows.map((row) => ({
    row,
    framework: frameworks.get(row.framework_id)!,
    findings: findings.get(row.id) ?? [],
    groups: groups.get(row.id) ?? [],
    attachments: attachments.get(row.id) ?? [],
    createdBy: (row.created_by === null ? undefined : creators.get(row.created_by)) ?? (row.origin === 'import' ? 'import' : null),
    correctedBy: corrections.get(row.id) ?? [],
  }));
}

export async function loadEvidenceDetail(db: Kysely<Database>, row: EvidenceRow, viewer: Viewer): Promise<EvidenceDetail> {
  return (await loadEvidenceDetails(db, [row], viewer))[0];
}

/** Log actions whose details hold a version of the item's content. */
const CONTENT_ACTIONS = new Set(['created', 'correction_created', 'draft_updated', 'imported', 'import_updated']);

/**
 * What the history may say of a logged version of the item. Earlier versions can be more restricted than the
 * current one (logged RED, edited to GREEN before submission; re-imported with a lower TLP), so their text is
 * shown only to those who could read every version: the author and administrators. Others see that a version
 * was recorded and the review dates an import carried, not what it said.
 */
function redactVersion(details: Record<string, unknown>): Record<string, unknown> {
  const { item, ref: _ref, ...rest } = details;
  const version = (item ?? {}) as Record<string, unknown>;
  const kept: Record<string, unknown> = { ...rest };
  for (const key of ['verifiedAt', 'retractedAt']) if (key in version) kept[key] = version[key];
  return kept;
}

export async function evidenceHistory(db: Kysely<Database>, id: number, viewer: Viewer): Promise<HistoryEntry[]> {
  const entries = await auditEntriesFor(db, 'evidence', id);
  const item = await liveEvidence(db).select('created_by').where('id', '=', id).executeTakeFirst();
  const seesEveryVersion = viewer.role === 'admin' || (item?.created_by != null && item.created_by === viewer.id);
  const history: HistoryEntry[] = entries.map((e) => {
    const action = e.action.replace(/^evidence\./, '');
    const details = JSON.parse(e.content) as Record<string, unknown>;
    return {
      ...(viewer.role === 'admin' ? { seq: Number(e.seq) } : {}),
      at: e.at,
      actor: e.actor,
      action,
      details: seesEveryVersion || !CONTENT_ACTIONS.has(action) ? details : redactVersion(details),
    };
  });
  // a proposed correction the viewer may not see is mentioned without its number
  const linked = history.map((h) => h.details.correction).filter((c): c is number => typeof c === 'number');
  if (linked.length) {
    const rows = await findEvidenceByIds(db, linked);
    const hidden = new Set(rows.filter((r) => !mayRead(viewer, r)).map((r) => r.id));
    for (const h of history) if (typeof h.details.correction === 'number' && hidden.has(h.details.correction)) h.details = { correction: 'restricted' };
  }
  return history;
}

export interface EvidenceFilters {
  frameworkId?: number;
  benchmark?: string;
  pillar?: string;
  group?: string;
  status?: EvidenceStatus;
  tlp?: string;
  from?: string;
  to?: string;
  q?: string;
  /** how to read the matches of `q` (set by listEvidence and visibleRowChunks, see TextPlan) */
  textPlan?: TextPlan;
  createdBy?: number;
  /** submitted before this instant (review queue: age) */
  submittedBefore?: string;
}

/** `<column> = evidence.id`, tying a subquery to the item of the outer query. */
const sameItem = (column: string) => sql<SqlBool>`${sql.ref(column)} = ${sql.ref('evidence.id')}`;

function applyFilters<O>(db: Kysely<Database>, query: SelectQueryBuilder<Database, 'evidence', O>, f: EvidenceFilters) {
  let q = query;
  if (f.frameworkId !== undefined) q = q.where('evidence.framework_id', '=', f.frameworkId);
  if (f.status) q = q.where('evidence.status', '=', f.status);
  if (f.tlp) q = q.where('evidence.tlp', '=', f.tlp as EvidenceRow['tlp']);
  if (f.from) q = q.where('evidence.observed_on', '>=', f.from);
  if (f.to) q = q.where('evidence.observed_on', '<=', f.to);
  if (f.createdBy !== undefined) q = q.where('evidence.created_by', '=', f.createdBy);
  if (f.submittedBefore) q = q.where('evidence.submitted_at', '<=', f.submittedBefore);
  // correlated EXISTS, not IN (subquery): a list read in index order probes each item's findings and tags (by their
  // keys) until the page is full, instead of first collecting every item of a benchmark or group
  if (f.benchmark) {
    const benchmark = f.benchmark;
    q = q.where((eb) => eb.exists(findingsWithBenchmarks(db).select(sql`1`.as('one')).where(sameItem('findings.evidence_id')).where('benchmarks.code', '=', benchmark)));
  }
  if (f.pillar) {
    const pillar = f.pillar;
    q = q.where((eb) =>
      eb.exists(
        findingsWithBenchmarks(db).innerJoin('pillars', 'pillars.id', 'benchmarks.pillar_id').select(sql`1`.as('one')).where(sameItem('findings.evidence_id')).where('pillars.code', '=', pillar),
      ),
    );
  }
  if (f.group) {
    const group = f.group;
    q = q.where((eb) => eb.exists(groupTags(db).select(sql`1`.as('one')).where(sameItem('evidence_groups.evidence_id')).where('framework_groups.code', '=', group)));
  }
  if (f.q) q = q.where(matchesText(db, f.q, f.textPlan));
  return q;
}

/** A condition on `evidence`: its title, summary, source or ref holds every term of the search (search-terms.ts). */
/**
 * How a list reads a search's matches: `few` reads them first, then sorts (a rare word, or none); `many` walks the
 * list's order and tests each item against them (a common word: the page fills at once). Which is cheaper depends
 * on how many items match, which neither planner can guess from a text query; listEvidence counts them first.
 */
export type TextPlan = 'few' | 'many';

/** Up to this many matches, a search reads its matches first (TextPlan `few`). */
const FEW_TEXT_MATCHES = 2_000;

/** A condition on `evidence`: its title, summary, source or ref holds every term of the search (search-terms.ts). */
function matchesText(db: Kysely<Database>, q: string, plan: TextPlan = 'few') {
  const terms = searchTerms(q);
  return (eb: ExpressionBuilder<Database, 'evidence'>): Expression<SqlBool> => {
    if (terms.length === 0) return sql<SqlBool>`1 = 0`;
    if (isPostgres(db)) {
      // words as prefixes, CJK as phrases of their characters (the index spaces them apart); terms hold no quotes
      const query = terms.map((t) => (t.kind === 'word' ? `'${t.text}':*` : [...t.text].map((c) => `'${c}'`).join(' <-> '))).join(' & ');
      const matches = sql`select evidence_search.evidence_id from evidence_search where evidence_search.document @@ to_tsquery('simple', ${query})`;
      // an array is computed once, before the rows (an InitPlan): the planner then reads the matches by id
      return plan === 'few' ? sql<SqlBool>`evidence.id = any(array(${matches}))` : sql<SqlBool>`evidence.id in (${matches})`;
    }
    // a plain `id in (...)` drives SQLite's loop from the matches; `+id` makes it a test of each row in list order
    const item = plan === 'few' ? sql`evidence.id` : sql`+evidence.id`;
    const conditions: Expression<SqlBool>[] = [];
    const words = terms.filter((t) => t.kind === 'word');
    if (words.length) {
      const match = words.map((t) => `"${t.text}"*`).join(' AND ');
      conditions.push(sql<SqlBool>`${item} in (select rowid from evidence_fts where evidence_fts match ${match})`);
    }
    for (const t of terms.filter((x) => x.kind === 'cjk')) {
      // the trigram index answers three characters or more; shorter ones scan the (CJK items only) index's text
      conditions.push([...t.text].length >= 3
        ? sql<SqlBool>`${item} in (select rowid from evidence_fts_cjk where evidence_fts_cjk match ${`"${t.text}"`})`
        : sql<SqlBool>`${item} in (select rowid from evidence_fts_cjk where text like ${`%${t.text}%`})`);
    }
    return eb.and(conditions);
  };
}

/**
 * Whether a search matches few items the viewer may read or many (counted up to FEW_TEXT_MATCHES + 1): what the
 * viewer may not read does not decide the plan.
 */
async function planText(db: Kysely<Database>, viewer: Viewer, filters: EvidenceFilters): Promise<TextPlan> {
  if (!filters.q) return 'few';
  const key = JSON.stringify(['plan', viewer.id, viewer.role, viewer.delegation, filters.frameworkId, filters.q]);
  return keptUntilLogged(db, key, () => countTextMatches(db, viewer, filters));
}

async function countTextMatches(db: Kysely<Database>, viewer: Viewer, filters: EvidenceFilters): Promise<TextPlan> {
  // PostgreSQL stops a join at the limit (the `few` form would first read every match into its array); SQLite reads
  // the matches of either form into a set first
  const matching = applyFilters(db, liveEvidence(db), { frameworkId: filters.frameworkId, q: filters.q, textPlan: isPostgres(db) ? 'many' : 'few' })
    .where(readableBy(viewer))
    .select(sql<number>`1`.as('one'))
    .limit(FEW_TEXT_MATCHES + 1);
  const counted = await db.selectFrom(matching.as('matching')).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(counted.n) > FEW_TEXT_MATCHES ? 'many' : 'few';
}

/** The orders a list can be read in, newest first: by observation date, or as logged (by id). */
export const EVIDENCE_SORTS = ['observed', 'logged'] as const;
export type EvidenceSort = (typeof EVIDENCE_SORTS)[number];

/** Where a list page starts or ends: an item's place in the order (its observation date and id, or its id). */
export interface ListPosition {
  observed_on?: string;
  id: number;
}

/**
 * A page of a list: `limit` items after the position `after` (or before `before`), in `sort` order; `offset` only
 * for old `page=` links (bounded by the caller, see query.ts).
 */
export interface ListWindow {
  limit: number;
  offset?: number;
  sort?: EvidenceSort;
  after?: ListPosition;
  before?: ListPosition;
}

export interface EvidencePage {
  items: EvidenceRow[];
  /**
   * visible items matching the filters; with `totalCapped` only a lower bound: counting stopped at the cap of matches
   * or of rows read (see listEvidence's options)
   */
  total: number;
  totalCapped: boolean;
  /**
   * items the viewer may not see that match the filters over what anyone may know of them (framework, status,
   * benchmark, pillar, group, observation dates); never filters over their text, author, marking or review times
   */
  restricted: number;
  restrictedCapped: boolean;
  /** the filters the restricted count ignored (active ones only), so pages can say so */
  restrictedIgnores: (keyof EvidenceFilters)[];
  /** items exist after the last one shown (next page), before the first one shown (previous page) */
  hasNext: boolean;
  hasPrevious: boolean;
}

/**
 * Filters over what a reader may not know of an item hidden from them. A count of hidden items must not depend on
 * them: otherwise growing `q` a character at a time spells out a restricted summary, `evaluator` tells who wrote
 * restricted items, and `tlp` or the review age describe them.
 */
const FILTERS_OVER_HIDDEN_CONTENT = ['q', 'createdBy', 'tlp', 'submittedBefore'] as const;

function withoutHiddenContentFilters(f: EvidenceFilters): EvidenceFilters {
  const out = { ...f };
  for (const key of FILTERS_OVER_HIDDEN_CONTENT) delete out[key];
  return out;
}

/** The position of a row in a list's order, for the links to the pages around it. */
export function positionOf(row: EvidenceRow, sort: EvidenceSort = 'observed'): ListPosition {
  return sort === 'observed' ? { observed_on: row.observed_on, id: row.id } : { id: row.id };
}

/** The visible rows of one page (newest first), read through an index in the list's order: no OFFSET scan. */
function pageQuery(db: Kysely<Database>, viewer: Viewer, filters: EvidenceFilters, window: ListWindow, backwards: boolean) {
  const sort = window.sort ?? 'observed';
  const from = backwards ? window.before : window.after;
  let query = applyFilters(db, liveEvidence(db), filters).where(readableBy(viewer)).selectAll('evidence');
  if (from) {
    const op = backwards ? '>' : '<';
    query = sort === 'observed'
      ? query.where((eb) => eb(eb.refTuple('evidence.observed_on', 'evidence.id'), op, eb.tuple(from.observed_on ?? '', from.id)))
      : query.where('evidence.id', op, from.id);
  }
  const direction = backwards ? 'asc' : 'desc';
  if (sort === 'observed') query = query.orderBy('evidence.observed_on', direction);
  return query.orderBy('evidence.id', direction);
}

/** Rows the viewer may know exist but not read, matching the filters anyone may know of. */
function hiddenRows(db: Kysely<Database>, viewer: Viewer, filters: EvidenceFilters) {
  // a CASE counts rows whose readability is NULL (e.g. no creator) as hidden, as it should
  return applyFilters(db, liveEvidence(db), withoutHiddenContentFilters(filters))
    .where(knowableBy(viewer))
    .where((eb) => eb(eb.case().when(readableBy(viewer)(eb)).then(0).else(1).end(), '=', 1));
}

/** How many rows a query yields, counted up to `cap + 1` (null: all), so a count costs at most `cap` rows read. */
async function countRows<O>(db: Kysely<Database>, query: SelectQueryBuilder<Database, 'evidence', O>, cap: number | null): Promise<number> {
  const rows = query.select(sql<number>`1`.as('one'));
  const counted = await db.selectFrom((cap === null ? rows : rows.limit(cap + 1)).as('matching')).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(counted.n);
}

type ListCounts = [visible: number, hidden: number, candidates: number];

/** What lists computed, kept per database handle for one position of the tamper-evident log (see keptUntilLogged). */
const keptByDb = new WeakMap<Kysely<Database>, { seq: number; values: Map<string, Promise<unknown>> }>();
/** values kept per log position: readers × filter combinations in use */
const MAX_KEPT = 1_000;

/**
 * A value computed from the evidence (a list's counts, a search's plan), kept until anything is next written to the
 * tamper-evident log. Every change to an item, its findings or tags, an import batch or the framework is logged in
 * the transaction that makes it, and the log's appends are serialised to commit (audit/log.ts), so the highest entry
 * number read before computing is a version of everything the value depends on: it is computed from that version or
 * a later one, never an earlier one, and a commit by any instance or the CLI moves the number on. Counting costs a
 * few ms a list at 300k items (three bounded counts; a search's plan up to 20 ms); reading the number, one index
 * lookup. Concurrent requests share one computation; a failed one is not kept.
 */
async function keptUntilLogged<T>(db: Kysely<Database>, key: string, compute: () => Promise<T>): Promise<T> {
  const last = await db.selectFrom('audit_log').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
  const seq = Number(last?.seq ?? 0);
  let kept = keptByDb.get(db);
  if (!kept || kept.seq < seq) keptByDb.set(db, (kept = { seq, values: new Map() }));
  // a reader behind the latest one seen (its snapshot is older) computes for itself
  if (kept.seq > seq) return compute();
  const hit = kept.values.get(key) as Promise<T> | undefined;
  if (hit) return hit;
  const computed = compute();
  const values = kept.values;
  if (values.size >= MAX_KEPT) values.delete(values.keys().next().value!);
  values.set(key, computed);
  computed.catch(() => values.get(key) === computed && values.delete(key));
  return computed;
}

/** Refs of the illustrative demo evidence (src/seed/demo-evidence.json): `demo-0001` and on. */
const DEMO_REF = /^demo-\d+$/;

/**
 * Whether illustrative demo evidence is live in the database (pages then say so on every screen and print): an
 * imported item with a demo ref. Kept until the next logged change, like lists' counts.
 */
export async function demoEvidenceLoaded(db: Kysely<Database>): Promise<boolean> {
  return keptUntilLogged(db, 'demo', async () => {
    // per framework through the index of refs by framework and creator (imports have none: 0), a range of refs:
    // well under a millisecond at 300k items, where a scan took 440 ms
    for (const framework of await db.selectFrom('frameworks').select('id').execute()) {
      const rows = await liveEvidence(db)
        .select('evidence.ref')
        .where('evidence.framework_id', '=', framework.id)
        .where(sql`coalesce(${sql.ref('evidence.created_by')}, 0)`, '=', 0)
        .where('evidence.origin', '=', 'import')
        .where('evidence.ref', '>=', 'demo-')
        .where('evidence.ref', '<', 'demo.')
        .limit(50)
        .execute();
      if (rows.some((r) => r.ref !== null && DEMO_REF.test(r.ref))) return true;
    }
    return false;
  });
}

export async function listEvidence(
  db: Kysely<Database>,
  viewer: Viewer,
  filters: EvidenceFilters,
  window: ListWindow,
  options: { countCap?: number | null; countScan?: number | null } = {},
): Promise<EvidencePage> {
  filters = { ...filters, textPlan: await planText(db, viewer, filters) };
  const cap = options.countCap ?? null;
  const scan = options.countScan ?? null;
  const visible = applyFilters(db, liveEvidence(db), filters).where(readableBy(viewer));
  const backwards = window.before !== undefined;
  let rows = pageQuery(db, viewer, filters, window, backwards).limit(window.limit + 1);
  if (window.offset && !backwards) rows = rows.offset(window.offset);
  // counts read at most `scan` rows: the first candidates by the indexed filters, in list order; beyond them a count
  // is a lower bound. A search's visible count is driven by its text index instead (its matches bound it); the
  // restricted count never searches, so it is bounded the same way with or without a search.
  const indexed: EvidenceFilters = { frameworkId: filters.frameworkId, status: filters.status, from: filters.from, to: filters.to };
  // live rows only: an import still staging must not take places in the window (the counts would drop while it runs)
  const candidates = applyFilters(db, liveEvidence(db), indexed);
  const scanning = scan !== null;
  const visibleScanned = scanning && !filters.q;
  const firstCandidates = candidates.select('evidence.id').orderBy('evidence.observed_on', 'desc').orderBy('evidence.id', 'desc').limit(scan ?? 0);
  const withinScan = <O>(query: SelectQueryBuilder<Database, 'evidence', O>, bounded: boolean) => (bounded ? query.where('evidence.id', 'in', firstCandidates) : query);
  const countsKey = JSON.stringify(['counts', viewer.id, viewer.role, viewer.delegation, filters, cap, scan]);
  const [[visibleCount, hiddenCount, candidateCount], found] = await Promise.all([
    keptUntilLogged<ListCounts>(db, countsKey, () =>
      Promise.all([
        countRows(db, withinScan(visible, visibleScanned), cap),
        // an administrator may read every item they may know of
        viewer.role === 'admin' ? 0 : countRows(db, withinScan(hiddenRows(db, viewer, filters), scanning), cap),
        scanning ? countRows(db, candidates, scan) : 0,
      ]),
    ),
    rows.execute(),
  ]);
  const more = found.length > window.limit;
  const items = found.slice(0, window.limit);
  if (backwards) items.reverse();
  const restrictedIgnores = FILTERS_OVER_HIDDEN_CONTENT.filter((key) => filters[key] !== undefined && filters[key] !== '');
  const scanCut = scanning && candidateCount > scan;
  const capped = (n: number, scanned: boolean) => ({ n: cap !== null && n > cap ? cap : n, capped: (cap !== null && n > cap) || (scanned && scanCut) });
  const total = capped(visibleCount, visibleScanned);
  const restricted = capped(hiddenCount, true);
  return {
    items,
    total: total.n,
    totalCapped: total.capped,
    restricted: restricted.n,
    restrictedCapped: restricted.capped,
    restrictedIgnores,
    hasNext: backwards ? true : more,
    hasPrevious: backwards ? more : window.after !== undefined || (window.offset ?? 0) > 0,
  };
}

/**
 * Every visible row of a list, in its order, a chunk at a time (keyset: each chunk one query starting after the
 * last row of the one before). No transaction is held between chunks: rows written meanwhile may or may not appear,
 * but none is read twice or skipped for being moved by another's insert.
 */
export async function* visibleRowChunks(db: Kysely<Database>, viewer: Viewer, filters: EvidenceFilters, sort: EvidenceSort, chunkSize: number): AsyncGenerator<EvidenceRow[]> {
  filters = { ...filters, textPlan: await planText(db, viewer, filters) };
  let after: ListPosition | undefined;
  for (;;) {
    const rows = await pageQuery(db, viewer, filters, { limit: chunkSize, sort, after }, false).limit(chunkSize).execute();
    if (rows.length) yield rows;
    if (rows.length < chunkSize) return;
    after = positionOf(rows[rows.length - 1], sort);
  }
}

/** Items the viewer may not see among those matching the filters anyone may know of (see EvidencePage.restricted). */
export async function restrictedCount(db: Kysely<Database>, viewer: Viewer, filters: EvidenceFilters): Promise<number> {
  return viewer.role === 'admin' ? 0 : countRows(db, hiddenRows(db, viewer, filters), null);
}

/** Findings (benchmark, stance, value) and group codes of many items at once (for lists and exports). */
export async function findingsAndGroupsOf(db: Kysely<Database>, ids: number[]) {
  const linked = await findingsOfItems(db, ids);
  const findings = new Map([...linked].map(([id, list]) => [id, list.map((f) => ({ benchmark: f.benchmark, stance: f.stance, value: f.value }))]));
  return { findings, groups: await groupsOfItems(db, ids) };
}
