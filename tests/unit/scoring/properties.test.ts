// Property tests: random frameworks and evidence; invariants of METHODOLOGY.md v1 and agreement with a naive
// second implementation (reference.ts).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  knownAtFromDate,
  scoreFramework,
  scoreSeries,
  type Scorecard,
  type ScoreQuery,
  type ScoringEvidence,
  type ScoringFinding,
  type ScoringFramework,
} from '../../../src/scoring/index';
import { referenceScore, type RefNode } from './reference';
import { BASE_DAY, BASE_MS, allBenchmarks, frameworkArb, instant, itemArb } from './arbitraries';

const NUM_RUNS = 200;

interface Scenario {
  fw: ScoringFramework;
  evidence: ScoringEvidence[];
  query: ScoreQuery;
}

const scenarioArb: fc.Arbitrary<Scenario> = frameworkArb.chain((fw) =>
  fc
    .record({
      items: fc.array(itemArb(fw), { maxLength: 20 }),
      asOfOffset: fc.integer({ min: -200, max: 0 }),
      knownAtMinutes: fc.integer({ min: -120 * 1440, max: 10 * 1440 }),
      knownAtAsDate: fc.boolean(),
      perspective: fc.constantFrom('JOINT', ...fw.perspectives.map((p) => p.code)),
    })
    .map(({ items, asOfOffset, knownAtMinutes, knownAtAsDate, perspective }) => ({
      fw,
      evidence: items.map((e, i) => ({ id: `e${i}`, ...e })),
      query: {
        asOf: addDays(BASE_DAY, asOfOffset),
        knownAt: knownAtAsDate ? instant(knownAtMinutes).slice(0, 10) : instant(knownAtMinutes),
        perspective,
      },
    })),
);

const benchmarksOf = (card: Scorecard) => card.pillars.flatMap((p) => p.benchmarks);
const run = <Ts>(property: fc.IRawProperty<Ts>) => fc.assert(property, { numRuns: NUM_RUNS });

