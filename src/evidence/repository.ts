// Reading evidence: one item with its findings, tags, attachments, corrections and history; filtered,
// paginated lists limited to what the viewer may see (with a count of what they may not).

import { sql, type ExpressionBuilder, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { Database, EvidenceRow, EvidenceStatus } from '../db/schema';
import { auditEntriesFor } from '../audit/log';
import { canSeeDraft, canSeeEvidence, visibleTo, type Viewer } from './visibility';
import { isLiveEvidence, liveEvidence } from '../framework/live-evidence';

export interface FindingView {
  benchmark: string;
  benchmarkTitle: string;
  kind: 'assessment' | 'indicator';
  unit: string | null;
  stance: number | null;
  value: number | null;
}

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

export async function loadEvidenceDetail(db: Kysely<Database>, row: EvidenceRow, viewer: Viewer): Promise<EvidenceDetail> {
  const [framework, findings, groups, attachments, creator, corrections] = await Promise.all([
    db.selectFrom('frameworks').select('code').where('id', '=', row.framework_id).executeTakeFirstOrThrow(),
    db
      .selectFrom('findings')
      .innerJoin('benchmarks', 'benchmarks.id', 'findings.benchmark_id')
      .select(['benchmarks.code', 'benchmarks.title', 'benchmarks.kind', 'benchmarks.unit', 'findings.stance', 'findings.value'])
      .where('findings.evidence_id', '=', row.id)
      .orderBy('findings.position')
      .execute(),
    db
      .selectFrom('evidence_groups')
      .innerJoin('framework_groups', 'framework_groups.id', 'evidence_groups.group_id')
      .select('framework_groups.code')
      .where('evidence_groups.evidence_id', '=', row.id)
      .orderBy('framework_groups.position')
      .execute(),
    db
      .selectFrom('attachments')
      .leftJoin('users', 'users.id', 'attachments.uploaded_by')
      .select(['attachments.id', 'filename', 'content_type', 'size_bytes', 'sha256', 'uploaded_at', 'users.email as uploader'])
      .where('evidence_id', '=', row.id)
      .orderBy('attachments.id')
      .execute(),
    row.created_by === null ? Promise.resolve(undefined) : db.selectFrom('users').select('email').where('id', '=', row.created_by).executeTakeFirst(),
    liveEvidence(db).selectAll().where('supersedes_id', '=', row.id).orderBy('id').execute(),
  ]);
  return {
    row,
    framework: framework.code,
    findings: findings.map((f) => ({
      benchmark: f.code,
      benchmarkTitle: f.title,
      kind: f.kind,
      unit: f.unit,
      stance: f.stance === null ? null : Number(f.stance),
      value: f.value === null ? null : Number(f.value),
    })),
    groups: groups.map((g) => g.code),
    attachments: attachments.map((a) => ({
      id: a.id,
      filename: a.filename,
      content_type: a.content_type,
      size_bytes: Number(a.size_bytes),
      sha256: a.sha256,
      uploaded_at: a.uploaded_at,
      uploaded_by: a.uploader ?? null,
    })),
    createdBy: creator?.email ?? (row.origin === 'import' ? 'import' : null),
    // corrections the viewer may not see are not even named
    correctedBy: corrections.filter((c) => canSeeDraft(viewer, c) && canSeeEvidence(viewer, c)).map((c) => ({ id: c.id, status: c.status })),
  };
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
    const rows = await liveEvidence(db).selectAll().where('id', 'in', linked).execute();
    const hidden = new Set(rows.filter((r) => !(canSeeDraft(viewer, r) && canSeeEvidence(viewer, r))).map((r) => r.id));
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

function applyFilters<O>(query: SelectQueryBuilder<Database, 'evidence', O>, f: EvidenceFilters) {
  let q = query;
  if (f.frameworkId !== undefined) q = q.where('evidence.framework_id', '=', f.frameworkId);
  if (f.status) q = q.where('evidence.status', '=', f.status);
  if (f.tlp) q = q.where('evidence.tlp', '=', f.tlp as EvidenceRow['tlp']);
  if (f.from) q = q.where('evidence.observed_on', '>=', f.from);
  if (f.to) q = q.where('evidence.observed_on', '<=', f.to);
  if (f.createdBy !== undefined) q = q.where('evidence.created_by', '=', f.createdBy);
  if (f.submittedBefore) q = q.where('evidence.submitted_at', '<=', f.submittedBefore);
  if (f.benchmark) {
    const code = f.benchmark;
    q = q.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('findings')
          .innerJoin('benchmarks', 'benchmarks.id', 'findings.benchmark_id')
          .select('findings.id')
          .whereRef('findings.evidence_id', '=', 'evidence.id')
          .where('benchmarks.code', '=', code),
      ),
    );
  }
  if (f.pillar) {
    const code = f.pillar;
    q = q.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('findings')
          .innerJoin('benchmarks', 'benchmarks.id', 'findings.benchmark_id')
          .innerJoin('pillars', 'pillars.id', 'benchmarks.pillar_id')
          .select('findings.id')
          .whereRef('findings.evidence_id', '=', 'evidence.id')
          .where('pillars.code', '=', code),
      ),
    );
  }
  if (f.group) {
    const code = f.group;
    q = q.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('evidence_groups')
          .innerJoin('framework_groups', 'framework_groups.id', 'evidence_groups.group_id')
          .select('evidence_groups.group_id')
          .whereRef('evidence_groups.evidence_id', '=', 'evidence.id')
          .where('framework_groups.code', '=', code),
      ),
    );
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
  // drafts are private to their author (and admins): not even counted for others
  const notOthersDrafts = (eb: ExpressionBuilder<Database, 'evidence'>) =>
    viewer.role === 'admin' ? sql<boolean>`1 = 1` : eb.or([eb('evidence.status', '!=', 'draft'), eb('evidence.created_by', '=', viewer.id)]);
  const visible = applyFilters(liveEvidence(db), filters).where(notOthersDrafts).where(visibleTo(viewer));
  // hidden = not visible; a CASE counts rows whose visibility is NULL (e.g. no creator) as hidden, as it should
  const hiddenCount = applyFilters(liveEvidence(db), withoutHiddenContentFilters(filters))
    .where(notOthersDrafts)
    .select((eb) => eb.fn.sum<number>(eb.case().when(visibleTo(viewer)(eb)).then(0).else(1).end()).as('n'));
  const [visibleCount, hidden, items] = await Promise.all([
    visible.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    hiddenCount.executeTakeFirstOrThrow(),
    visible.selectAll('evidence').orderBy('evidence.observed_on', 'desc').orderBy('evidence.id', 'desc').limit(page.limit).offset(page.offset).execute(),
  ]);
  const restrictedIgnores = FILTERS_OVER_HIDDEN_CONTENT.filter((key) => filters[key] !== undefined && filters[key] !== '');
  return { items, total: Number(visibleCount.n), restricted: Number(hidden.n ?? 0), restrictedIgnores };
}

