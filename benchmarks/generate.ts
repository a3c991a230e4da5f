// Deterministic synthetic data on the default framework's shape (3 pillars, 13 benchmarks, 4 perspectives,
// 5 groups): the framework as the scoring engine sees it, and evidence either as engine input or as an
// import file (INTERFACES.md "Import file"); and the benchmark database (dataset.ts) written straight into SQLite
// or PostgreSQL, with its tamper-evident log, so that `pactwatch audit verify` finds it intact.
//
//   node --import tsx benchmarks/generate.ts --size FINDINGS [--seed N] [--reports MONTHS] [--verify] --db URL

import fs from 'node:fs';
import { DEFAULT_FRAMEWORK_FILE } from '../src/seed/index';
import { validateImport } from '../src/framework/validate-import';
import type { ImportFramework } from '../src/framework/import-types';
import type { ScoringEvidence, ScoringFramework, SourceReliability } from '../src/scoring/types';
import { addDays } from '../src/scoring/index';
import { toScoringFramework } from '../src/framework/repository';
import { mulberry32 } from './harness';

/** The as-of date and known-at the synthetic evidence is generated around. */
export const AS_OF = '2026-06-30';
export const KNOWN_AT = '2026-06-30';
/** evidence is observed over this many days up to AS_OF */
const SPAN_DAYS = 730;

/** The default framework (src/seed/quad-2025.framework.json), normalised by the import validator. */
export function defaultImportFramework(): ImportFramework {
  const raw = JSON.parse(fs.readFileSync(DEFAULT_FRAMEWORK_FILE, 'utf8')) as unknown;
  const result = validateImport(raw, null);
  if (!result.ok || !result.value.framework) throw new Error('the default framework file does not validate');
  return result.value.framework;
}

/** The default framework as the engine sees it (the same conversion the app applies to a stored tree). */
export function defaultScoringFramework(): ScoringFramework {
  return toScoringFramework(defaultImportFramework());
}

interface GeneratedFinding {
  benchmark: string;
  stance: number | null;
  value: number | null;
}

interface GeneratedItem {
  index: number;
  observedOn: string;
  sourceReliability: SourceReliability;
  credibility: number;
  groups: string[];
  findings: GeneratedFinding[];
  verifiedAt: string | null;
  retractedAt: string | null;
  supersededAt: string | null;
}

// reliability A..F, skewed toward the usual B/C
const RELIABILITY_TABLE: SourceReliability[] = ['A', 'B', 'B', 'B', 'C', 'C', 'C', 'D', 'E', 'F'];

function instantAfter(day: string, days: number, rand: () => number): string {
  const hour = String(6 + Math.floor(rand() * 12)).padStart(2, '0');
  const minute = String(Math.floor(rand() * 60)).padStart(2, '0');
  return `${addDays(day, days)}T${hour}:${minute}:00.000Z`;
}

function generateItems(framework: ImportFramework, count: number, seed: number, options: { superseded: boolean }): GeneratedItem[] {
  const rand = mulberry32(seed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)];
  const benchmarks = framework.pillars.flatMap((p) => p.benchmarks);
  const groups = framework.groups.map((g) => g.code);
  const start = addDays(AS_OF, -SPAN_DAYS);
  const items: GeneratedItem[] = [];
  for (let i = 0; i < count; i += 1) {
    const observedOn = addDays(start, Math.floor(rand() * (SPAN_DAYS + 1)));
    // 1..3 findings on distinct benchmarks
    const findingCount = 1 + Math.floor(rand() * 3);
    const chosen = new Set<number>();
    while (chosen.size < findingCount) chosen.add(Math.floor(rand() * benchmarks.length));
    const findings = [...chosen].map((k): GeneratedFinding => {
      const b = benchmarks[k];
      if (b.kind === 'assessment') return { benchmark: b.code, stance: Math.floor(rand() * 5) - 2, value: null };
      const u = -0.2 + rand() * 1.4;
      const value = Math.round((b.baseline! + (b.target! - b.baseline!) * u) * 10) / 10;
      return { benchmark: b.code, stance: null, value };
    });
    const groupRoll = rand();
    const tagged = groupRoll < 0.4 ? [] : groupRoll < 0.85 ? [pick(groups)] : [...new Set([pick(groups), pick(groups)])];
    // ~92% verified (1..14 days after observation, some after the known-at), 8% still awaiting review
    const verified = rand() < 0.92;
    const verifiedAt = verified ? instantAfter(observedOn, 1 + Math.floor(rand() * 14), rand) : null;
    const retractedAt = verified && rand() < 0.03 ? instantAfter(observedOn, 30 + Math.floor(rand() * 170), rand) : null;
    const supersededAt = options.superseded && verified && !retractedAt && rand() < 0.02 ? instantAfter(observedOn, 20 + Math.floor(rand() * 100), rand) : null;
    items.push({
      index: i,
      observedOn,
      sourceReliability: pick(RELIABILITY_TABLE),
      credibility: 1 + Math.floor(rand() * 6),
      groups: tagged,
      findings,
      verifiedAt,
      retractedAt,
      supersededAt,
    });
  }
  return items;
}

