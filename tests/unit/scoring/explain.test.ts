// METHODOLOGY.md v1.1: explained changes (section 9), staleness and trend drivers (section 10) in the pure engine.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  componentPoints,
  explainChange,
  knownAtFromDate,
  scoreFramework,
  trendDriver,
  type Explanation,
  type ScoringBenchmark,
  type ScoringEvidence,
  type ScoringFinding,
  type ScoringFramework,
  type SourceReliability,
} from '../../../src/scoring/index';
import { K, T, VERIFIED, assessment, benchmarkOf, framework, indicator, item, pillarOf, stance } from './builders';

const sum = (xs: number[]) => xs.reduce((s, x) => s + x, 0);

describe('section 9: splitting a weighted mean', () => {
  it('gives contributions that add up to the change of the mean', () => {
    // M_A = (1*10 + 3*50) / 4 = 40; M_B = (2*20 + 0*50 + 2*80) / 4 = 50
    const meanA = 40;
    const sumB = 4;
    const parts = [componentPoints(1, 10, 2, 20, meanA, sumB), componentPoints(3, 50, 0, 0, meanA, sumB), componentPoints(0, 0, 2, 80, meanA, sumB)];
    expect(parts[0]).toBeCloseTo((40 - 10 - 40) / 4, 12);
    expect(parts[1]).toBeCloseTo((0 - 150 + 120) / 4, 12);
    expect(parts[2]).toBeCloseTo((160 - 80) / 4, 12);
    expect(sum(parts)).toBeCloseTo(10, 12);
  });

  it('picks the trend driver by the largest absolute sum; ties go new, removed, aged', () => {
    expect(trendDriver({ new: 1, aged: -3, removed: 0 }, -2)).toBe('aged');
    expect(trendDriver({ new: 2, aged: -2, removed: 0 }, 0.5)).toBe('new');
    expect(trendDriver({ new: 0, aged: 2, removed: -2 }, 0.5)).toBe('removed');
    expect(trendDriver({ new: 0, aged: 0, removed: 0 }, 0)).toBeNull();
    expect(trendDriver({ new: 1, aged: 0, removed: 0 }, null)).toBeNull();
  });
});

