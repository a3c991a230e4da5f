// The benchmark data set, as pure data: a deterministic description of every evidence item of a database with
// `findings` findings over three years (default 1,000,000 findings ≈ 300,000 items), and of every event in its
// life (created, submitted, verified, rejected, retracted, corrected and superseded), from which generate.ts
// writes the rows and the tamper-evident log. Item i is a function of (seed, i) alone, so the writer can compute
// an item again when it needs it instead of keeping 300,000 of them in memory.
//
// The mix (per item): ~20% imported in batches of 50 (most verified by the import, some retracted, some awaiting
// review), ~80% logged at the desk by one of ten evaluators of five delegations (~6% as drafts first), reviewed
// by one of three reviewers within hours to ten days (~89% verified, ~8% rejected, the rest still waiting at the
// end), ~3% of verified items retracted later, ~2.5% corrected by a later item (verified corrections supersede the
// original); TLP 10% CLEAR, 35% GREEN, 45% AMBER, 10% RED; 0–2 group tags; 1–6 findings (mean ≈ 3.34) on distinct
// benchmarks with stances and values that drift over time, so scores move.

import type { ImportBenchmark, ImportEvidence, ImportFramework, Tlp } from '../src/framework/import-types';
import type { SourceReliability } from '../src/scoring/types';
import { mulberry32 } from './harness';

/** Bump when the data set's shape changes: cached databases of another version are not reused. */
export const DATASET_VERSION = 1;

/** The last day of the data set. Fixed, so the data set is the same whatever day it is generated. */
export const DATASET_END = '2026-11-15';
export const SPAN_DAYS = 3 * 365 + 1;
const DAY = 86_400_000;
export const END_MS = Date.parse(`${DATASET_END}T23:59:59.999Z`);
export const START_MS = END_MS + 1 - SPAN_DAYS * DAY;
export const DATASET_START = new Date(START_MS).toISOString().slice(0, 10);

export const FINDINGS_PER_ITEM = 3.34;
const FINDING_COUNT_WEIGHTS = [0.12, 0.2, 0.24, 0.2, 0.14, 0.1]; // 1..6 findings
const BLOCK = 250;
const IMPORTED_PER_BLOCK = 50;
/** a correction of item j corrects item j - CORRECTION_DISTANCE (if that one qualifies) */
const CORRECTION_DISTANCE = 997;

export const BENCH_PASSWORD = 'bench passphrase: four states, one long border';

export interface BenchUser {
  key: string;
  email: string;
  name: string;
  role: 'viewer' | 'evaluator' | 'reviewer' | 'admin';
  delegation: string | null;
}

/** The accounts of the data set (created through the app's createUser, all with BENCH_PASSWORD). */
export function benchUsers(): BenchUser[] {
  const users: BenchUser[] = [];
  for (const d of ['PAK', 'CHN', 'RUS', 'IRN', 'SEC']) {
    for (const n of [1, 2]) users.push({ key: `eval-${d}-${n}`, email: `eval.${d.toLowerCase()}.${n}@bench.example`, name: `Evaluator ${d} ${n}`, role: 'evaluator', delegation: d });
  }
  for (const d of ['SEC', 'PAK', 'CHN']) users.push({ key: `rev-${d}`, email: `rev.${d.toLowerCase()}@bench.example`, name: `Reviewer ${d}`, role: 'reviewer', delegation: d });
  users.push({ key: 'admin', email: 'admin@bench.example', name: 'Bench Admin', role: 'admin', delegation: 'SEC' });
  users.push({ key: 'viewer', email: 'viewer.pak@bench.example', name: 'Bench Viewer PAK', role: 'viewer', delegation: 'PAK' });
  return users;
}
export const EVALUATORS = benchUsers().filter((u) => u.role === 'evaluator');
export const REVIEWERS = benchUsers().filter((u) => u.role === 'reviewer');

export function itemCountFor(findings: number): number {
  return Math.max(1, Math.round(findings / FINDINGS_PER_ITEM));
}

// ---- per-item randomness ------------------------------------------------------------------------------------

function itemRandom(seed: number, i: number): () => number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(i + 1, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return mulberry32(h >>> 0);
}