describe('scoring properties', () => {
  it('keeps low <= score <= high, every score in [0, 100] and coverage in [0, 1]', () => {
    run(
      fc.property(scenarioArb, ({ fw, evidence, query }) => {
        const card = scoreFramework(fw, evidence, query);
        for (const b of benchmarksOf(card)) {
          expect(b.low).toBeGreaterThanOrEqual(0);
          expect(b.low).toBeLessThanOrEqual(b.score);
          expect(b.score).toBeLessThanOrEqual(b.high);
          expect(b.high).toBeLessThanOrEqual(100);
          expect(b.evidence_weight).toBeGreaterThanOrEqual(0);
          expect(b.status === 'assessed').toBe(b.evidence_weight >= fw.assessedThreshold);
          expect(b.band === null).toBe(b.status !== 'assessed');
          expect(b.trend.delta === null).toBe(b.trend.direction === null);
        }
        for (const node of [card.overall, ...card.pillars]) {
          expect(node.coverage).toBeGreaterThanOrEqual(0);
          expect(node.coverage).toBeLessThanOrEqual(1);
          if (node.score !== null) {
            expect(node.score).toBeGreaterThanOrEqual(0);
            expect(node.score).toBeLessThanOrEqual(100 + 1e-9);
          } else {
            expect(node.status).toBe('not_assessed');
          }
          expect(node.band === null).toBe(node.status !== 'assessed');
        }
      }),
    );
  });

  it('agrees with a naive reference implementation (to 1e-9), trends included', () => {
    const close = (a: number | null | undefined, b: number | null | undefined) => {
      if (a === null || b === null || a === undefined || b === undefined) expect(a ?? null).toBe(b ?? null);
      else expect(Math.abs(a - b)).toBeLessThan(1e-9);
    };
    const sameNode = (mine: { score: number | null; status: string; coverage?: number }, ref: RefNode) => {
      close(mine.score, ref.score);
      expect(mine.status).toBe(ref.assessed ? 'assessed' : 'not_assessed');
      if (ref.coverage !== undefined) close(mine.coverage, ref.coverage);
    };
    const delta = (now: RefNode, before: RefNode) => (now.assessed && before.assessed ? now.score! - before.score! : null);
    run(
      fc.property(scenarioArb, ({ fw, evidence, query }) => {
        const card = scoreFramework(fw, evidence, query);
        const ref = referenceScore(fw, evidence, query);
        const before = referenceScore(fw, evidence, { ...query, asOf: addDays(query.asOf, -90) });
        sameNode(card.overall, ref.overall);
        close(card.overall.trend.delta, delta(ref.overall, before.overall));
        card.pillars.forEach((p, i) => {
          sameNode(p, ref.pillars[i].node);
          close(p.trend.delta, delta(ref.pillars[i].node, before.pillars[i].node));
          p.benchmarks.forEach((b, j) => {
            const r = ref.pillars[i].benchmarks[j];
            sameNode(b, r);
            close(b.low, r.low);
            close(b.high, r.high);
            close(b.evidence_weight, r.W);
            expect(b.findings).toBe(r.findings);
            close(b.trend.delta, delta(r, before.pillars[i].benchmarks[j]));
          });
        });
      }),
    );
  });

  it('ignores an item observed after the as-of date', () => {
    run(
      fc.property(
        scenarioArb.chain((s) => fc.tuple(fc.constant(s), itemArb(s.fw, { observed: fc.integer({ min: 1, max: 400 }) }))),
        ([{ fw, evidence, query }, extra]) => {
          const later = { ...extra, id: 'extra', observedOn: addDays(query.asOf, daysAfter(extra.observedOn)) };
          expect(scoreFramework(fw, [...evidence, later], query)).toEqual(scoreFramework(fw, evidence, query));
        },
      ),
    );
  });

  it('ignores an item verified after known-at (or never verified)', () => {
    run(
      fc.property(
        scenarioArb.chain((s) =>
          fc.tuple(fc.constant(s), itemArb(s.fw, { verified: fc.option(fc.integer({ min: 1, max: 10_000 }), { nil: null }) })),
        ),
        ([{ fw, evidence, query }, extra]) => {
          const kMs = Date.parse(/T/.test(query.knownAt) ? query.knownAt : knownAtFromDate(query.knownAt));
          const verifiedAt =
            extra.verifiedAt === null ? null : new Date(kMs + (Date.parse(extra.verifiedAt) - BASE_MS)).toISOString();
          const late = { ...extra, id: 'late', verifiedAt };
          expect(scoreFramework(fw, [...evidence, late], query)).toEqual(scoreFramework(fw, evidence, query));
        },
      ),
    );
  });

  it('never lowers a benchmark by a verified best finding, never raises it by a worst one', () => {
    run(
      fc.property(
        scenarioArb
          .filter((s) => allBenchmarks(s.fw).length > 0)
          .chain((s) =>
            fc.tuple(
              fc.constant(s),
              itemArb(s.fw, { verified: fc.constant(-1_000_000) }), // verified long before any known-at
              fc.nat({ max: 100 }),
              fc.nat(),
            ),
          ),
        ([{ fw, evidence, query }, extra, age, pick]) => {
          const benchmark = allBenchmarks(fw)[pick % allBenchmarks(fw).length];
          const best: ScoringFinding =
            benchmark.kind === 'assessment'
              ? { benchmark: benchmark.code, stance: 2, value: null }
              : { benchmark: benchmark.code, stance: null, value: benchmark.target };
          const worst: ScoringFinding =
            benchmark.kind === 'assessment'
              ? { benchmark: benchmark.code, stance: -2, value: null }
              : { benchmark: benchmark.code, stance: null, value: benchmark.baseline };
          const base = { ...extra, observedOn: addDays(query.asOf, -age), retractedAt: null, supersededAt: null };
          const score = (ev: ScoringEvidence[]) =>
            benchmarksOf(scoreFramework(fw, ev, query)).find((b) => b.code === benchmark.code)!.score;
          const before = score(evidence);
          expect(score([...evidence, { ...base, id: 'best', findings: [best] }])).toBeGreaterThanOrEqual(before - 1e-9);
          expect(score([...evidence, { ...base, id: 'worst', findings: [worst] }])).toBeLessThanOrEqual(before + 1e-9);
        },
      ),
    );
  });

  it('does not depend on the order of the evidence', () => {
    run(
      fc.property(
        scenarioArb.chain((s) =>
          fc.tuple(fc.constant(s), fc.shuffledSubarray(s.evidence, { minLength: s.evidence.length, maxLength: s.evidence.length })),
        ),
        ([{ fw, evidence, query }, shuffled]) => {
          expect(scoreFramework(fw, shuffled, query)).toEqual(scoreFramework(fw, evidence, query));
        },
      ),
    );
  });

  it('scores JOINT like a perspective with no weights', () => {
    run(
      fc.property(scenarioArb, ({ fw, evidence, query }) => {
        const withEmpty = { ...fw, perspectives: [...fw.perspectives, { code: 'EMPTY', pillarWeights: {}, groupWeights: {} }] };
        const joint = scoreFramework(withEmpty, evidence, { ...query, perspective: 'JOINT' });
        const empty = scoreFramework(withEmpty, evidence, { ...query, perspective: 'EMPTY' });
        expect({ ...empty, perspective: 'JOINT' }).toEqual(joint);
      }),
    );
  });

  it('gives a series equal to single scorecards', () => {
    run(
      fc.property(scenarioArb, fc.array(fc.integer({ min: -300, max: 30 }), { maxLength: 5 }), ({ fw, evidence, query }, offsets) => {
        const dates = offsets.map((d) => addDays(BASE_DAY, d));
        const series = scoreSeries(fw, evidence, query, dates);
        dates.forEach((asOf, i) => expect(series[i]).toEqual(scoreFramework(fw, evidence, { ...query, asOf })));
      }),
    );
  });
});

/** days after BASE_DAY of a date the item arbitrary produced (1..400 here) */
function daysAfter(observedOn: string): number {
  return Math.round((Date.parse(`${observedOn}T00:00:00Z`) - Date.parse(`${BASE_DAY}T00:00:00Z`)) / 86_400_000);
}
