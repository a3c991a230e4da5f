// An independent reference implementation of METHODOLOGY.md (v1.1), written from the published text only.
// It reads the RAW import file (snake_case, as in INTERFACES.md "Import file") and applies the documented
// defaults itself, then returns the scorecard JSON exactly as INTERFACES.md "Scorecard" specifies, and the
// explanation JSON of INTERFACES.md "Explanation" (section 9, from the general weighted-mean formula).
// Deliberately plain: one function per section of the methodology, no shared code with src/.

// ---------------------------------------------------------------- raw import-file shapes (INTERFACES.md)

export interface RawBenchmark {
  code: string;
  title: string;
  kind: 'assessment' | 'indicator';
  weight?: number;
  half_life_days?: number;
  baseline?: number;
  target?: number;
  unit?: string;
  description?: string;
}

export interface RawPillar {
  code: string;
  name: string;
  description?: string;
  benchmarks: RawBenchmark[];
}

export interface RawPerspective {
  code: string;
  name: string;
  description?: string;
  pillar_weights?: Record<string, number>;
  group_weights?: Record<string, number>;
}

export interface RawFramework {
  code: string;
  name: string;
  subject?: string;
  description?: string;
  prior_strength?: number;
  assessed_threshold?: number;
  groups?: { code: string; name: string; description?: string }[];
  pillars: RawPillar[];
  perspectives?: RawPerspective[];
}

export interface RawFinding {
  benchmark: string;
  stance?: number;
  value?: number;
}

export interface RawEvidence {
  ref: string;
  title: string;
  observed_on: string;
  source_reliability: 'A' | 'B' | 'C' | 'D' | 'E' | 'F';
  credibility: number;
  groups?: string[];
  tlp?: string;
  findings: RawFinding[];
  verified_at?: string | null;
  retracted_at?: string | null;
  [other: string]: unknown;
}

export interface RawImportFile {
  framework: RawFramework;
  evidence?: RawEvidence[];
}

// ---------------------------------------------------------------- scorecard JSON (INTERFACES.md)

export type Status = 'assessed' | 'not_assessed';
export type Band = 'compliant' | 'largely_compliant' | 'partially_compliant' | 'non_compliant';
export type Confidence = 'high' | 'medium' | 'low' | 'none';
export type Direction = 'improving' | 'deteriorating' | 'stable';
export type Kind = 'new' | 'aged' | 'removed';

export interface Trend {
  delta: number | null;
  direction: Direction | null;
}

export interface BenchmarkCard {
  code: string;
  score: number;
  low: number;
  high: number;
  evidence_weight: number;
  findings: number;
  status: Status;
  band: Band | null;
  confidence: Confidence;
  trend: Trend;
  stale: boolean;
  last_observed_on: string | null;
  trend_driver: Kind | null;
}

export interface PillarCard {
  code: string;
  score: number | null;
  status: Status;
  band: Band | null;
  coverage: number;
  trend: Trend;
  benchmarks: BenchmarkCard[];
}

export interface ReferenceScorecard {
  framework: string;
  methodology: 'v1.1';
  as_of: string;
  known_at: string;
  perspective: string;
  overall: { score: number | null; status: Status; band: Band | null; coverage: number; trend: Trend };
  pillars: PillarCard[];
}

// ---------------------------------------------------------------- constants (METHODOLOGY.md section 3)

const RELIABILITY: Record<string, number> = { A: 1.0, B: 0.8, C: 0.6, D: 0.3, E: 0.1, F: 0.5 };
const CREDIBILITY: Record<number, number> = { 1: 1.0, 2: 0.8, 3: 0.6, 4: 0.3, 5: 0.1, 6: 0.5 };
const Z80 = 1.2816;
const DAY_MS = 24 * 60 * 60 * 1000;

// ---------------------------------------------------------------- dates

/** Milliseconds of midnight UTC of a YYYY-MM-DD day. */
function dayMs(date: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
  if (!m) throw new Error(`not a date: ${date}`);
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
}

/** The day `days` days before `date`. */
export function daysBefore(date: string, days: number): string {
  return new Date(dayMs(date) - days * DAY_MS).toISOString().slice(0, 10);
}

/** Whole days from `from` to `to` (both YYYY-MM-DD). */
function wholeDays(from: string, to: string): number {
  return Math.round((dayMs(to) - dayMs(from)) / DAY_MS);
}

