// Random frameworks and evidence items for the property tests (fast-check arbitraries).

import fc from 'fast-check';
import {
  addDays,
  knownAtFromDate,
  type ScoringBenchmark,
  type ScoringEvidence,
  type ScoringFinding,
  type ScoringFramework,
  type ScoringPerspective,
  type SourceReliability,
} from '../../../src/scoring/index';

export const BASE_DAY = '2026-06-30';
export const BASE_MS = Date.parse(knownAtFromDate(BASE_DAY));
export const GROUPS = ['G1', 'G2', 'G3'];
export const MINUTE = 60_000;

const positive = fc.double({ min: 0.1, max: 4, noNaN: true, noDefaultInfinity: true });

const benchmarkSpec = fc.oneof(
  fc.record({
    kind: fc.constant('assessment' as const),
    weight: positive,
    halfLifeDays: fc.integer({ min: 1, max: 720 }),
    baseline: fc.constant(null),
    target: fc.constant(null),
  }),
  fc
    .record({
      kind: fc.constant('indicator' as const),
      weight: positive,
      halfLifeDays: fc.integer({ min: 1, max: 720 }),
      baseline: fc.integer({ min: -50, max: 100 }),
      span: fc.integer({ min: 1, max: 100 }),
      lowerIsBetter: fc.boolean(),
    })
    .map(({ span, lowerIsBetter, ...b }) => ({ ...b, target: b.baseline + (lowerIsBetter ? -span : span) })),
);

const weightsFor = (keys: string[]) =>
  fc.array(fc.option(positive, { nil: undefined }), { minLength: keys.length, maxLength: keys.length }).map((ws) => {
    const out: Record<string, number> = {};
    ws.forEach((w, i) => {
      if (w !== undefined) out[keys[i]] = w;
    });
    return out;
  });

export const frameworkArb: fc.Arbitrary<ScoringFramework> = fc
  .record({
    priorStrength: fc.constantFrom(0, 0.5, 1, 2, 3.5),
    assessedThreshold: fc.constantFrom(0, 0.5, 1, 2),
    pillars: fc.array(fc.array(benchmarkSpec, { maxLength: 3 }), { minLength: 1, maxLength: 3 }),
    perspectives: fc.array(fc.record({ pillars: weightsFor(['P0', 'P1', 'P2']), groups: weightsFor(GROUPS) }), {
      maxLength: 2,
    }),
  })
  .map((spec) => ({
    code: 'PROP',
    priorStrength: spec.priorStrength,
    assessedThreshold: spec.assessedThreshold,
    pillars: spec.pillars.map((benchmarks, p) => ({
      code: `P${p}`,
      benchmarks: benchmarks.map((b, i): ScoringBenchmark => ({ code: `P${p}-B${i}`, ...b })),
    })),
    perspectives: spec.perspectives.map(
      (x, i): ScoringPerspective => ({ code: `X${i}`, pillarWeights: x.pillars, groupWeights: x.groups }),
    ),
  }));

export const allBenchmarks = (fw: ScoringFramework) => fw.pillars.flatMap((p) => p.benchmarks);

/** a finding that fits its benchmark's kind (or names an unknown benchmark) */
export function findingArb(fw: ScoringFramework): fc.Arbitrary<ScoringFinding> {
  const benchmarks = allBenchmarks(fw);
  const code = fc.constantFrom(...benchmarks.map((b) => b.code), 'UNKNOWN');
  return fc
    .record({ code, stance: fc.integer({ min: -2, max: 2 }), value: fc.double({ min: -100, max: 200, noNaN: true }) })
    .map(({ code, stance, value }) => {
      const b = benchmarks.find((x) => x.code === code);
      return b?.kind === 'indicator' ? { benchmark: code, stance: null, value } : { benchmark: code, stance, value: null };
    });
}

export const instant = (minutesFromBase: number) => new Date(BASE_MS + minutesFromBase * MINUTE).toISOString();

export function itemArb(fw: ScoringFramework, opts: { observed?: fc.Arbitrary<number>; verified?: fc.Arbitrary<number | null> } = {}) {
  return fc
    .record({
      observedOffset: opts.observed ?? fc.integer({ min: -500, max: 20 }),
      sourceReliability: fc.constantFrom<SourceReliability>('A', 'B', 'C', 'D', 'E', 'F'),
      credibility: fc.integer({ min: 1, max: 6 }),
      groups: fc.subarray(GROUPS),
      verified: opts.verified ?? fc.option(fc.integer({ min: -500 * 1440, max: 20 * 1440 }), { nil: null, freq: 6 }),
      retracted: fc.option(fc.integer({ min: -300 * 1440, max: 20 * 1440 }), { nil: null, freq: 2 }),
      superseded: fc.option(fc.integer({ min: -300 * 1440, max: 20 * 1440 }), { nil: null, freq: 2 }),
      findings: fc.array(findingArb(fw), { minLength: 1, maxLength: 3 }),
    })
    .map(
      (x): Omit<ScoringEvidence, 'id'> => ({
        observedOn: addDays(BASE_DAY, x.observedOffset),
        sourceReliability: x.sourceReliability,
        credibility: x.credibility,
        groups: x.groups,
        verifiedAt: x.verified === null ? null : instant(x.verified),
        retractedAt: x.retracted === null ? null : instant(x.retracted),
        supersededAt: x.superseded === null ? null : instant(x.superseded),
        findings: x.findings,
      }),
    );
}