/** Findings and tags of many items at once (for lists and exports). */
export async function findingsAndGroupsOf(db: Kysely<Database>, ids: number[]) {
  const findings = new Map<number, { benchmark: string; stance: number | null; value: number | null }[]>();
  const groups = new Map<number, string[]>();
  if (ids.length === 0) return { findings, groups };
  for (let i = 0; i < ids.length; i += 500) {
    const chunk = ids.slice(i, i + 500);
    const [f, g] = await Promise.all([
      db
        .selectFrom('findings')
        .innerJoin('benchmarks', 'benchmarks.id', 'findings.benchmark_id')
        .select(['findings.evidence_id', 'benchmarks.code', 'findings.stance', 'findings.value'])
        .where('findings.evidence_id', 'in', chunk)
        .orderBy('findings.evidence_id')
        .orderBy('findings.position')
        .execute(),
      db
        .selectFrom('evidence_groups')
        .innerJoin('framework_groups', 'framework_groups.id', 'evidence_groups.group_id')
        .select(['evidence_groups.evidence_id', 'framework_groups.code'])
        .where('evidence_groups.evidence_id', 'in', chunk)
        .orderBy('framework_groups.position')
        .execute(),
    ]);
    for (const row of f) {
      const list = findings.get(row.evidence_id) ?? [];
      list.push({ benchmark: row.code, stance: row.stance === null ? null : Number(row.stance), value: row.value === null ? null : Number(row.value) });
      findings.set(row.evidence_id, list);
    }
    for (const row of g) groups.set(row.evidence_id, [...(groups.get(row.evidence_id) ?? []), row.code]);
  }
  return { findings, groups };
}