/** Known-at as the product shows it: a date means the end of that day UTC; an instant is normalised to UTC. */
export function normaliseKnownAt(knownAt: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(knownAt)) return `${knownAt}T23:59:59.999Z`;
  const ms = Date.parse(knownAt);
  if (Number.isNaN(ms)) throw new Error(`not an instant: ${knownAt}`);
  return new Date(ms).toISOString();
}

/** An import-file instant (ISO-8601 with zone, or a bare date meaning 00:00Z) in milliseconds. */
function instantMs(s: string): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return dayMs(s);
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) throw new Error(`not an instant: ${s}`);
  return ms;
}

// ---------------------------------------------------------------- section 2: one finding's value

function findingValue(b: RawBenchmark, f: RawFinding): number {
  if (b.kind === 'assessment') return ((f.stance as number) + 2) / 4;
  const B = b.baseline as number;
  const T = b.target as number;
  const raw = ((f.value as number) - B) / (T - B);
  return Math.min(1, Math.max(0, raw));
}

// ---------------------------------------------------------------- section 3: group factor

function groupFactor(perspective: RawPerspective | null, tags: string[]): number {
  if (perspective === null) return 1; // JOINT
  if (tags.length === 0) return 1;
  const gw = perspective.group_weights ?? {};
  let g = -Infinity;
  for (const tag of tags) {
    const w = Object.prototype.hasOwnProperty.call(gw, tag) ? gw[tag] : 1;
    if (w > g) g = w;
  }
  return g;
}

// ---------------------------------------------------------------- section 4: which items count

function itemCounts(e: RawEvidence, t: string, kMs: number): boolean {
  if (dayMs(e.observed_on) > dayMs(t)) return false;
  if (e.verified_at == null) return false; // awaiting review
  if (instantMs(e.verified_at) > kMs) return false;
  if (e.retracted_at != null && instantMs(e.retracted_at) <= kMs) return false;
  return true;
}

// ---------------------------------------------------------------- section 5: benchmark

/** One finding that counts at a view: which item and position, its weight w and value v. */
interface CountedPart {
  ref: string;
  finding: number;
  observed_on: string;
  w: number;
  v: number;
}

interface BenchmarkPoint {
  parts: CountedPart[];
  kappa: number;
  score: number;
  low: number;
  high: number;
  W: number;
  n: number;
  status: Status;
  confidence: Confidence;
}

function band(score: number): Band {
  if (score >= 80) return 'compliant';
  if (score >= 60) return 'largely_compliant';
  if (score >= 40) return 'partially_compliant';
  return 'non_compliant';
}

function benchmarkAt(
  fw: RawFramework,
  b: RawBenchmark,
  evidence: RawEvidence[],
  t: string,
  kMs: number,
  perspective: RawPerspective | null,
): BenchmarkPoint {
  const kappa = fw.prior_strength ?? 2;
  const theta = fw.assessed_threshold ?? 1;
  const halfLife = b.half_life_days ?? 180;
  let W = 0;
  let V = 0;
  let n = 0;
  const parts: CountedPart[] = [];
  for (const e of evidence) {
    if (!itemCounts(e, t, kMs)) continue;
    e.findings.forEach((f, position) => {
      if (f.benchmark !== b.code) return;
      const age = wholeDays(e.observed_on, t);
      const decay = Math.pow(2, -age / halfLife);
      const w = RELIABILITY[e.source_reliability] * CREDIBILITY[e.credibility] * decay * groupFactor(perspective, e.groups ?? []);
      const v = findingValue(b, f);
      W += w;
      V += w * v;
      n += 1;
      parts.push({ ref: e.ref, finding: position, observed_on: e.observed_on, w, v });
    });
  }
  const mu = (kappa * 0.5 + V) / (kappa + W);
  const sigma = Math.sqrt((mu * (1 - mu)) / (kappa + W + 1));
  const confidence: Confidence = W >= 8 ? 'high' : W >= 3 ? 'medium' : W >= theta ? 'low' : 'none';
  return {
    parts,
    kappa,
    score: 100 * mu,
    low: 100 * Math.max(0, mu - Z80 * sigma),
    high: 100 * Math.min(1, mu + Z80 * sigma),
    W,
    n,
    status: W >= theta ? 'assessed' : 'not_assessed',
    confidence,
  };
}