/** `count` evidence items as the scoring engine takes them (verified, retracted and superseded mixed in). */
export function scoringEvidence(framework: ImportFramework, count: number, seed = 42): ScoringEvidence[] {
  return generateItems(framework, count, seed, { superseded: true })
    .filter((item) => item.verifiedAt !== null) // loadScoringEvidence only loads items that were ever verified
    .map((item) => ({
      id: item.index + 1,
      observedOn: item.observedOn,
      sourceReliability: item.sourceReliability,
      credibility: item.credibility,
      groups: item.groups,
      verifiedAt: item.verifiedAt,
      retractedAt: item.retractedAt,
      supersededAt: item.supersededAt,
      findings: item.findings,
    }));
}

/** An evidence-only import file of `count` items for `framework_code` (parsed JSON, as the CLI reads it). */
export function importEvidenceFile(framework: ImportFramework, count: number, seed = 7): unknown {
  const items = generateItems(framework, count, seed, { superseded: false });
  return {
    framework_code: framework.code,
    evidence: items.map((item) => ({
      ref: `bench-${String(item.index + 1).padStart(6, '0')}`,
      title: `Synthetic observation ${item.index + 1} on ${item.findings.map((f) => f.benchmark).join(', ')}`,
      summary: `Generated for the import benchmark. Observed on ${item.observedOn}; ${item.findings.length} finding(s).`,
      source: 'pactwatch benchmark generator',
      url: `https://example.org/bench/${item.index + 1}`,
      observed_on: item.observedOn,
      source_reliability: item.sourceReliability,
      credibility: item.credibility,
      groups: item.groups,
      tlp: item.index % 4 === 0 ? 'GREEN' : 'AMBER',
      findings: item.findings.map((f) => (f.stance !== null ? { benchmark: f.benchmark, stance: f.stance } : { benchmark: f.benchmark, value: f.value })),
      ...(item.verifiedAt ? { verified_at: item.verifiedAt } : {}),
      ...(item.retractedAt ? { retracted_at: item.retractedAt } : {}),
    })),
  };
}

// ---- the benchmark database ---------------------------------------------------------------------------------

import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { openDatabase, type Db } from '../src/db/connect';
import { migrateToLatest } from '../src/db/migrate';
import { seedDefault } from '../src/seed/index';
import { createUser } from '../src/users/service';
import { findFrameworkByCode } from '../src/framework/repository';
import { codeIds } from '../src/framework/import-writes';
import { importedContent } from '../src/framework/import-bulk';
import { chunks } from '../src/db/chunks';
import { evidenceContentColumns } from '../src/framework/import-types';
import { appendAuditEntries, CLI_ACTOR, type Actor, type AuditInput, type PreparedAuditInput } from '../src/audit/log';
import { produceReport } from '../src/reports/service';
import { parsePeriod } from '../src/reports/periods';
import { verifyAudit } from '../src/audit/verify';
import type { Insertable } from 'kysely';
import type { EvidenceTable } from '../src/db/schema';
import {
  benchUsers,
  BENCH_PASSWORD,
  DATASET_END,
  DATASET_START,
  DATASET_VERSION,
  datasetItem,
  datasetShape,
  END_MS,
  EVALUATORS,
  EVENT_KINDS,
  finalStatus,
  isoAt,
  itemEvents,
  REVIEWERS,
  START_MS,
  type EventKind,
  type Item,
} from './dataset';
import { fmt as fmtNumber, nowMs, progressBar } from './harness';

export interface GenerateOptions {
  findings: number;
  seed: number;
  /** monthly reports produced for the last MONTHS complete months of the data set (as the scheduler would have) */
  reportMonths: number;
}

export interface GenerateSummary {
  version: number;
  dialect: string;
  findings: number;
  seed: number;
  items: number;
  findingRows: number;
  tags: number;
  auditEntries: number;
  reports: number;
  statuses: Record<string, number>;
  tlp: Record<string, number>;
  origins: Record<string, number>;
  corrections: number;
  start: string;
  end: string;
  seconds: number;
  users: string[];
}