const VERBS = ['Raid reported on', 'Arrests of suspected members of', 'Checkpoint handover involving', 'Intelligence note on', 'Training camp dismantled, linked to', 'Cross-border infiltration attributed to', 'Financing channel of', 'Statement by authorities on', 'Recruitment network of', 'Weapons cache attributed to'];
const PLACES_FALLBACK = ['Kabul', 'Kandahar', 'Nangarhar', 'Khost', 'Kunar'];
const SOURCES = ['UN Monitoring Team report', 'Embassy cable', 'Provincial police statement', 'Open-source media monitoring', 'Joint border commission minutes', 'NGO field report', 'Satellite imagery analysis', 'Liaison officer debrief'];
const SENTENCES = [
  'The authorities say the operation was carried out by their own forces without outside help.',
  'Local sources confirm the account in part; the number of detainees could not be verified.',
  'The group denied any presence in the area in a statement on its channels.',
  'Border officials on both sides recorded the incident in the joint log.',
  'The report relies on a single human source with a good record.',
  'Satellite imagery shows new construction at the site since the previous pass.',
  'The figures were compiled from the provincial reports of the month.',
  'Several commanders named in earlier lists were seen at the gathering.',
];
const REJECT_REASONS = ['Duplicate of an item already verified', 'Source cannot be traced', 'Findings do not follow from the summary'];
const RETRACT_REASONS = ['The source withdrew the report', 'Imagery was misdated', 'Later evidence contradicts the account'];
const TLP_TABLE: [Tlp, number][] = [['CLEAR', 0.1], ['GREEN', 0.35], ['AMBER', 0.45], ['RED', 0.1]];
const RELIABILITY: SourceReliability[] = ['A', 'B', 'B', 'B', 'C', 'C', 'C', 'D', 'E', 'F'];
const TLP_ORDER: Tlp[] = ['CLEAR', 'GREEN', 'AMBER', 'RED'];

function weighted<T>(rand: () => number, table: [T, number][]): T {
  let r = rand();
  for (const [v, w] of table) {
    if (r < w) return v;
    r -= w;
  }
  return table[table.length - 1][0];
}

const isoAt = (ms: number) => new Date(ms).toISOString();
const dayOf = (ms: number) => isoAt(ms).slice(0, 10);

/** What an item is, before corrections are matched up. */
export interface BaseItem {
  index: number;
  id: number;
  imported: boolean;
  createdMs: number;
  item: ImportEvidence;
  /** desk items: the evaluator (index into EVALUATORS) */
  creator: number | null;
  /** desk: created as a draft, submitted at submitMs (null: still a draft) */
  draft: boolean;
  submitMs: number | null;
  /** review by a reviewer (index into REVIEWERS); null: not reviewed (yet) */
  review: { ms: number; reviewer: number; verdict: 'verify' | 'reject'; reason: string | null } | null;
  retract: { ms: number; reviewer: number; reason: string } | null;
  /** rolled a correction: becomes one if the item CORRECTION_DISTANCE earlier qualifies */
  wantsCorrection: boolean;
}

export interface DatasetShape {
  framework: ImportFramework;
  benchmarks: ImportBenchmark[];
  groups: string[];
  locations: string[];
  items: number;
  seed: number;
}

export function datasetShape(framework: ImportFramework, findings: number, seed: number): DatasetShape {
  return {
    framework,
    benchmarks: framework.pillars.flatMap((p) => p.benchmarks),
    groups: framework.groups.map((g) => g.code),
    locations: framework.locations?.length ? framework.locations : PLACES_FALLBACK,
    items: itemCountFor(findings),
    seed,
  };
}

/** When item i is created: blocks of BLOCK items spread evenly over the span; the imported part of a block at its start. */
function createdMsOf(shape: DatasetShape, i: number, rand: () => number): { ms: number; imported: boolean } {
  const blocks = Math.ceil(shape.items / BLOCK);
  const blockMs = (SPAN_DAYS * DAY - DAY) / blocks;
  const b = Math.floor(i / BLOCK);
  const k = i % BLOCK;
  const blockStart = START_MS + b * blockMs;
  if (k < IMPORTED_PER_BLOCK) return { ms: Math.floor(blockStart), imported: true };
  // desk items after the import, in index order (ids follow creation order)
  const slot = blockMs / (BLOCK - IMPORTED_PER_BLOCK + 1);
  return { ms: Math.floor(blockStart + (k - IMPORTED_PER_BLOCK + 1) * slot + rand() * slot * 0.5), imported: false };
}

/** A stance/value drift per benchmark over time, so trends and changes are not flat. */
function drift(benchmarkIndex: number, ms: number): number {
  const years = (ms - START_MS) / (365 * DAY);
  return Math.sin(years * 2.1 + benchmarkIndex * 0.9) * 0.8 + (benchmarkIndex % 3 === 0 ? years * 0.25 : -years * 0.1);
}

