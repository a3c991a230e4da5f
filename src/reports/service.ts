// Producing reports exactly once per (framework, kind, period), without holding any lock while building: a
// barrier fixes the generation time (every write that could carry an earlier time has committed by then), the
// content is built with known-at = that time from one read snapshot, and a short transaction stores it with the
// SHA-256 of its canonical content, unless the report exists by then (PostgreSQL: under an advisory lock for that
// period; both: the unique key). Every attempt is recorded in report_runs.

import crypto from 'node:crypto';
import os from 'node:os';
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, EvidenceRow, ReportKind, ReportRow } from '../db/schema';
import { appendAudit, canonicalJson, lockAuditLog, SYSTEM_ACTOR } from '../audit/log';
import { resolveFramework, loadFrameworkTree, loadScoringEvidence } from '../framework/repository';
import { systemClock, type Clock } from '../time';
import { buildReport, explainedItemIds, type ItemSnapshot, type ReportContent } from './build';
import type { Period } from './periods';
import { liveEvidence } from '../framework/live-evidence';
import { findingsWithBenchmarks, groupTags } from '../framework/evidence-links';
import { chunks } from '../db/chunks';
import { isPostgres, isUniqueViolation } from '../db/dialect';
import { holdTransactionLock, lockKeyFor } from '../db/locks';
import { inReadSnapshot } from '../db/snapshot';

export const INSTANCE = `${os.hostname()}:${process.pid}`;

export type ProduceOutcome = 'produced' | 'exists';

export interface ProduceResult {
  outcome: ProduceOutcome;
  report: ReportRow;
}

/** The log entries that record reports (`audit verify` checks every stored report against its entry). */
export const REPORT_ACTIONS = ['report.produced', 'report.registered'];

const endOfDay = (date: string) => `${date}T23:59:59.999Z`;
const startOfDay = (date: string) => `${date}T00:00:00.000Z`;

/** The advisory lock of one (framework, kind, period): instances storing the same period wait for each other. */
const periodLock = (frameworkId: number, kind: string, period: string) => lockKeyFor(`report:${frameworkId}:${kind}:${period}`);

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

async function snapshots(trx: Kysely<Database>, frameworkId: number, ids: number[], generatedAt: string): Promise<ItemSnapshot[]> {
  const rows: EvidenceRow[] = [];
  const pillarsOf = new Map<number, string[]>();
  const groupsOf = new Map<number, string[]>();
  // a busy period has thousands of items: bounded lists of ids, and lookups by id rather than scans
  for (const chunk of chunks(ids)) {
    rows.push(...(await liveEvidence(trx).selectAll().where('id', 'in', chunk).execute()));
    const pillars = await findingsWithBenchmarks(trx)
      .innerJoin('pillars', 'pillars.id', 'benchmarks.pillar_id')
      .select(['findings.evidence_id', 'pillars.code'])
      .where('findings.evidence_id', 'in', chunk)
      .execute();
    for (const p of pillars) pushTo(pillarsOf, p.evidence_id, p.code);
    const groups = await groupTags(trx)
      .select(['evidence_groups.evidence_id', 'framework_groups.code'])
      .where('evidence_groups.evidence_id', 'in', chunk)
      .execute();
    for (const g of groups) pushTo(groupsOf, g.evidence_id, g.code);
  }
  return rows
    .sort((a, b) => a.id - b.id)
    .filter((r) => r.framework_id === frameworkId)
    .map((r) => ({
      id: r.id,
      title: r.title,
      tlp: r.tlp,
      created_by: r.created_by,
      owner_delegation: r.owner_delegation,
      // only the handling known at generation time, so the report can be rebuilt identically later
      handled_by: [
        r.verified_at && r.verified_at <= generatedAt ? r.verified_by : null,
        r.rejected_at && r.rejected_at <= generatedAt ? r.rejected_by : null,
        r.retracted_at && r.retracted_at <= generatedAt ? r.retracted_by : null,
      ].filter((x): x is number => x !== null),
      pillars: [...new Set(pillarsOf.get(r.id) ?? [])].sort(),
      groups: [...new Set(groupsOf.get(r.id) ?? [])].sort(),
    }));
}