const DAY_MS = 86_400_000;
/** items per writing transaction (rows, findings and tags together) */
const ROW_TRANSACTION_ITEMS = 2000;
/** log entries per writing transaction */
const AUDIT_TRANSACTION_ENTRIES = 5000;

function bump(map: Record<string, number>, key: string, n = 1) {
  map[key] = (map[key] ?? 0) + n;
}

/** The monthly periods to report on: the last `months` complete months before the data set's end, oldest first. */
function reportPeriods(months: number): { code: string; generatedMs: number }[] {
  const out: { code: string; generatedMs: number }[] = [];
  const end = new Date(END_MS);
  for (let k = months; k >= 1; k -= 1) {
    const first = new Date(Date.UTC(end.getUTCFullYear(), end.getUTCMonth() - k, 1));
    const next = Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 1);
    if (first.getTime() < START_MS) continue;
    out.push({ code: first.toISOString().slice(0, 7), generatedMs: next + 6 * 3_600_000 });
  }
  return out;
}

/** A clock standing at `ms`, moving on with real time (the report barrier waits for the clock to move). */
function clockFrom(ms: number) {
  const t0 = Date.now();
  return () => new Date(ms + (Date.now() - t0));
}

/**
 * Writes the benchmark data set into an empty, migrated database: the framework and accounts through the app's
 * own services (seedDefault, createUser), the evidence rows in multi-row inserts, the log through the app's
 * appendAuditEntries in time order (entries in exactly the shape the services write), and the monthly reports
 * through produceReport at their generation times, so reports, log and rows agree.
 */