describe('section 9: explaining a benchmark change', () => {
  // B1, kappa 2, half-life 180. e1: A/1 +2 observed 2026-01-01 (v 1); e2: B/2 -1 observed 2026-05-01 (v 0.25);
  // e3: A/1 0 observed 2026-06-30 (v 0.5), retracted 2026-07-05.
  const fw = framework({ P1: [assessment('B1')], P2: [indicator('I1', 0, 10)] });
  const evidence = [
    item('2026-01-01', [stance('B1', 2)], { id: 'e1' }),
    item('2026-05-01', [stance('B1', -1), { benchmark: 'I1', stance: null, value: 5 }], { id: 'e2', sourceReliability: 'B', credibility: 2 }),
    item('2026-06-30', [{ benchmark: 'I1', stance: null, value: 10 }, stance('B1', 0)], { id: 'e3', retractedAt: '2026-07-05T00:00:00.000Z' }),
  ];
  const w = (r: number, c: number, age: number) => r * c * Math.pow(2, -age / 180);

  it('splits the change into new and aged findings, by hand', () => {
    // A: 2026-03-31 (only e1, age 89); B: 2026-06-30, known 2026-06-30 (e1 age 180, e2 age 60, e3 age 0)
    const x = explainChange(fw, evidence, { from: { asOf: '2026-03-31', knownAt: '2026-03-31' }, to: { asOf: T, knownAt: K }, perspective: 'JOINT' });
    const b = x.benchmarks.find((y) => y.code === 'B1')!;
    const w1A = w(1, 1, 89);
    const muA = (1 + w1A * 1) / (2 + w1A);
    const [w1B, w2B, w3B] = [w(1, 1, 180), w(0.8, 0.8, 60), w(1, 1, 0)];
    const WB = w1B + w2B + w3B;
    const muB = (1 + w1B * 1 + w2B * 0.25 + w3B * 0.5) / (2 + WB);
    expect(b.from).toBeCloseTo(100 * muA, 9);
    expect(b.to).toBeCloseTo(100 * muB, 9);
    expect(b.change).toBeCloseTo(100 * (muB - muA), 9);
    const expected = [
      { evidence: 'e1', finding: 0, kind: 'aged', points: (100 * (w1B - w1A) * (1 - muA)) / (2 + WB) },
      { evidence: 'e2', finding: 0, kind: 'new', points: (100 * w2B * (0.25 - muA)) / (2 + WB) },
      { evidence: 'e3', finding: 1, kind: 'new', points: (100 * w3B * (0.5 - muA)) / (2 + WB) },
    ].sort((p, q) => Math.abs(q.points) - Math.abs(p.points));
    expect(b.contributions.map((c) => [c.evidence, c.finding, c.kind])).toEqual(expected.map((c) => [c.evidence, c.finding, c.kind]));
    b.contributions.forEach((c, i) => expect(c.points).toBeCloseTo(expected[i].points, 9));
    expect(b.by_kind.aged).toBeCloseTo(expected.find((c) => c.kind === 'aged')!.points, 9);
    expect(b.by_kind.new).toBeCloseTo(sum(expected.filter((c) => c.kind === 'new').map((c) => c.points)), 9);
    expect(b.by_kind.removed).toBe(0);
    expect(sum(b.contributions.map((c) => c.points))).toBeCloseTo(b.change, 9);
  });

  it('calls a finding removed when it was retracted, superseded or observed after t_B', () => {
    // same t, k before and after the retraction of e3: only e3 moves, as removed
    const retracted = explainChange(fw, evidence, { from: { asOf: T, knownAt: K }, to: { asOf: T, knownAt: '2026-07-05' }, perspective: 'JOINT' });
    const b1 = retracted.benchmarks.find((y) => y.code === 'B1')!;
    expect(b1.contributions.map((c) => [c.evidence, c.finding, c.kind])).toEqual([['e3', 1, 'removed']]);
    expect(b1.contributions[0].points).toBeCloseTo(b1.change, 12);
    const i1 = retracted.benchmarks.find((y) => y.code === 'I1')!;
    expect(i1.contributions.map((c) => [c.evidence, c.finding, c.kind])).toEqual([['e3', 0, 'removed']]);
    // back in time: e3 (observed on T) is not counted at t_B = T - 1
    const back = explainChange(fw, evidence, { from: { asOf: T, knownAt: K }, to: { asOf: addDays(T, -1), knownAt: K }, perspective: 'JOINT' });
    const kinds = back.benchmarks.find((y) => y.code === 'B1')!.contributions.map((c) => `${c.evidence}:${c.kind}`).sort();
    expect(kinds).toEqual(['e1:aged', 'e2:aged', 'e3:removed']);
    // superseded counts like retracted
    const superseded = explainChange(
      fw,
      evidence.map((e) => (e.id === 'e2' ? { ...e, supersededAt: '2026-07-02T00:00:00.000Z' } : e)),
      { from: { asOf: T, knownAt: K }, to: { asOf: T, knownAt: '2026-07-03' }, perspective: 'JOINT' },
    );
    expect(superseded.benchmarks.find((y) => y.code === 'B1')!.contributions.map((c) => `${c.evidence}:${c.kind}`)).toEqual(['e2:removed']);
  });

  it('leaves zero contributions out and echoes the views', () => {
    const x = explainChange(fw, evidence, { from: { asOf: T, knownAt: K }, to: { asOf: T, knownAt: '2026-07-01' }, perspective: 'JOINT' });
    expect(x).toMatchObject({
      framework: 'TEST-FW',
      methodology: 'v1.1',
      perspective: 'JOINT',
      from: { as_of: T, known_at: K },
      to: { as_of: T, known_at: '2026-07-01T23:59:59.999Z' },
    });
    for (const b of x.benchmarks) expect(b).toMatchObject({ change: 0, contributions: [], by_kind: { new: 0, aged: 0, removed: 0 } });
    for (const p of x.pillars) expect(p.contributions).toEqual([]);
    expect(x.overall.contributions).toEqual([]);
    expect(Object.keys(x)).toEqual(['framework', 'methodology', 'perspective', 'from', 'to', 'overall', 'pillars', 'benchmarks']);
    expect(Object.keys(x.benchmarks[0])).toEqual(['code', 'from', 'to', 'change', 'by_kind', 'contributions']);
  });
});