/** Builds the content of a report for a period as known at `generatedAt` (reads only). */
export async function buildReportContent(db: Kysely<Database>, frameworkId: number, period: Period, generatedAt: string): Promise<ReportContent> {
  const fw = await db.selectFrom('frameworks').selectAll().where('id', '=', frameworkId).executeTakeFirstOrThrow();
  const tree = await loadFrameworkTree(db, fw);
  const evidence = await loadScoringEvidence(db, frameworkId);
  const from = startOfDay(period.start);
  const to = endOfDay(period.end) < generatedAt ? endOfDay(period.end) : generatedAt;
  const inPeriod = (column: 'verified_at' | 'retracted_at') =>
    liveEvidence(db).select(['id', 'supersedes_id']).where('framework_id', '=', frameworkId).where(column, '>=', from).where(column, '<=', to).execute();
  const verifiedRows = await inPeriod('verified_at');
  const retractedRows = await inPeriod('retracted_at');
  const previous = await db
    .selectFrom('reports')
    .select(['period', 'content'])
    .where('framework_id', '=', frameworkId)
    .where('kind', '=', period.kind)
    .where('period_end', '<', period.start)
    .where('generated_at', '<=', generatedAt)
    .orderBy('period_end', 'desc')
    .limit(1)
    .executeTakeFirst();
  const auditHead = await db
    .selectFrom('audit_log')
    .select(['seq', 'hash'])
    .where('at', '<=', generatedAt)
    // a report's own entry is written after the report is built (at its generation time): never its head
    .where('action', 'not in', REPORT_ACTIONS)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  const content = buildReport({
    tree,
    evidence,
    period,
    generatedAt,
    previous: previous ? { period: previous.period, content: JSON.parse(previous.content) as ReportContent } : null,
    activity: {
      verified: await snapshots(db, frameworkId, verifiedRows.filter((r) => r.supersedes_id === null).map((r) => r.id), generatedAt),
      corrected: await snapshots(db, frameworkId, verifiedRows.filter((r) => r.supersedes_id !== null).map((r) => r.id), generatedAt),
      retracted: await snapshots(db, frameworkId, retractedRows.map((r) => r.id), generatedAt),
    },
    auditHead: auditHead ? { seq: Number(auditHead.seq), hash: auditHead.hash } : null,
  });
  // what a reader may know of the items the explanations name: frozen with the report, like the period's activity
  content.explained_items = await snapshots(db, frameworkId, explainedItemIds(content), generatedAt);
  return content;
}

