// The scoring engine of METHODOLOGY.md v1.1: framework + evidence + (t, k, perspective) -> scorecard.
// Pure: plain data in, plain data out. Evidence is indexed once per (k, perspective) and reused for many t.

import {
  benchmarkStatistics,
  bandIfAssessed,
  trendFor,
  weightedCoverageScore,
  type BenchmarkStatistics,
  type CoverageScore,
} from './aggregate';
import { METHODOLOGY_VERSION, SCORING_CONSTANTS } from './constants';
import { emptyKindSums, findingPoints, trendDriver } from './contributions';
import { dateOfDay, dayNumber, instantToMs, knownAtToMs, normalizeKnownAt } from './dates';
import {
  credibilityFactor,
  decayFactor,
  effectiveHalfLife,
  findingValue,
  findingWeight,
  groupFactor,
  isKnownAt,
  pillarWeight,
  reliabilityFactor,
  resolvePerspective,
} from './finding';
import type {
  BenchmarkScore,
  ChangeKind,
  KindSums,
  CountedFinding,
  PillarScore,
  Scorecard,
  ScoreQuery,
  ScoringBenchmark,
  ScoringEvidence,
  ScoringFramework,
} from './types';

/** The fixed parts of a scoring view: knowledge state k and perspective (t varies). */
export interface ScoringView {
  /** ISO-8601 instant, or a YYYY-MM-DD date meaning the end of that day UTC */
  knownAt: string;
  /** perspective code, 'JOINT' for the joint view */
  perspective: string;
}

/** A finding known at k, with everything about it that does not depend on t. */
interface IndexedFinding {
  evidenceId: string | number;
  /** position of the finding inside its item, for a stable order */
  findingIndex: number;
  observedDay: number;
  value: number;
  reliability: number;
  credibility: number;
  group: number;
}

interface IndexedBenchmark {
  code: string;
  omega: number;
  halfLifeDays: number;
  /** sorted by observedDay, then evidence id, then finding position: sums do not depend on input order */
  findings: IndexedFinding[];
}

interface IndexedPillar {
  code: string;
  pi: number;
  benchmarks: IndexedBenchmark[];
}

export interface RawBenchmark extends BenchmarkStatistics {
  code: string;
  findings: number;
  /** day number of the newest counted finding, null when none counts */
  lastObservedDay: number | null;
}

export interface RawPillar extends CoverageScore {
  code: string;
  benchmarks: RawBenchmark[];
}

export interface RawCard {
  overall: CoverageScore;
  pillars: RawPillar[];
}

/** Evidence indexed once for one framework, known-at and perspective; answers for any as-of date. */
export interface ScoringIndex {
  readonly framework: string;
  readonly perspective: string;
  /** the known-at as an ISO instant (a date is turned into the end of that day) */
  readonly knownAt: string;
  /** the scorecard at as-of date t (YYYY-MM-DD), with trends against t - 90 days */
  scorecard(asOf: string): Scorecard;
  /** the findings that count at t, in framework benchmark order, then oldest first */
  countedFindings(asOf: string, benchmarkCode?: string): CountedFinding[];
  /** the findings that count at t, by position: [pillar][benchmark] -> oldest first (for explanations) */
  countedByPosition(asOf: string): CountedFinding[][][];
  /** kappa as used (the framework's, or the default when it is unusable) */
  readonly priorStrength: number;
  /** pi of each pillar and omega of each benchmark as used, in framework order */
  readonly weights: { code: string; pi: number; benchmarks: { code: string; omega: number }[] }[];
}

/** A usable non-negative number, else the fallback (a missing or broken weight/constant must not poison sums). */
export function nonNegativeOr(value: number, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : fallback;
}

function compareFindings(a: IndexedFinding, b: IndexedFinding): number {
  if (a.observedDay !== b.observedDay) return a.observedDay - b.observedDay;
  const ida = String(a.evidenceId);
  const idb = String(b.evidenceId);
  if (ida !== idb) return ida < idb ? -1 : 1;
  return a.findingIndex - b.findingIndex;
}

/** Sums of one benchmark's counted findings at one as-of date. */
export interface BenchmarkSums {
  W: number;
  V: number;
  count: number;
  lastObservedDay: number | null;
}