describe('section 9: pillars and the overall index', () => {
  it('splits a pillar by benchmark and the overall index by pillar; null where a score is null at either view', () => {
    // theta 0.5. P1: B1, B2 (omega 1 each; B1 assessed at both views, B2 only at B); P2: C1 only at B.
    const fw = framework({ P1: [assessment('B1'), assessment('B2')], P2: [assessment('C1')] }, {
      perspectives: [{ code: 'PAK', pillarWeights: { P1: 2 }, groupWeights: {} }],
      assessedThreshold: 0.5,
    });
    const evidence = [
      item('2026-01-10', [stance('B1', 2)], { id: 'a' }),
      item('2026-06-01', [stance('B2', -2), stance('C1', 1)], { id: 'b' }),
    ];
    const x = explainChange(fw, evidence, { from: { asOf: '2026-03-01', knownAt: K }, to: { asOf: T, knownAt: K }, perspective: 'PAK' });
    const cardA = scoreFramework(fw, evidence, { asOf: '2026-03-01', knownAt: K, perspective: 'PAK' });
    const cardB = scoreFramework(fw, evidence, { asOf: T, knownAt: K, perspective: 'PAK' });
    const p1 = x.pillars[0];
    const [sA1, sB1, sB2] = [benchmarkOf(cardA, 'B1').score, benchmarkOf(cardB, 'B1').score, benchmarkOf(cardB, 'B2').score];
    expect(p1.from).toBeCloseTo(sA1, 12);
    expect(p1.to).toBeCloseTo((sB1 + sB2) / 2, 12);
    const points = Object.fromEntries(p1.contributions.map((c) => [c.benchmark, c.points]));
    expect(points.B1).toBeCloseTo((sB1 - sA1) / 2, 9);
    expect(points.B2).toBeCloseTo((sB2 - sA1) / 2, 9);
    expect(sum(p1.contributions.map((c) => c.points))).toBeCloseTo(p1.change!, 9);
    // P2 is not assessed at A (score null): no change, no contributions
    expect(x.pillars[1]).toMatchObject({ from: null, change: null, contributions: [] });
    expect(x.pillars[1].to).toBeCloseTo(pillarOf(cardB, 'P2').score!, 12);
    // overall: only P1 is assessed at A (coverage 2/3), both at B (pi 2 and 1)
    const sP1A = pillarOf(cardA, 'P1').score!;
    const [sP1B, sP2B] = [pillarOf(cardB, 'P1').score!, pillarOf(cardB, 'P2').score!];
    expect(x.overall.from).toBeCloseTo(sP1A, 12);
    const overall = Object.fromEntries(x.overall.contributions.map((c) => [c.pillar, c.points]));
    expect(overall.P1).toBeCloseTo((2 * sP1B - 2 * sP1A) / 3, 9);
    expect(overall.P2).toBeCloseTo((sP2B - sP1A) / 3, 9);
    expect(sum(x.overall.contributions.map((c) => c.points))).toBeCloseTo(x.overall.change!, 9);
  });
});

describe('section 10: staleness and trend drivers', () => {
  it('marks an assessed benchmark stale once its newest counted finding is older than the half-life', () => {
    const fw = framework({ P1: [assessment('B1', { halfLifeDays: 40 })] }, { assessedThreshold: 0.5 });
    const evidence = [item('2026-01-01', [stance('B1', 2)]), item('2026-05-21', [stance('B1', 1)])];
    const at = (asOf: string, ev = evidence) => benchmarkOf(scoreFramework(fw, ev, { asOf, knownAt: K, perspective: 'JOINT' }), 'B1');
    expect(at('2026-06-30')).toMatchObject({ status: 'assessed', stale: false, last_observed_on: '2026-05-21' }); // age 40
    expect(at('2026-07-01')).toMatchObject({ stale: true, last_observed_on: '2026-05-21' }); // age 41
    // not assessed: never stale, though the date is given
    expect(at('2026-09-30')).toMatchObject({ status: 'not_assessed', stale: false, last_observed_on: '2026-05-21' });
    expect(at('2025-12-31')).toMatchObject({ stale: false, last_observed_on: null });
  });

  it('drives a silent benchmark\'s trend by ageing, and fresh evidence by new', () => {
    const fw = singleBenchmarkFw();
    const old = item('2026-01-01', [stance('B1', -2)]);
    const silent = benchmarkOf(scoreFramework(fw, [old], { asOf: T, knownAt: K, perspective: 'JOINT' }), 'B1');
    expect(silent.trend.delta).toBeGreaterThan(0); // drifting back toward 50
    expect(silent.trend_driver).toBe('aged');
    const fresh = benchmarkOf(scoreFramework(fw, [old, item('2026-06-01', [stance('B1', 2)])], { asOf: T, knownAt: K, perspective: 'JOINT' }), 'B1');
    expect(fresh.trend_driver).toBe('new');
  });
});