function trend(now: { score: number | null; status: Status }, before: { score: number | null; status: Status }): Trend {
  if (now.status !== 'assessed' || before.status !== 'assessed' || now.score === null || before.score === null) {
    return { delta: null, direction: null };
  }
  const delta = now.score - before.score;
  return { delta, direction: delta >= 5 ? 'improving' : delta <= -5 ? 'deteriorating' : 'stable' };
}

// ---------------------------------------------------------------- sections 6 and 7 at one date

/** pi (section 7): the perspective's pillar weight, 1 when not listed and always 1 under JOINT. */
function pillarWeightOf(perspective: RawPerspective | null, code: string): number {
  const pw = perspective?.pillar_weights ?? {};
  return Object.prototype.hasOwnProperty.call(pw, code) ? pw[code] : 1;
}

interface Snapshot {
  overall: { score: number | null; status: Status; coverage: number };
  pillars: {
    code: string;
    pi: number;
    score: number | null;
    status: Status;
    coverage: number;
    benchmarks: { code: string; weight: number; halfLife: number; point: BenchmarkPoint }[];
  }[];
}

function snapshot(fw: RawFramework, evidence: RawEvidence[], t: string, kMs: number, perspective: RawPerspective | null): Snapshot {
  const pillars = fw.pillars.map((p) => {
    const benchmarks = p.benchmarks.map((b) => ({
      code: b.code,
      weight: b.weight ?? 1,
      halfLife: b.half_life_days ?? 180,
      point: benchmarkAt(fw, b, evidence, t, kMs, perspective),
    }));
    const all = benchmarks.reduce((s, b) => s + b.weight, 0);
    const assessed = benchmarks.filter((b) => b.point.status === 'assessed');
    const aw = assessed.reduce((s, b) => s + b.weight, 0);
    const coverage = aw / all;
    let score: number | null = null;
    let status: Status = 'not_assessed';
    if (assessed.length > 0) {
      score = assessed.reduce((s, b) => s + b.weight * b.point.score, 0) / aw;
      status = coverage >= 0.5 ? 'assessed' : 'not_assessed';
    }
    return { code: p.code, pi: pillarWeightOf(perspective, p.code), score, status, coverage, benchmarks };
  });

  const pi = (code: string) => pillarWeightOf(perspective, code);
  const all = pillars.reduce((s, p) => s + pi(p.code), 0);
  const P = pillars.filter((p) => p.status === 'assessed');
  const pwSum = P.reduce((s, p) => s + pi(p.code), 0);
  const coverage = pwSum / all;
  let score: number | null = null;
  let status: Status = 'not_assessed';
  if (P.length > 0) {
    score = P.reduce((s, p) => s + pi(p.code) * (p.score as number), 0) / pwSum;
    status = coverage >= 0.5 ? 'assessed' : 'not_assessed';
  }
  return { overall: { score, status, coverage }, pillars };
}

// ---------------------------------------------------------------- the scorecard

export interface ReferenceQuery {
  asOf: string;
  /** YYYY-MM-DD (end of that day UTC) or an ISO-8601 instant */
  knownAt: string;
  /** defaults to JOINT */
  perspective?: string;
}

function perspectiveOf(fw: RawFramework, code: string): RawPerspective | null {
  if (code === 'JOINT') return null;
  const found = (fw.perspectives ?? []).find((p) => p.code === code);
  if (!found) throw new Error(`unknown perspective ${code}`);
  return found;
}

/** Marks a reference trend_driver that another conforming implementation may legitimately pick differently. */
const AMBIGUOUS = 1e-9;