/** The weights a raw card needs: pi of each pillar and omega of each benchmark. */
export interface WeightedPillars {
  code: string;
  pi: number;
  benchmarks: { code: string; omega: number }[];
}

/** Sections 5-7 from each benchmark's sums: the scores of one (t, k, perspective) before bands and trends. */
export function rawCardFrom(pillars: readonly WeightedPillars[], kappa: number, theta: number, sums: (pillar: number, benchmark: number) => BenchmarkSums): RawCard {
  const rawPillars: RawPillar[] = pillars.map((pillar, p) => {
    const benchmarks: RawBenchmark[] = pillar.benchmarks.map((b, j) => {
      const { W, V, count, lastObservedDay } = sums(p, j);
      return { code: b.code, findings: count, lastObservedDay, ...benchmarkStatistics(W, V, kappa, theta) };
    });
    const score = weightedCoverageScore(
      benchmarks.map((b, i) => ({ score: b.score, weight: pillar.benchmarks[i].omega, assessed: b.status === 'assessed' })),
    );
    return { code: pillar.code, ...score, benchmarks };
  });
  const overall = weightedCoverageScore(
    rawPillars.map((p, i) => ({ score: p.score, weight: pillars[i].pi, assessed: p.status === 'assessed' })),
  );
  return { overall, pillars: rawPillars };
}

/** What a scorecard is assembled from: raw cards by day number, half-lives, and section 9 sums by kind. */
export interface ScorecardSource {
  rawAt(t: number): RawCard;
  halfLifeDays(pillar: number, benchmark: number): number;
  /** the contributions of a benchmark's findings, summed by kind, to the change of its score from tA to tB */
  kindSums(pillar: number, benchmark: number, tA: number, tB: number, scoreA: number, weightB: number): KindSums;
}

/** The scorecard at asOf with 90-day trends and the v1.1 fields (sections 5-7 and 10). */
export function assembleScorecard(meta: { framework: string; knownAt: string; perspective: string }, asOf: string, source: ScorecardSource): Scorecard {
  const t = dayNumber(asOf);
  const now = source.rawAt(t);
  const before = source.rawAt(t - SCORING_CONSTANTS.trendWindowDays);

  /** Section 10: stale, last_observed_on and trend_driver of one benchmark at t. */
  function benchmarkV11(p: number, j: number, b: RawBenchmark, prior: RawBenchmark, delta: number | null) {
    const halfLife = source.halfLifeDays(p, j);
    const stale = b.status === 'assessed' && b.lastObservedDay !== null && t - b.lastObservedDay > halfLife;
    const driver =
      delta === null || delta === 0
        ? null
        : trendDriver(source.kindSums(p, j, t - SCORING_CONSTANTS.trendWindowDays, t, prior.score, b.evidenceWeight), delta);
    return {
      stale,
      last_observed_on: b.lastObservedDay === null ? null : dateOfDay(b.lastObservedDay),
      trend_driver: driver,
    };
  }

  return {
    framework: meta.framework,
    methodology: METHODOLOGY_VERSION,
    as_of: asOf,
    known_at: meta.knownAt,
    perspective: meta.perspective,
    overall: {
      score: now.overall.score,
      status: now.overall.status,
      band: bandIfAssessed(now.overall.score, now.overall.status),
      coverage: now.overall.coverage,
      trend: trendFor(now.overall, before.overall),
    },
    pillars: now.pillars.map(
      (p, i): PillarScore => ({
        code: p.code,
        score: p.score,
        status: p.status,
        band: bandIfAssessed(p.score, p.status),
        coverage: p.coverage,
        trend: trendFor(p, before.pillars[i]),
        benchmarks: p.benchmarks.map((b, j): BenchmarkScore => {
          const trend = trendFor(b, before.pillars[i].benchmarks[j]);
          return {
            code: b.code,
            score: b.score,
            low: b.low,
            high: b.high,
            evidence_weight: b.evidenceWeight,
            findings: b.findings,
            status: b.status,
            band: bandIfAssessed(b.score, b.status),
            confidence: b.confidence,
            trend,
            ...benchmarkV11(i, j, b, before.pillars[i].benchmarks[j], trend.delta),
          };
        }),
      }),
    ),
  };
}