function singleBenchmarkFw(): ScoringFramework {
  return framework({ P1: [assessment('B1')] }, { assessedThreshold: 0.25 });
}

// ---------------------------------------------------------------- properties on random scenarios

const BASE_MS = Date.parse(knownAtFromDate(T));
const GROUPS = ['G1', 'G2'];
const positive = fc.double({ min: 0.1, max: 4, noNaN: true, noDefaultInfinity: true });

const benchmarkArb = fc.oneof(
  fc.record({ kind: fc.constant('assessment' as const), weight: positive, halfLifeDays: fc.integer({ min: 5, max: 400 }), baseline: fc.constant(null), target: fc.constant(null) }),
  fc.record({ kind: fc.constant('indicator' as const), weight: positive, halfLifeDays: fc.integer({ min: 5, max: 400 }), baseline: fc.constant(0), target: fc.constantFrom(10, -10) }),
);

const frameworkArb: fc.Arbitrary<ScoringFramework> = fc
  .record({
    priorStrength: fc.constantFrom(0.5, 1, 2, 3.5),
    assessedThreshold: fc.constantFrom(0, 0.5, 1, 2),
    pillars: fc.array(fc.array(benchmarkArb, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 }),
    pakPillar: positive,
    pakGroup: fc.constantFrom(0, 0.5, 2),
  })
  .map((s) => ({
    code: 'PROP',
    priorStrength: s.priorStrength,
    assessedThreshold: s.assessedThreshold,
    pillars: s.pillars.map((bs, p) => ({ code: `P${p}`, benchmarks: bs.map((b, i): ScoringBenchmark => ({ code: `P${p}-B${i}`, ...b })) })),
    perspectives: [{ code: 'PAK', pillarWeights: { P0: s.pakPillar }, groupWeights: { G1: s.pakGroup } }],
  }));

function findingArb(fw: ScoringFramework): fc.Arbitrary<ScoringFinding> {
  const benchmarks = fw.pillars.flatMap((p) => p.benchmarks);
  return fc.record({ b: fc.constantFrom(...benchmarks), stance: fc.integer({ min: -2, max: 2 }), value: fc.double({ min: -5, max: 15, noNaN: true }) }).map(({ b, stance: s, value }) =>
    b.kind === 'indicator' ? { benchmark: b.code, stance: null, value } : { benchmark: b.code, stance: s, value: null },
  );
}

const minutes = (m: number | null) => (m === null ? null : new Date(BASE_MS + m * 60_000).toISOString());

const scenarioArb = frameworkArb.chain((fw) =>
  fc.record({
    fw: fc.constant(fw),
    evidence: fc.array(
      fc.record({
        observed: fc.integer({ min: -400, max: 30 }),
        grade: fc.constantFrom<SourceReliability>('A', 'B', 'C', 'F'),
        credibility: fc.integer({ min: 1, max: 6 }),
        groups: fc.subarray(GROUPS),
        verified: fc.option(fc.integer({ min: -400 * 1440, max: 40 * 1440 }), { nil: null, freq: 8 }),
        retracted: fc.option(fc.integer({ min: -200 * 1440, max: 40 * 1440 }), { nil: null, freq: 3 }),
        findings: fc.array(findingArb(fw), { minLength: 1, maxLength: 3 }),
      }),
      { maxLength: 25 },
    ),
    fromDay: fc.integer({ min: -300, max: 30 }),
    toDay: fc.integer({ min: -300, max: 30 }),
    fromKnown: fc.integer({ min: -300 * 1440, max: 40 * 1440 }),
    toKnown: fc.integer({ min: -300 * 1440, max: 40 * 1440 }),
    perspective: fc.constantFrom('JOINT', 'PAK'),
  }).map((s) => ({
    fw: s.fw,
    evidence: s.evidence.map((e, i): ScoringEvidence => ({
      id: i + 1,
      observedOn: addDays(T, e.observed),
      sourceReliability: e.grade,
      credibility: e.credibility,
      groups: e.groups,
      verifiedAt: e.verified === null ? VERIFIED : minutes(e.verified),
      retractedAt: minutes(e.retracted),
      supersededAt: null,
      findings: e.findings,
    })),
    query: {
      from: { asOf: addDays(T, s.fromDay), knownAt: minutes(s.fromKnown)! },
      to: { asOf: addDays(T, s.toDay), knownAt: minutes(s.toKnown)! },
      perspective: s.perspective,
    },
  })),
);