export async function generateDatabase(db: Db, options: GenerateOptions): Promise<GenerateSummary> {
  const started = nowMs();
  const kysely = db.kysely;
  await migrateToLatest(db);
  const existing = await kysely.selectFrom('evidence').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  if (Number(existing.n) > 0) throw new Error('the database already holds evidence: generate into an empty database');

  // the framework and the accounts, two days before the first evidence
  let setupTick = 0;
  const setupClock = () => new Date(START_MS - 2 * DAY_MS + 9 * 3_600_000 + 1000 * setupTick++);
  await seedDefault(kysely, { demo: false, clock: setupClock, actor: CLI_ACTOR });
  const framework = defaultImportFramework();
  const fw = (await findFrameworkByCode(kysely, framework.code))!;
  const ids = await codeIds(kysely, fw.id);
  const userIds = new Map<string, { id: number; email: string; delegation: string | null }>();
  const accounts = progressBar('accounts', benchUsers().length);
  for (const u of benchUsers()) {
    const row = await createUser(kysely, { email: u.email, name: u.name, role: u.role, delegation: u.delegation, password: BENCH_PASSWORD }, setupClock, CLI_ACTOR);
    userIds.set(u.key, { id: row.id, email: row.email, delegation: row.delegation });
    accounts.tick();
  }
  accounts.done();
  const evaluator = (k: number) => userIds.get(EVALUATORS[k].key)!;
  const reviewer = (k: number) => userIds.get(REVIEWERS[k].key)!;
  const actorOf = (u: { id: number; email: string }): Actor => ({ id: u.id, label: u.email });

  const shape = datasetShape(framework, options.findings, options.seed);
  const n = shape.items;
  const summary: GenerateSummary = {
    version: DATASET_VERSION, dialect: db.dialect, findings: options.findings, seed: options.seed, items: n, findingRows: 0, tags: 0,
    auditEntries: 0, reports: 0, statuses: {}, tlp: {}, origins: {}, corrections: 0, start: DATASET_START, end: DATASET_END, seconds: 0,
    users: benchUsers().map((u) => `${u.email} (${u.role}${u.delegation ? `, ${u.delegation}` : ''})`),
  };

  // events of the log, compactly: at most 6 per item
  const cap = n * 6;
  const evMs = new Float64Array(cap);
  const evItem = new Int32Array(cap);
  const evOrder = new Uint8Array(cap);
  const evKind = new Uint8Array(cap);
  let events = 0;

  // 1. the rows, in id order
  const rowsBar = progressBar(`evidence rows (${db.dialect})`, n);
  for (let from = 0; from < n; from += ROW_TRANSACTION_ITEMS) {
    const items: Item[] = [];
    for (let i = from; i < Math.min(n, from + ROW_TRANSACTION_ITEMS); i += 1) items.push(datasetItem(shape, i));
    const rows: Insertable<EvidenceTable>[] = [];
    const findingRows: { evidence_id: number; benchmark_id: number; stance: number | null; value: number | null; position: number }[] = [];
    const tagRows: { evidence_id: number; group_id: number }[] = [];
    for (const it of items) {
      const status = finalStatus(it);
      const creator = it.creator === null ? null : evaluator(it.creator);
      const review = it.review;
      const verifiedByReview = review?.verdict === 'verify';
      const itemEventsList = itemEvents(it);
      const lastMs = Math.max(...itemEventsList.map((e) => e[0]), it.supersededBy?.ms ?? 0, it.imported ? 0 : it.createdMs);
      rows.push({
        id: it.id,
        framework_id: fw.id,
        ...evidenceContentColumns(it.item),
        status,
        origin: it.imported ? 'import' : 'desk',
        created_by: creator?.id ?? null,
        owner_delegation: creator?.delegation ?? null,
        created_at: isoAt(it.createdMs),
        updated_at: isoAt(lastMs),
        submitted_at: it.imported ? (it.item.verifiedAt ?? isoAt(it.createdMs)) : it.submitMs !== null ? isoAt(it.submitMs) : null,
        verified_at: it.imported && it.item.verifiedAt ? it.item.verifiedAt : verifiedByReview ? isoAt(review!.ms) : null,
        verified_by: verifiedByReview ? reviewer(review!.reviewer).id : null,
        rejected_at: review?.verdict === 'reject' ? isoAt(review.ms) : null,
        rejected_by: review?.verdict === 'reject' ? reviewer(review.reviewer).id : null,
        reject_reason: review?.verdict === 'reject' ? review.reason : null,
        retracted_at: it.imported && it.item.retractedAt ? it.item.retractedAt : it.retract ? isoAt(it.retract.ms) : null,
        retracted_by: it.retract ? reviewer(it.retract.reviewer).id : null,
        retract_reason: it.retract ? it.retract.reason : null,
        supersedes_id: it.supersedes,
        superseded_at: it.supersededBy ? isoAt(it.supersededBy.ms) : null,
        import_batch_id: null,
      });
      it.item.findings.forEach((f, position) => findingRows.push({ evidence_id: it.id, benchmark_id: ids.benchmarks.get(f.benchmark)!, stance: f.stance, value: f.value, position }));
      for (const g of it.item.groups) tagRows.push({ evidence_id: it.id, group_id: ids.groups.get(g)! });
      for (const [ms, order, kind] of itemEventsList) {
        evMs[events] = ms;
        evItem[events] = it.index;
        evOrder[events] = order;
        evKind[events] = EVENT_KINDS.indexOf(kind);
        events += 1;
      }
      bump(summary.statuses, status);
      bump(summary.tlp, it.item.tlp);
      bump(summary.origins, it.imported ? 'import' : 'desk');
      if (it.supersedes !== null) summary.corrections += 1;
    }
    summary.findingRows += findingRows.length;
    summary.tags += tagRows.length;
    await kysely.transaction().execute(async (trx) => {
      for (const part of chunks(rows, 400)) await trx.insertInto('evidence').values(part).execute();
      for (const part of chunks(findingRows, 1000)) await trx.insertInto('findings').values(part).execute();
      for (const part of chunks(tagRows, 1000)) await trx.insertInto('evidence_groups').values(part).execute();
    });
    rowsBar.tick(items.length);
  }
  rowsBar.done(`${fmtNumber(n, 0)} items, ${fmtNumber(summary.findingRows, 0)} findings, ${fmtNumber(summary.tags, 0)} group tags`);
  if (db.dialect === 'postgres') {
    await sql`select setval(pg_get_serial_sequence('evidence', 'id'), (select max(id) from evidence))`.execute(kysely);
  }

  // 2. the log, in time order, with the monthly reports produced at their generation times
  const order = new Uint32Array(events);
  for (let e = 0; e < events; e += 1) order[e] = e;
  order.sort((a, b) => evMs[a] - evMs[b] || evItem[a] - evItem[b] || evOrder[a] - evOrder[b]);
  const periods = reportPeriods(options.reportMonths);
  const logBar = progressBar('audit log', events);
  let buffer: (AuditInput | PreparedAuditInput)[] = [];
  const flush = async () => {
    if (buffer.length === 0) return;
    const entries = buffer;
    buffer = [];
    await kysely.transaction().execute((trx) => appendAuditEntries(trx, entries));
    summary.auditEntries += entries.length;
    logBar.tick(entries.length);
  };
  let lastItem: Item | null = null;
  const itemAt = (index: number) => (lastItem?.index === index ? lastItem : (lastItem = datasetItem(shape, index)));
  let nextPeriod = 0;
  const produceDue = async (beforeMs: number) => {
    while (nextPeriod < periods.length && periods[nextPeriod].generatedMs <= beforeMs) {
      await flush();
      const p = periods[nextPeriod++];
      await produceReport(kysely, { frameworkCode: fw.code, period: parsePeriod('monthly', p.code)!, trigger: 'schedule', clock: clockFrom(p.generatedMs) });
      summary.reports += 1;
    }
  };
  for (let k = 0; k < events; k += 1) {
    const e = order[k];
    const ms = evMs[e];
    await produceDue(ms);
    const it = itemAt(evItem[e]);
    const kind = EVENT_KINDS[evKind[e]] as EventKind;
    const at = isoAt(ms);
    const creator = it.creator === null ? null : evaluator(it.creator);
    switch (kind) {
      case 'created':
        if (it.imported) {
          buffer.push({ actor: CLI_ACTOR, action: 'evidence.imported', entityType: 'evidence', entityId: it.id, contentJson: importedContent(it.item, fw.code, null), at });
        } else {
          buffer.push({
            actor: actorOf(creator!),
            action: it.supersedes !== null ? 'evidence.correction_created' : 'evidence.created',
            entityType: 'evidence',
            entityId: it.id,
            content: {
              status: it.draft ? 'draft' : 'submitted',
              supersedes: it.supersedes,
              item: { ...evidenceContentColumns(it.item), groups: it.item.groups, findings: it.item.findings },
              framework: fw.code,
              origin: 'desk',
              created_by: creator!.id,
              owner_delegation: creator!.delegation,
            },
            at,
          });
        }
        break;
      case 'correction_proposed':
        buffer.push({ actor: actorOf(creator!), action: 'evidence.correction_proposed', entityType: 'evidence', entityId: it.supersedes!, content: { correction: it.id }, at });
        break;
      case 'submitted':
        buffer.push({ actor: actorOf(creator!), action: 'evidence.submitted', entityType: 'evidence', entityId: it.id, content: {}, at });
        break;
      case 'verified':
      case 'rejected': {
        const review = it.review!;
        buffer.push({ actor: actorOf(reviewer(review.reviewer)), action: `evidence.${kind}`, entityType: 'evidence', entityId: it.id, content: review.reason ? { reason: review.reason } : {}, at });
        break;
      }
      case 'superseded':
        buffer.push({ actor: actorOf(reviewer(it.review!.reviewer)), action: 'evidence.superseded', entityType: 'evidence', entityId: it.supersedes!, content: { by: it.id }, at });
        break;
      case 'retracted':
        buffer.push({ actor: actorOf(reviewer(it.retract!.reviewer)), action: 'evidence.retracted', entityType: 'evidence', entityId: it.id, content: { reason: it.retract!.reason }, at });
        break;
    }
    if (buffer.length >= AUDIT_TRANSACTION_ENTRIES) await flush();
  }
  await produceDue(Number.POSITIVE_INFINITY);
  await flush();
  logBar.done(`${fmtNumber(summary.auditEntries, 0)} entries from the evidence, ${summary.reports} monthly reports`);
  if (db.dialect === 'sqlite') await sql`pragma wal_checkpoint(TRUNCATE)`.execute(kysely);
  else await sql`analyze`.execute(kysely);
  summary.seconds = (nowMs() - started) / 1000;
  return summary;
}