/** Index the evidence known at view.knownAt under view.perspective. Throws ScoringError on an unknown perspective. */
export function createScoringIndex(
  framework: ScoringFramework,
  evidence: readonly ScoringEvidence[],
  view: ScoringView,
): ScoringIndex {
  const perspective = resolvePerspective(framework, view.perspective);
  const knownAt = normalizeKnownAt(view.knownAt);
  const knownAtMs = knownAtToMs(view.knownAt);
  const kappa = nonNegativeOr(framework.priorStrength, SCORING_CONSTANTS.defaultPriorStrength);
  const theta = nonNegativeOr(framework.assessedThreshold, SCORING_CONSTANTS.defaultAssessedThreshold);

  const pillars: IndexedPillar[] = framework.pillars.map((pillar) => ({
    code: pillar.code,
    pi: pillarWeight(perspective, pillar.code),
    benchmarks: pillar.benchmarks.map((b) => ({
      code: b.code,
      omega: nonNegativeOr(b.weight, SCORING_CONSTANTS.defaultBenchmarkWeight),
      halfLifeDays: effectiveHalfLife(b.halfLifeDays),
      findings: [],
    })),
  }));

  // Benchmark code -> its framework definitions and index slots (a list, so a duplicated code cannot lose findings).
  const slots = new Map<string, { definition: ScoringBenchmark; indexed: IndexedBenchmark }[]>();
  framework.pillars.forEach((pillar, p) =>
    pillar.benchmarks.forEach((definition, b) => {
      const list = slots.get(definition.code) ?? [];
      list.push({ definition, indexed: pillars[p].benchmarks[b] });
      slots.set(definition.code, list);
    }),
  );

  for (const item of evidence) {
    const what = `evidence ${String(item.id)}`;
    const times = {
      verifiedMs: item.verifiedAt === null ? null : instantToMs(item.verifiedAt, `${what} verified_at`),
      retractedMs: item.retractedAt === null ? null : instantToMs(item.retractedAt, `${what} retracted_at`),
      supersededMs: item.supersededAt === null ? null : instantToMs(item.supersededAt, `${what} superseded_at`),
    };
    if (!isKnownAt(times, knownAtMs)) continue;
    const observedDay = dayNumber(item.observedOn);
    const reliability = reliabilityFactor(item.sourceReliability);
    const credibility = credibilityFactor(item.credibility);
    const group = groupFactor(perspective, item.groups ?? []);
    item.findings.forEach((finding, findingIndex) => {
      for (const { definition, indexed } of slots.get(finding.benchmark) ?? []) {
        const value = findingValue(definition, finding);
        if (value === null) continue; // no stance/value for this kind: cannot happen after validation
        indexed.findings.push({ evidenceId: item.id, findingIndex, observedDay, value, reliability, credibility, group });
      }
    });
  }
  for (const pillar of pillars) for (const b of pillar.benchmarks) b.findings.sort(compareFindings);

  const rawCache = new Map<number, RawCard>();

  function rawAt(t: number): RawCard {
    const cached = rawCache.get(t);
    if (cached) return cached;
    const card = rawCardFrom(pillars, kappa, theta, (p, b) => {
      const bench = pillars[p].benchmarks[b];
      let W = 0;
      let V = 0;
      let count = 0;
      let lastObservedDay: number | null = null;
      for (const f of bench.findings) {
        if (f.observedDay > t) break; // sorted: everything after was observed after t
        const w = findingWeight(f.reliability, f.credibility, decayFactor(t - f.observedDay, bench.halfLifeDays), f.group);
        W += w;
        V += w * f.value;
        count += 1;
        lastObservedDay = f.observedDay; // sorted: the last one counted is the newest
      }
      return { W, V, count, lastObservedDay };
    });
    rawCache.set(t, card);
    return card;
  }

  /**
   * Section 9 at one k: the contributions of b's findings, summed by kind, to the change of its score from
   * tA to tB (section 10 uses tA = t - 90, tB = t for the trend driver).
   */
  function kindSumsBetween(b: IndexedBenchmark, tA: number, tB: number, scoreA: number, weightB: number): KindSums {
    const sums = emptyKindSums();
    const denominatorB = kappa + weightB;
    for (const f of b.findings) {
      const countedA = f.observedDay <= tA;
      const countedB = f.observedDay <= tB;
      if (!countedA && !countedB) break; // sorted: nothing later counts at either date
      const kind: ChangeKind = countedA && countedB ? 'aged' : countedB ? 'new' : 'removed';
      const wA = countedA ? findingWeight(f.reliability, f.credibility, decayFactor(tA - f.observedDay, b.halfLifeDays), f.group) : 0;
      const wB = countedB ? findingWeight(f.reliability, f.credibility, decayFactor(tB - f.observedDay, b.halfLifeDays), f.group) : 0;
      sums[kind] += findingPoints(wA, wB, f.value, scoreA, denominatorB);
    }
    return sums;
  }

  function scorecard(asOf: string): Scorecard {
    return assembleScorecard({ framework: framework.code, knownAt, perspective: perspective.code }, asOf, {
      rawAt,
      halfLifeDays: (p, b) => pillars[p].benchmarks[b].halfLifeDays,
      kindSums: (p, b, tA, tB, scoreA, weightB) => kindSumsBetween(pillars[p].benchmarks[b], tA, tB, scoreA, weightB),
    });
  }

  function countedOf(b: IndexedBenchmark, t: number): CountedFinding[] {
    const out: CountedFinding[] = [];
    for (const f of b.findings) {
      if (f.observedDay > t) break;
      const ageDays = t - f.observedDay;
      const decay = decayFactor(ageDays, b.halfLifeDays);
      out.push({
        evidenceId: f.evidenceId,
        findingIndex: f.findingIndex,
        benchmark: b.code,
        observedOn: dateOfDay(f.observedDay),
        value: f.value,
        weight: findingWeight(f.reliability, f.credibility, decay, f.group),
        reliabilityFactor: f.reliability,
        credibilityFactor: f.credibility,
        decay,
        groupFactor: f.group,
        ageDays,
      });
    }
    return out;
  }

  function countedFindings(asOf: string, benchmarkCode?: string): CountedFinding[] {
    const t = dayNumber(asOf);
    const out: CountedFinding[] = [];
    for (const pillar of pillars) {
      for (const b of pillar.benchmarks) {
        if (benchmarkCode !== undefined && b.code !== benchmarkCode) continue;
        out.push(...countedOf(b, t));
      }
    }
    return out;
  }

  function countedByPosition(asOf: string): CountedFinding[][][] {
    const t = dayNumber(asOf);
    return pillars.map((pillar) => pillar.benchmarks.map((b) => countedOf(b, t)));
  }

  return {
    framework: framework.code,
    perspective: perspective.code,
    knownAt,
    priorStrength: kappa,
    weights: pillars.map((p) => ({ code: p.code, pi: p.pi, benchmarks: p.benchmarks.map((b) => ({ code: b.code, omega: b.omega })) })),
    scorecard,
    countedFindings,
    countedByPosition,
  };
}

/** The scorecard of one perspective at as-of t and known-at k, with 90-day trends. */
export function scoreFramework(
  framework: ScoringFramework,
  evidence: readonly ScoringEvidence[],
  query: ScoreQuery,
): Scorecard {
  return createScoringIndex(framework, evidence, query).scorecard(query.asOf);
}

/** The findings that count at (t, k) with their parts (all benchmarks, or only benchmarkCode). */
export function countedFindings(
  framework: ScoringFramework,
  evidence: readonly ScoringEvidence[],
  query: ScoreQuery,
  benchmarkCode?: string,
): CountedFinding[] {
  return createScoringIndex(framework, evidence, query).countedFindings(query.asOf, benchmarkCode);
}

/** Scorecards for many as-of dates at one k and perspective, in the order of asOfDates (evidence indexed once). */
export function scoreSeries(
  framework: ScoringFramework,
  evidence: readonly ScoringEvidence[],
  view: ScoringView,
  asOfDates: readonly string[],
): Scorecard[] {
  const index = createScoringIndex(framework, evidence, view);
  return asOfDates.map((asOf) => index.scorecard(asOf));
}