function checkAddsUp(x: Explanation) {
  for (const b of x.benchmarks) {
    expect(sum(b.contributions.map((c) => c.points))).toBeCloseTo(b.change, 9);
    expect(b.by_kind.new + b.by_kind.aged + b.by_kind.removed).toBeCloseTo(b.change, 9);
    for (const kind of ['new', 'aged', 'removed'] as const) {
      expect(sum(b.contributions.filter((c) => c.kind === kind).map((c) => c.points))).toBeCloseTo(b.by_kind[kind], 9);
    }
  }
  for (const level of [...x.pillars, x.overall]) {
    if (level.from === null || level.to === null) {
      expect(level.change).toBeNull();
      expect(level.contributions).toEqual([]);
    } else {
      expect(level.change).toBe(level.to - level.from);
      expect(sum(level.contributions.map((c) => c.points))).toBeCloseTo(level.change!, 9);
    }
  }
  const lists = [...x.benchmarks.map((b) => b.contributions), ...x.pillars.map((p) => p.contributions), x.overall.contributions] as { points: number }[][];
  for (const list of lists) {
    list.forEach((c, i) => {
      expect(c.points).not.toBe(0);
      if (i > 0) expect(Math.abs(c.points)).toBeLessThanOrEqual(Math.abs(list[i - 1].points));
    });
  }
}

describe('section 9 and 10 properties', () => {
  it('contributions add up to every change, by kind too, none is 0, largest first', () => {
    fc.assert(fc.property(scenarioArb, ({ fw, evidence, query }) => checkAddsUp(explainChange(fw, evidence, query))), { numRuns: 200 });
  });

  it('agrees with the two scorecards it explains', () => {
    fc.assert(
      fc.property(scenarioArb, ({ fw, evidence, query }) => {
        const x = explainChange(fw, evidence, query);
        const a = scoreFramework(fw, evidence, { ...query.from, perspective: query.perspective });
        const b = scoreFramework(fw, evidence, { ...query.to, perspective: query.perspective });
        expect(x.overall.from).toBe(a.overall.score);
        expect(x.overall.to).toBe(b.overall.score);
        x.pillars.forEach((p, i) => expect([p.from, p.to]).toEqual([a.pillars[i].score, b.pillars[i].score]));
        const [ba, bb] = [a.pillars.flatMap((p) => p.benchmarks), b.pillars.flatMap((p) => p.benchmarks)];
        x.benchmarks.forEach((e, i) => expect([e.code, e.from, e.to]).toEqual([bb[i].code, ba[i].score, bb[i].score]));
      }),
      { numRuns: 100 },
    );
  });

  it('the trend driver is the largest kind of the explanation from t - 90 to t; stale follows its definition', () => {
    fc.assert(
      fc.property(scenarioArb, ({ fw, evidence, query }) => {
        const view = { ...query.to, perspective: query.perspective };
        const card = scoreFramework(fw, evidence, view);
        const x = explainChange(fw, evidence, { from: { asOf: addDays(view.asOf, -90), knownAt: view.knownAt }, to: query.to, perspective: query.perspective });
        const halfLives = new Map(fw.pillars.flatMap((p) => p.benchmarks).map((b) => [b.code, b.halfLifeDays]));
        card.pillars.flatMap((p) => p.benchmarks).forEach((b, i) => {
          const e = x.benchmarks[i];
          expect(e.by_kind.removed).toBe(0); // same k, later t: nothing can leave
          if (b.trend.delta === null || b.trend.delta === 0) expect(b.trend_driver).toBeNull();
          else expect(b.trend_driver).toBe(trendDriver(e.by_kind, b.trend.delta));
          if (b.last_observed_on === null) expect(b.findings).toBe(0);
          const age = b.last_observed_on === null ? null : (Date.parse(view.asOf) - Date.parse(b.last_observed_on)) / 86_400_000;
          expect(b.stale).toBe(b.status === 'assessed' && age !== null && age > halfLives.get(b.code)!);
        });
      }),
      { numRuns: 100 },
    );
  });
});