export function baseItem(shape: DatasetShape, i: number): BaseItem {
  const rand = itemRandom(shape.seed, i);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)];
  const { ms: createdMs, imported } = createdMsOf(shape, i, rand);
  const lagDays = Math.floor(rand() * rand() * 45);
  const observedOn = dayOf(createdMs - lagDays * DAY);
  let roll = rand();
  let findingCount = 1;
  for (const w of FINDING_COUNT_WEIGHTS) {
    if (roll < w) break;
    roll -= w;
    findingCount += 1;
  }
  findingCount = Math.min(FINDING_COUNT_WEIGHTS.length, findingCount);
  const chosen = new Set<number>();
  while (chosen.size < findingCount) chosen.add(Math.floor(rand() * shape.benchmarks.length));
  const findings = [...chosen].map((k) => {
    const b = shape.benchmarks[k];
    const d = drift(k, createdMs);
    if (b.kind === 'assessment') {
      const stance = Math.max(-2, Math.min(2, Math.round(d + (rand() + rand() + rand() - 1.5) * 1.6)));
      return { benchmark: b.code, stance, value: null };
    }
    const u = 0.5 + d * 0.3 + (rand() - 0.5) * 0.6;
    return { benchmark: b.code, stance: null, value: Math.round((b.baseline! + (b.target! - b.baseline!) * u) * 10) / 10 };
  });
  const groupRoll = rand();
  const groups = groupRoll < 0.35 ? [] : groupRoll < 0.85 ? [pick(shape.groups)] : [...new Set([pick(shape.groups), pick(shape.groups)])];
  const place = pick(shape.locations);
  const groupName = groups.length ? shape.framework.groups.find((g) => g.code === groups[0])!.name : 'unattributed militants';
  const sentences = 1 + Math.floor(rand() * 3);
  const summary = Array.from({ length: sentences }, () => pick(SENTENCES)).join(' ');
  const tlp = weighted(rand, TLP_TABLE);
  const item: ImportEvidence = {
    ref: imported ? `imp-${String(i + 1).padStart(7, '0')}` : `D-${String(i + 1).padStart(7, '0')}`,
    title: `${pick(VERBS)} ${groupName} in ${place} (#${i + 1})`,
    summary,
    source: pick(SOURCES),
    url: rand() < 0.6 ? `https://example.org/bench/${i + 1}` : null,
    observedOn,
    sourceReliability: pick(RELIABILITY),
    credibility: 1 + Math.floor(rand() * 6),
    groups,
    tlp,
    location: rand() < 0.4 ? place : null,
    findings,
    verifiedAt: null,
    retractedAt: null,
  };
  const base: BaseItem = { index: i, id: i + 1, imported, createdMs, item, creator: null, draft: false, submitMs: null, review: null, retract: null, wantsCorrection: false };
  const reviewer = Math.floor(rand() * REVIEWERS.length);
  const reviewDelay = (0.1 + rand() * rand() * 10) * DAY;
  const verdictRoll = rand();
  const retractRoll = rand();
  const retractDelay = (20 + rand() * 280) * DAY;
  const correctionRoll = rand();
  if (imported) {
    const r = rand();
    if (r < 0.9) {
      item.verifiedAt = isoAt(createdMs - Math.floor(rand() * 3 * DAY) - 3_600_000);
      if (retractRoll < 0.03) item.retractedAt = isoAt(Date.parse(item.verifiedAt) + Math.floor((createdMs - Date.parse(item.verifiedAt)) * rand()));
    } else {
      // awaiting review: a reviewer handles it at the desk later
      base.review = { ms: createdMs + reviewDelay, reviewer, verdict: verdictRoll < 0.9 ? 'verify' : 'reject', reason: null };
    }
  } else {
    base.creator = Math.floor(rand() * EVALUATORS.length);
    base.draft = rand() < 0.06;
    base.submitMs = base.draft ? (rand() < 0.85 ? createdMs + (0.05 + rand() * 3) * DAY : null) : createdMs;
    if (base.submitMs !== null && rand() > 0.01) {
      base.review = { ms: base.submitMs + reviewDelay, reviewer, verdict: verdictRoll < 0.915 ? 'verify' : 'reject', reason: null };
    }
    base.wantsCorrection = correctionRoll < 0.025;
  }
  if (base.review) {
    if (base.review.verdict === 'reject') base.review.reason = REJECT_REASONS[Math.floor(rand() * REJECT_REASONS.length)];
    else if (retractRoll < 0.03) base.retract = { ms: base.review.ms + retractDelay, reviewer: (reviewer + 1) % REVIEWERS.length, reason: RETRACT_REASONS[Math.floor(rand() * RETRACT_REASONS.length)] };
  }
  // nothing happens after the end of the data set
  if (base.submitMs !== null && base.submitMs > END_MS) {
    base.submitMs = null;
    base.review = null;
  }
  if (base.review && base.review.ms > END_MS) base.review = null;
  if (base.retract && (!base.review || base.retract.ms > END_MS)) base.retract = null;
  return base;
}

