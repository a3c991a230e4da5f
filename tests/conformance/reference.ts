// An independent reference implementation of METHODOLOGY.md (v1), written from the published text only.
// It reads the RAW import file (snake_case, as in INTERFACES.md "Import file") and applies the documented
// defaults itself, then returns the scorecard JSON exactly as INTERFACES.md "Scorecard" specifies.
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
  methodology: 'v1';
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

interface BenchmarkPoint {
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
  for (const e of evidence) {
    if (!itemCounts(e, t, kMs)) continue;
    for (const f of e.findings) {
      if (f.benchmark !== b.code) continue;
      const age = wholeDays(e.observed_on, t);
      const decay = Math.pow(2, -age / halfLife);
      const w = RELIABILITY[e.source_reliability] * CREDIBILITY[e.credibility] * decay * groupFactor(perspective, e.groups ?? []);
      W += w;
      V += w * findingValue(b, f);
      n += 1;
    }
  }
  const mu = (kappa * 0.5 + V) / (kappa + W);
  const sigma = Math.sqrt((mu * (1 - mu)) / (kappa + W + 1));
  const confidence: Confidence = W >= 8 ? 'high' : W >= 3 ? 'medium' : W >= theta ? 'low' : 'none';
  return {
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

interface Snapshot {
  overall: { score: number | null; status: Status; coverage: number };
  pillars: {
    code: string;
    score: number | null;
    status: Status;
    coverage: number;
    benchmarks: { code: string; point: BenchmarkPoint }[];
  }[];
}

function snapshot(fw: RawFramework, evidence: RawEvidence[], t: string, kMs: number, perspective: RawPerspective | null): Snapshot {
  const pillars = fw.pillars.map((p) => {
    const benchmarks = p.benchmarks.map((b) => ({ code: b.code, weight: b.weight ?? 1, point: benchmarkAt(fw, b, evidence, t, kMs, perspective) }));
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
    return { code: p.code, score, status, coverage, benchmarks: benchmarks.map((b) => ({ code: b.code, point: b.point })) };
  });

  const pw = perspective?.pillar_weights ?? {};
  const pi = (code: string) => (Object.prototype.hasOwnProperty.call(pw, code) ? pw[code] : 1);
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

export function referenceScorecard(file: RawImportFile, query: ReferenceQuery): ReferenceScorecard {
  const fw = file.framework;
  const evidence = file.evidence ?? [];
  const perspectiveCode = query.perspective ?? 'JOINT';
  let perspective: RawPerspective | null = null;
  if (perspectiveCode !== 'JOINT') {
    perspective = (fw.perspectives ?? []).find((p) => p.code === perspectiveCode) ?? null;
    if (perspective === null) throw new Error(`unknown perspective ${perspectiveCode}`);
  }
  const knownAt = normaliseKnownAt(query.knownAt);
  const kMs = Date.parse(knownAt);
  const t = query.asOf;
  const now = snapshot(fw, evidence, t, kMs, perspective);
  const before = snapshot(fw, evidence, daysBefore(t, 90), kMs, perspective);

  const bandIf = (score: number | null, status: Status): Band | null => (status === 'assessed' && score !== null ? band(score) : null);

  return {
    framework: fw.code,
    methodology: 'v1',
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
          return {
            code: b.code,
            score: x.score,
            low: x.low,
            high: x.high,
            evidence_weight: x.W,
            findings: x.n,
            status: x.status,
            band: bandIf(x.score, x.status),
            confidence: x.confidence,
            trend: trend(x, x0),
          };
        }),
      };
    }),
  };
}
