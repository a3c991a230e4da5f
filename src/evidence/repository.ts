// Reading evidence: items with their findings, tags, attachments, corrections and history, loaded for a whole page
// at once (one query per related table, in bounded chunks of ids); filtered, paginated lists limited to what the
// viewer may read (with a count of what they may not).

import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { Database, EvidenceRow, EvidenceStatus } from '../db/schema';
import { auditEntriesFor } from '../audit/log';
import { knowableBy, mayRead, readableBy, type ReadableFields, type Viewer } from './policy';
import { liveEvidence } from '../framework/live-evidence';
import { findingsOfItems, findingsWithBenchmarks, groupsOfItems, groupTags, type LinkedFinding } from '../framework/evidence-links';
import { chunks } from '../db/chunks';

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
  createdBy?: number;
  /** submitted before this instant (review queue: age) */
  submittedBefore?: string;
}

function applyFilters<O>(db: Kysely<Database>, query: SelectQueryBuilder<Database, 'evidence', O>, f: EvidenceFilters) {
  let q = query;
  if (f.frameworkId !== undefined) q = q.where('evidence.framework_id', '=', f.frameworkId);
  if (f.status) q = q.where('evidence.status', '=', f.status);
  if (f.tlp) q = q.where('evidence.tlp', '=', f.tlp as EvidenceRow['tlp']);
  if (f.from) q = q.where('evidence.observed_on', '>=', f.from);
  if (f.to) q = q.where('evidence.observed_on', '<=', f.to);
  if (f.createdBy !== undefined) q = q.where('evidence.created_by', '=', f.createdBy);
  if (f.submittedBefore) q = q.where('evidence.submitted_at', '<=', f.submittedBefore);
  if (f.benchmark) {
    q = q.where('evidence.id', 'in', findingsWithBenchmarks(db).select('findings.evidence_id').where('benchmarks.code', '=', f.benchmark));
  }
  if (f.pillar) {
    const inPillar = findingsWithBenchmarks(db).innerJoin('pillars', 'pillars.id', 'benchmarks.pillar_id').select('findings.evidence_id').where('pillars.code', '=', f.pillar);
    q = q.where('evidence.id', 'in', inPillar);
  }
  if (f.group) {
    q = q.where('evidence.id', 'in', groupTags(db).select('evidence_groups.evidence_id').where('framework_groups.code', '=', f.group));
  }
  if (f.q) {
    // LIKE with escaped wildcards, case-insensitive on both databases
    const pattern = `%${f.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    q = q.where((eb) =>
      eb.or([
        sql<boolean>`lower(evidence.title) like ${pattern} escape '\\'`,
        sql<boolean>`lower(coalesce(evidence.summary, '')) like ${pattern} escape '\\'`,
        sql<boolean>`lower(coalesce(evidence.source, '')) like ${pattern} escape '\\'`,
        sql<boolean>`lower(coalesce(evidence.ref, '')) like ${pattern} escape '\\'`,
      ]),
    );
  }
  return q;
}

export interface EvidencePage {
  items: EvidenceRow[];
  total: number;
  /**
   * items the viewer may not see that match the filters over what anyone may know of them (framework, status,
   * benchmark, pillar, group, observation dates); never filters over their text, author, marking or review times
   */
  restricted: number;
  /** the filters the restricted count ignored (active ones only), so pages can say so */
  restrictedIgnores: (keyof EvidenceFilters)[];
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

export async function listEvidence(
  db: Kysely<Database>,
  viewer: Viewer,
  filters: EvidenceFilters,
  page: { offset: number; limit: number },
): Promise<EvidencePage> {
  const visible = applyFilters(db, liveEvidence(db), filters).where(readableBy(viewer));
  // hidden = knowable (others' drafts are not even counted) but not readable; a CASE counts rows whose readability is
  // NULL (e.g. no creator) as hidden, as it should
  const hiddenCount = applyFilters(db, liveEvidence(db), withoutHiddenContentFilters(filters))
    .where(knowableBy(viewer))
    .select((eb) => eb.fn.sum<number>(eb.case().when(readableBy(viewer)(eb)).then(0).else(1).end()).as('n'));
  const [visibleCount, hidden, items] = await Promise.all([
    visible.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    hiddenCount.executeTakeFirstOrThrow(),
    visible.selectAll('evidence').orderBy('evidence.observed_on', 'desc').orderBy('evidence.id', 'desc').limit(page.limit).offset(page.offset).execute(),
  ]);
  const restrictedIgnores = FILTERS_OVER_HIDDEN_CONTENT.filter((key) => filters[key] !== undefined && filters[key] !== '');
  return { items, total: Number(visibleCount.n), restricted: Number(hidden.n ?? 0), restrictedIgnores };
}

/** Findings (benchmark, stance, value) and group codes of many items at once (for lists and exports). */
export async function findingsAndGroupsOf(db: Kysely<Database>, ids: number[]) {
  const linked = await findingsOfItems(db, ids);
  const findings = new Map([...linked].map(([id, list]) => [id, list.map((f) => ({ benchmark: f.benchmark, stance: f.stance, value: f.value }))]));
  return { findings, groups: await groupsOfItems(db, ids) };
}