async function main() {
  const { values } = parseArgs({
    options: {
      size: { type: 'string', default: '1000000' },
      seed: { type: 'string', default: '1' },
      reports: { type: 'string', default: '6' },
      db: { type: 'string' },
      verify: { type: 'boolean', default: false },
    },
  });
  const url = values.db ?? process.env.DATABASE_URL;
  if (!url) {
    process.stderr.write('usage: generate.ts --size FINDINGS [--seed N] [--reports MONTHS] [--verify] --db URL (an empty database)\n');
    process.exit(2);
  }
  const db = await openDatabase(url);
  try {
    const summary = await generateDatabase(db, { findings: Number(values.size), seed: Number(values.seed), reportMonths: Number(values.reports) });
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    if (values.verify) {
      const t0 = nowMs();
      const result = await verifyAudit(db.kysely);
      const ok = result.chain.ok && result.live?.ok;
      process.stderr.write(`audit verify: ${ok ? 'intact' : 'NOT intact'} in ${((nowMs() - t0) / 1000).toFixed(1)} s\n`);
      if (!ok) {
        process.stderr.write(`${JSON.stringify(result.chain.ok ? result.live : result.chain)}\n`);
        process.exitCode = 1;
      }
    }
  } finally {
    await db.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`generate failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  });
}