export function contentHash(content: ReportContent): { text: string; sha256: string } {
  const text = canonicalJson(content);
  return { text, sha256: crypto.createHash('sha256').update(text).digest('hex') };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
/** Longest wait for PostgreSQL writers that were under way at the barrier (they take milliseconds). */
const BARRIER_WAIT_MS = 5_000;

/**
 * Chooses a report's generation time such that no write committed later can carry a time up to it, and returns
 * it. The time is chosen holding the lock every writer of evidence and log entries takes before choosing its own
 * time (SQLite: the write lock, BEGIN IMMEDIATE; PostgreSQL: the log's append lock): writers that had it have
 * committed, later ones choose later times (the lock is kept until the clock has moved on). On PostgreSQL, writers
 * that chose their time before taking the append lock (e.g. a review: its row lock first) are waited for too.
 */
export async function reportBarrier(db: Kysely<Database>, clock: Clock): Promise<string> {
  let generatedAt = '';
  let underWay: string[] = [];
  await db.transaction().execute(async (trx) => {
    await lockAuditLog(trx);
    generatedAt = clock().toISOString();
    // a writer right after must not share the millisecond (bounded: a test's fixed clock never moves)
    const until = performance.now() + 5;
    while (clock().toISOString() <= generatedAt && performance.now() < until) await sleep(1);
    if (isPostgres(trx)) {
      const { rows } = await sql<{ snapshot: string }>`select pg_current_snapshot()::text as snapshot`.execute(trx);
      underWay = (rows[0]?.snapshot.split(':')[2] ?? '').split(',').filter(Boolean);
    }
  });
  const deadline = performance.now() + BARRIER_WAIT_MS;
  while (underWay.length && performance.now() < deadline) {
    const { rows } = await sql<{ xid: string }>`select x::text as xid from unnest(${`{${underWay.join(',')}}`}::xid8[]) as x
      where pg_xact_status(x) = 'in progress'`.execute(db);
    underWay = rows.map((r) => r.xid);
    if (underWay.length) await sleep(10);
  }
  return generatedAt;
}

async function findReport(db: Kysely<Database>, frameworkId: number, period: Period) {
  return db.selectFrom('reports').selectAll().where('framework_id', '=', frameworkId).where('kind', '=', period.kind).where('period', '=', period.code).executeTakeFirst();
}

/** Produces the report of one period unless it exists; exactly once whatever runs at the same time. */
export async function produceReport(
  db: Kysely<Database>,
  args: { frameworkCode?: string | null; period: Period; trigger: string; attempt?: number; clock?: Clock; beforeCommit?: () => Promise<void> },
): Promise<ProduceResult> {
  const clock = args.clock ?? systemClock;
  const fw = await resolveFramework(db, args.frameworkCode);
  const started = clock();
  const run = await db
    .insertInto('report_runs')
    .values({ framework_id: fw.id, kind: args.period.kind, period: args.period.code, trigger: args.trigger, attempt: args.attempt ?? 1, instance: INSTANCE, started_at: started.toISOString(), finished_at: null, duration_ms: null, outcome: 'running', report_id: null, error: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const finish = async (outcome: string, reportId: number | null, error: string | null) => {
    const end = clock();
    await db
      .updateTable('report_runs')
      .set({ finished_at: end.toISOString(), duration_ms: Math.max(0, end.getTime() - started.getTime()), outcome, report_id: reportId, error })
      .where('id', '=', run.id)
      .execute();
  };
  try {
    const made = await findReport(db, fw.id, args.period);
    if (made) {
      await finish('exists', made.id, null);
      return { outcome: 'exists', report: made };
    }
    const generatedAt = await reportBarrier(db, clock);
    // the long part, holding no lock: one snapshot, so every read agrees with the others
    const content = await inReadSnapshot(db, (snapshot) => buildReportContent(snapshot, fw.id, args.period, generatedAt));
    const { text, sha256 } = contentHash(content);
    const result = await db.transaction().execute(async (trx: Transaction<Database>) => {
      await holdTransactionLock(trx, periodLock(fw.id, args.period.kind, args.period.code));
      // another run may have stored it while this one was building
      const existing = await findReport(trx, fw.id, args.period);
      if (existing) return { outcome: 'exists' as const, report: existing };
      const report = await trx
        .insertInto('reports')
        .values({
          framework_id: fw.id,
          kind: args.period.kind,
          period: args.period.code,
          period_start: args.period.start,
          period_end: args.period.end,
          generated_at: generatedAt,
          methodology: content.report.methodology,
          audit_head_seq: content.audit_head?.seq ?? null,
          audit_head_hash: content.audit_head?.hash ?? null,
          content: text,
          sha256,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await appendAudit(trx, {
        actor: SYSTEM_ACTOR,
        action: 'report.produced',
        entityType: 'report',
        entityId: report.id,
        content: {
          framework: fw.code,
          kind: report.kind,
          period: report.period,
          period_start: report.period_start,
          period_end: report.period_end,
          generated_at: report.generated_at,
          methodology: report.methodology,
          sha256: report.sha256,
          audit_head: content.audit_head,
          trigger: args.trigger,
        },
        at: generatedAt,
      });
      if (args.beforeCommit) await args.beforeCommit();
      return { outcome: 'produced' as const, report };
    });
    await finish(result.outcome, result.report.id, null);
    return result;
  } catch (err) {
    if (isUniqueViolation(err)) {
      const report = (await findReport(db, fw.id, args.period))!;
      await finish('exists', report.id, null);
      return { outcome: 'exists', report };
    }
    await finish('failed', null, (err as Error).message?.slice(0, 1000) ?? String(err)).catch(() => undefined);
    throw err;
  }
}

export async function listReports(db: Kysely<Database>, kind?: ReportKind) {
  let q = db.selectFrom('reports').innerJoin('frameworks', 'frameworks.id', 'reports.framework_id').select(['reports.id', 'frameworks.code as framework', 'reports.kind', 'reports.period', 'reports.period_start', 'reports.period_end', 'reports.generated_at', 'reports.methodology', 'reports.sha256', 'reports.audit_head_seq']);
  if (kind) q = q.where('reports.kind', '=', kind);
  return q.orderBy('reports.period_end', 'desc').orderBy('reports.kind').execute();
}

export async function findReportById(db: Kysely<Database>, id: number): Promise<ReportRow | undefined> {
  return db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function latestReportOfKind(db: Kysely<Database>, frameworkId: number, kind: ReportKind) {
  return db.selectFrom('reports').selectAll().where('framework_id', '=', frameworkId).where('kind', '=', kind).orderBy('period_end', 'desc').limit(1).executeTakeFirst();
}

/** The latest report of a framework whose period ended before `date` (monthly preferred, then quarterly, then weekly); its content is read separately (reportContent). */
export async function latestReportBefore(db: Kysely<Database>, frameworkId: number, date: string) {
  return db
    .selectFrom('reports')
    .select(['id', 'kind', 'period'])
    .where('framework_id', '=', frameworkId)
    .where('period_end', '<', date)
    .orderBy('period_end', 'desc')
    .orderBy((eb) => eb.case().when('kind', '=', 'monthly').then(0).when('kind', '=', 'quarterly').then(1).else(2).end())
    .limit(1)
    .executeTakeFirst();
}

/** The report a report's changes were computed against: the previous one of its kind and framework, by period. */
export async function previousReportOf(db: Kysely<Database>, report: { framework_id: number; kind: string }, previousPeriod: string | null) {
  if (!previousPeriod) return null;
  const row = await db.selectFrom('reports').select(['id', 'kind', 'period']).where('framework_id', '=', report.framework_id).where('kind', '=', report.kind as ReportKind).where('period', '=', previousPeriod).executeTakeFirst();
  return row ? reportContent(db, row) : null;
}

/**
 * A report's content, parsed. Reports are immutable (the database refuses UPDATE and DELETE), so the parsed content
 * is kept per database, for the most recently used few, under its id, kind and period.
 */
export async function reportContent(db: Kysely<Database>, row: { id: number; kind: string; period: string }): Promise<ReportContent | null> {
  const key = `${row.id}\u0000${row.kind}\u0000${row.period}`;
  let cache = contentCache.get(db);
  if (!cache) contentCache.set(db, (cache = new Map()));
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit); // most recently used last
    return hit;
  }
  const found = await db.selectFrom('reports').select('content').where('id', '=', row.id).executeTakeFirst();
  if (!found) return null;
  const content = JSON.parse(found.content) as ReportContent;
  if (cache.size >= REPORT_CONTENT_CACHE) cache.delete(cache.keys().next().value!);
  cache.set(key, content);
  return content;
}

const REPORT_CONTENT_CACHE = 16;
const contentCache = new WeakMap<Kysely<Database>, Map<string, ReportContent>>();

export async function recentRuns(db: Kysely<Database>, limit = 100) {
  return db.selectFrom('report_runs').selectAll().orderBy('id', 'desc').limit(limit).execute();
}