/** A desk item verified (within the data set) and never retracted: can be corrected. */
function correctable(b: BaseItem): boolean {
  return !b.imported && !b.wantsCorrection && b.review?.verdict === 'verify' && b.retract === null;
}

export interface Item extends BaseItem {
  /** this item corrects item `supersedes` (an id) */
  supersedes: number | null;
  /** this item was superseded by a verified correction (its id) at that instant */
  supersededBy: { id: number; ms: number; reviewer: number } | null;
  /** a correction of this item was proposed (its id), whatever became of it */
  correctedBy: number | null;
}

/** Item i with corrections matched up: a correction needs its original verified an hour before it is logged. */
export function datasetItem(shape: DatasetShape, i: number): Item {
  const base = baseItem(shape, i);
  const out: Item = { ...base, supersedes: null, supersededBy: null, correctedBy: null };
  if (base.wantsCorrection && i >= CORRECTION_DISTANCE) {
    const original = baseItem(shape, i - CORRECTION_DISTANCE);
    if (correctable(original) && original.review!.ms + 3_600_000 < base.createdMs) correctionOf(out, original);
  }
  if (i + CORRECTION_DISTANCE < shape.items && correctable(base)) {
    const later = baseItem(shape, i + CORRECTION_DISTANCE);
    if (later.wantsCorrection && base.review!.ms + 3_600_000 < later.createdMs) {
      const correction: Item = { ...later, supersedes: null, supersededBy: null, correctedBy: null };
      correctionOf(correction, base);
      out.correctedBy = correction.id;
      if (correction.review?.verdict === 'verify') out.supersededBy = { id: correction.id, ms: correction.review.ms, reviewer: correction.review.reviewer };
    }
  }
  return out;
}

/** Turns `item` into a correction of `original`: same author and delegation, one finding changed, TLP kept or raised. */
function correctionOf(item: Item, original: BaseItem): void {
  item.supersedes = original.id;
  item.creator = original.creator;
  item.draft = false;
  item.submitMs = item.createdMs;
  item.retract = null;
  const findings = original.item.findings.map((f) => ({ ...f }));
  const first = findings[0];
  if (first.stance !== null) first.stance = first.stance >= 2 ? 1 : first.stance + 1;
  else first.value = Math.round((first.value! * 1.1 + 1) * 10) / 10;
  const tlp = TLP_ORDER[Math.max(TLP_ORDER.indexOf(original.item.tlp), TLP_ORDER.indexOf(item.item.tlp))];
  item.item = { ...original.item, ref: item.item.ref, title: `Correction: ${original.item.title}`, tlp, findings };
  if (item.review === null && item.createdMs + DAY < END_MS) item.review = { ms: item.createdMs + DAY / 2, reviewer: 0, verdict: 'verify', reason: null };
}

export type ItemStatus = 'draft' | 'submitted' | 'verified' | 'rejected' | 'retracted' | 'superseded';

/** The item's status at the end of the data set. */
export function finalStatus(item: Item): ItemStatus {
  if (item.supersededBy) return 'superseded';
  if (item.imported && item.item.retractedAt) return 'retracted';
  if (item.imported && item.item.verifiedAt) return 'verified';
  if (item.retract) return 'retracted';
  if (item.review) return item.review.verdict === 'verify' ? 'verified' : 'rejected';
  if (item.imported || item.submitMs !== null) return 'submitted';
  return 'draft';
}

export const EVENT_KINDS = ['created', 'submitted', 'verified', 'rejected', 'retracted', 'superseded', 'correction_proposed'] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

/** The item's log events as [ms, order within the item, kind]; proposals and supersessions are filed under the correction. */
export function itemEvents(item: Item): [number, number, EventKind][] {
  const out: [number, number, EventKind][] = [[item.createdMs, 0, 'created']];
  if (item.supersedes !== null) out.push([item.createdMs, 1, 'correction_proposed']);
  if (item.draft && item.submitMs !== null) out.push([item.submitMs, 2, 'submitted']);
  if (item.review) {
    out.push([item.review.ms, 3, item.review.verdict === 'verify' ? 'verified' : 'rejected']);
    if (item.supersedes !== null && item.review.verdict === 'verify') out.push([item.review.ms, 4, 'superseded']);
  }
  if (item.retract) out.push([item.retract.ms, 5, 'retracted']);
  return out;
}

export { isoAt };
