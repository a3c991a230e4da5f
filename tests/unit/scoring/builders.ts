// Small builders for scoring tests: a framework, evidence items and findings with sensible defaults.

import type {
  BenchmarkScore,
  PillarScore,
  Scorecard,
  ScoringBenchmark,
  ScoringEvidence,
  ScoringFinding,
  ScoringFramework,
  ScoringPerspective,
  SourceReliability,
} from '../../../src/scoring/index';

/** the as-of date most tests use */
export const T = '2026-06-30';
/** end of T, UTC */
export const K = '2026-06-30T23:59:59.999Z';
/** long before K: "verified" */
export const VERIFIED = '2026-01-01T00:00:00.000Z';

export function assessment(code: string, over: Partial<ScoringBenchmark> = {}): ScoringBenchmark {
  return { code, kind: 'assessment', weight: 1, halfLifeDays: 180, baseline: null, target: null, ...over };
}

export function indicator(code: string, baseline: number, target: number, over: Partial<ScoringBenchmark> = {}): ScoringBenchmark {
  return { code, kind: 'indicator', weight: 1, halfLifeDays: 180, baseline, target, ...over };
}

export function framework(
  pillars: Record<string, ScoringBenchmark[]>,
  over: { perspectives?: ScoringPerspective[]; priorStrength?: number; assessedThreshold?: number } = {},
): ScoringFramework {
  return {
    code: 'TEST-FW',
    priorStrength: over.priorStrength ?? 2,
    assessedThreshold: over.assessedThreshold ?? 1,
    pillars: Object.entries(pillars).map(([code, benchmarks]) => ({ code, benchmarks })),
    perspectives: over.perspectives ?? [],
  };
}

/** one framework with a single assessment benchmark B1 in pillar P1 */
export function singleBenchmark(over: Partial<ScoringBenchmark> = {}, fwOver: Parameters<typeof framework>[1] = {}) {
  return framework({ P1: [assessment('B1', over)] }, fwOver);
}

export const stance = (benchmark: string, s: number): ScoringFinding => ({ benchmark, stance: s, value: null });
export const measured = (benchmark: string, x: number): ScoringFinding => ({ benchmark, stance: null, value: x });

let nextId = 1;

export function item(
  observedOn: string,
  findings: ScoringFinding[],
  over: Partial<Omit<ScoringEvidence, 'observedOn' | 'findings'>> = {},
): ScoringEvidence {
  return {
    id: over.id ?? `ev-${nextId++}`,
    observedOn,
    sourceReliability: (over.sourceReliability ?? 'A') as SourceReliability,
    credibility: over.credibility ?? 1,
    groups: over.groups ?? [],
    verifiedAt: over.verifiedAt === undefined ? VERIFIED : over.verifiedAt,
    retractedAt: over.retractedAt ?? null,
    supersededAt: over.supersededAt ?? null,
    findings,
  };
}

export function pillarOf(card: Scorecard, code: string): PillarScore {
  const found = card.pillars.find((p) => p.code === code);
  if (!found) throw new Error(`no pillar ${code}`);
  return found;
}

export function benchmarkOf(card: Scorecard, code: string): BenchmarkScore {
  for (const p of card.pillars) for (const b of p.benchmarks) if (b.code === code) return b;
  throw new Error(`no benchmark ${code}`);
}