export function referenceScorecard(file: RawImportFile, query: ReferenceQuery): ReferenceScorecard {
  const fw = file.framework;
  const evidence = file.evidence ?? [];
  const perspectiveCode = query.perspective ?? 'JOINT';
  const perspective = perspectiveOf(fw, perspectiveCode);
  const knownAt = normaliseKnownAt(query.knownAt);
  const kMs = Date.parse(knownAt);
  const t = query.asOf;
  const now = snapshot(fw, evidence, t, kMs, perspective);
  const before = snapshot(fw, evidence, daysBefore(t, 90), kMs, perspective);

  const bandIf = (score: number | null, status: Status): Band | null => (status === 'assessed' && score !== null ? band(score) : null);

  return {
    framework: fw.code,
    methodology: 'v1.1',
    as_of: t,
    known_at: knownAt,
    perspective: perspectiveCode,
    overall: {
      score: now.overall.score,
      status: now.overall.status,
      band: bandIf(now.overall.score, now.overall.status),
      coverage: now.overall.coverage,
      trend: trend(now.overall, before.overall),
    },
    pillars: now.pillars.map((p, i) => {
      const p0 = before.pillars[i];
      return {
        code: p.code,
        score: p.score,
        status: p.status,
        band: bandIf(p.score, p.status),
        coverage: p.coverage,
        trend: trend(p, p0),
        benchmarks: p.benchmarks.map((b, j) => {
          const x = b.point;
          const x0 = p0.benchmarks[j].point;
          const tr = trend(x, x0);
          // section 10: the newest counted finding (dates compare as strings in YYYY-MM-DD)
          let last: string | null = null;
          for (const part of x.parts) if (last === null || part.observed_on > last) last = part.observed_on;
          const stale = x.status === 'assessed' && last !== null && wholeDays(last, t) > b.halfLife;
          // trend_driver: section 9 from (t - 90, k) to (t, k), summed by kind
          let driver: Kind | null = null;
          let ambiguous = false;
          if (tr.delta !== null && tr.delta !== 0) {
            const sums = splitBenchmark(x0, x).byKind;
            const order: Kind[] = ['new', 'removed', 'aged'];
            const sizes = order.map((kind) => Math.abs(sums[kind]));
            const best = Math.max(...sizes);
            driver = order[sizes.indexOf(best)];
            ambiguous = sizes.filter((size) => best - size < AMBIGUOUS).length > 1 || Math.abs(tr.delta) < AMBIGUOUS;
          }
          const card: BenchmarkCard = {
            code: b.code,
            score: x.score,
            low: x.low,
            high: x.high,
            evidence_weight: x.W,
            findings: x.n,
            status: x.status,
            band: bandIf(x.score, x.status),
            confidence: x.confidence,
            trend: tr,
            stale,
            last_observed_on: last,
            trend_driver: driver,
          };
          if (ambiguous) Object.defineProperty(card, 'ambiguousDriver', { value: true, enumerable: false });
          return card;
        }),
      };
    }),
  };
}

// ---------------------------------------------------------------- section 9: explaining a change

export interface ReferenceExplainQuery {
  from: { asOf: string; knownAt: string };
  to: { asOf: string; knownAt: string };
  /** defaults to JOINT */
  perspective?: string;
}

export interface ReferenceExplanation {
  framework: string;
  methodology: 'v1.1';
  perspective: string;
  from: { as_of: string; known_at: string };
  to: { as_of: string; known_at: string };
  overall: { from: number | null; to: number | null; change: number | null; contributions: { pillar: string; points: number }[] };
  pillars: { code: string; from: number | null; to: number | null; change: number | null; contributions: { benchmark: string; points: number }[] }[];
  benchmarks: {
    code: string;
    from: number;
    to: number;
    change: number;
    by_kind: Record<Kind, number>;
    contributions: { ref: string; finding: number; kind: Kind; points: number }[];
  }[];
}

/** One component j of a weighted mean M = sum(a_j x_j) / sum(a_j) at views A and B (a = 0 where it does not count). */
interface MeanComponent<T> {
  id: T;
  aA: number;
  xA: number;
  aB: number;
  xB: number;
}

/** c_j = (a_j^B x_j^B - a_j^A x_j^A - (a_j^B - a_j^A) M_A) / sum(a^B), straight from section 9. */
function contributionsOf<T>(components: MeanComponent<T>[], meanA: number): { id: T; points: number }[] {
  const sumB = components.reduce((s, c) => s + c.aB, 0);
  return components.map((c) => ({ id: c.id, points: (c.aB * c.xB - c.aA * c.xA - (c.aB - c.aA) * meanA) / sumB }));
}

/** A benchmark's change from A to B over its components: the prior (a = kappa, x = 50 points) and every finding. */
function splitBenchmark(A: BenchmarkPoint, B: BenchmarkPoint) {
  type Id = { ref: string; finding: number; kind: Kind } | 'prior';
  const key = (p: CountedPart) => JSON.stringify([p.ref, p.finding]);
  const atA = new Map(A.parts.map((p) => [key(p), p]));
  const atB = new Map(B.parts.map((p) => [key(p), p]));
  const keys = [...new Set([...atA.keys(), ...atB.keys()])];
  const components: MeanComponent<Id>[] = [{ id: 'prior', aA: A.kappa, xA: 50, aB: B.kappa, xB: 50 }];
  for (const k of keys) {
    const a = atA.get(k);
    const b = atB.get(k);
    const some = (a ?? b)!;
    const kind: Kind = a && b ? 'aged' : b ? 'new' : 'removed';
    components.push({ id: { ref: some.ref, finding: some.finding, kind }, aA: a?.w ?? 0, xA: 100 * some.v, aB: b?.w ?? 0, xB: 100 * some.v });
  }
  const parts = contributionsOf(components, A.score);
  const byKind: Record<Kind, number> = { new: 0, aged: 0, removed: 0 };
  const findings: { ref: string; finding: number; kind: Kind; points: number }[] = [];
  for (const part of parts) {
    if (part.id === 'prior') continue; // always 0
    byKind[part.id.kind] += part.points;
    findings.push({ ...part.id, points: part.points });
  }
  return { byKind, findings };
}

const bySize = <T extends { points: number }>(list: T[]): T[] => list.filter((c) => c.points !== 0).sort((a, b) => Math.abs(b.points) - Math.abs(a.points));

export function referenceExplanation(file: RawImportFile, query: ReferenceExplainQuery): ReferenceExplanation {
  const fw = file.framework;
  const evidence = file.evidence ?? [];
  const perspectiveCode = query.perspective ?? 'JOINT';
  const perspective = perspectiveOf(fw, perspectiveCode);
  const knownA = normaliseKnownAt(query.from.knownAt);
  const knownB = normaliseKnownAt(query.to.knownAt);
  const A = snapshot(fw, evidence, query.from.asOf, Date.parse(knownA), perspective);
  const B = snapshot(fw, evidence, query.to.asOf, Date.parse(knownB), perspective);

  const benchmarks: ReferenceExplanation['benchmarks'] = [];
  const pillars = B.pillars.map((pB, i) => {
    const pA = A.pillars[i];
    pB.benchmarks.forEach((bB, j) => {
      const bA = pA.benchmarks[j];
      const split = splitBenchmark(bA.point, bB.point);
      benchmarks.push({
        code: bB.code,
        from: bA.point.score,
        to: bB.point.score,
        change: bB.point.score - bA.point.score,
        by_kind: split.byKind,
        contributions: bySize(split.findings),
      });
    });
    if (pA.score === null || pB.score === null) return { code: pB.code, from: pA.score, to: pB.score, change: null, contributions: [] };
    const parts = contributionsOf(
      pB.benchmarks.map((bB, j) => {
        const bA = pA.benchmarks[j];
        return {
          id: bB.code,
          aA: bA.point.status === 'assessed' ? bA.weight : 0,
          xA: bA.point.score,
          aB: bB.point.status === 'assessed' ? bB.weight : 0,
          xB: bB.point.score,
        };
      }),
      pA.score,
    );
    return { code: pB.code, from: pA.score, to: pB.score, change: pB.score - pA.score, contributions: bySize(parts.map((p) => ({ benchmark: p.id, points: p.points }))) };
  });

  let overall: ReferenceExplanation['overall'] = { from: A.overall.score, to: B.overall.score, change: null, contributions: [] };
  if (A.overall.score !== null && B.overall.score !== null) {
    const parts = contributionsOf(
      B.pillars.map((pB, i) => {
        const pA = A.pillars[i];
        return {
          id: pB.code,
          aA: pA.status === 'assessed' ? pA.pi : 0,
          xA: pA.score ?? 0,
          aB: pB.status === 'assessed' ? pB.pi : 0,
          xB: pB.score ?? 0,
        };
      }),
      A.overall.score,
    );
    overall = {
      from: A.overall.score,
      to: B.overall.score,
      change: B.overall.score - A.overall.score,
      contributions: bySize(parts.map((p) => ({ pillar: p.id, points: p.points }))),
    };
  }

  return {
    framework: fw.code,
    methodology: 'v1.1',
    perspective: perspectiveCode,
    from: { as_of: query.from.asOf, known_at: knownA },
    to: { as_of: query.to.asOf, known_at: knownB },
    overall,
    pillars,
    benchmarks,
  };
}
