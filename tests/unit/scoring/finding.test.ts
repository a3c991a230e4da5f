// Section 2 (v) and 3 (w = R*C*decay*g) of METHODOLOGY.md, checked by hand and through the engine.

import { describe, expect, it } from 'vitest';
import {
  CREDIBILITY_FACTORS,
  METHODOLOGY_VERSION,
  RELIABILITY_FACTORS,
  SCORING_CONSTANTS,
  addDays,
  countedFindings,
  credibilityFactor,
  daysBetween,
  decayFactor,
  groupFactor,
  indicatorValue,
  knownAtFromDate,
  reliabilityFactor,
  scoreFramework,
  stanceValue,
  type SourceReliability,
} from '../../../src/scoring/index';
import { K, T, assessment, benchmarkOf, framework, indicator, item, measured, singleBenchmark, stance } from './builders';

const JOINT = { asOf: T, knownAt: K, perspective: 'JOINT' };

describe('constants and helpers', () => {
  it('publishes the v1.1 constants as one object', () => {
    expect(METHODOLOGY_VERSION).toBe('v1.1');
    expect(SCORING_CONSTANTS).toMatchObject({
      methodology: 'v1.1',
      defaultPriorStrength: 2,
      defaultAssessedThreshold: 1,
      defaultHalfLifeDays: 180,
      intervalZ: 1.2816,
      trendWindowDays: 90,
      trendThreshold: 5,
      highConfidenceWeight: 8,
      mediumConfidenceWeight: 3,
      coverageThreshold: 0.5,
    });
    expect(Object.isFrozen(SCORING_CONSTANTS)).toBe(true);
  });

  it('reads a known-at date as the end of that day, UTC', () => {
    expect(knownAtFromDate('2026-06-30')).toBe('2026-06-30T23:59:59.999Z');
    expect(knownAtFromDate('2024-02-29')).toBe('2024-02-29T23:59:59.999Z');
    expect(() => knownAtFromDate('2026-02-30')).toThrow(/YYYY-MM-DD/);
    expect(() => knownAtFromDate('30/06/2026')).toThrow(/YYYY-MM-DD/);
  });

  it('adds calendar days in UTC across months, years and leap days', () => {
    expect(addDays('2026-06-30', -90)).toBe('2026-04-01'); // 30 (June) + 31 (May) + 29 of April back
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(addDays('2026-03-29', 0)).toBe('2026-03-29'); // a European DST day changes nothing
  });

  it('counts whole days between two dates (b - a)', () => {
    expect(daysBetween('2026-01-01', '2026-06-30')).toBe(180); // 31+28+31+30+31+29
    expect(daysBetween('2026-06-30', '2026-01-01')).toBe(-180);
    expect(daysBetween('2024-02-28', '2024-03-01')).toBe(2);
    expect(() => daysBetween('2026-13-01', '2026-01-01')).toThrow();
  });
});

describe('value v of a finding', () => {
  it('maps stances -2..+2 to (s + 2) / 4', () => {
    expect([-2, -1, 0, 1, 2].map(stanceValue)).toEqual([0, 0.25, 0.5, 0.75, 1]);
  });

  it('normalises an indicator where higher is better: B=0, T=10', () => {
    expect(indicatorValue(5, 0, 10)).toBe(0.5); // (5-0)/(10-0)
    expect(indicatorValue(15, 0, 10)).toBe(1); // 1.5 clamped
    expect(indicatorValue(-3, 0, 10)).toBe(0); // -0.3 clamped
  });

  it('normalises an indicator where lower is better: B=40, T=5', () => {
    expect(indicatorValue(12, 40, 5)).toBeCloseTo(0.8, 15); // (12-40)/(5-40) = -28/-35
    expect(indicatorValue(5, 40, 5)).toBe(1);
    expect(indicatorValue(40, 40, 5)).toBe(0); // -0 clamps to 0
    expect(indicatorValue(50, 40, 5)).toBe(0); // 10/-35 < 0 clamped
    expect(indicatorValue(0, 40, 5)).toBe(1); // -40/-35 > 1 clamped
  });

  it('refuses a degenerate indicator (B == T or missing) instead of dividing by zero', () => {
    expect(indicatorValue(3, 5, 5)).toBeNull();
    expect(indicatorValue(3, null, 5)).toBeNull();
  });

  it('scores an indicator benchmark with the normalised value', () => {
    // BORDER-2: attacks per month, baseline 40, target 5; one A1 finding x = 12 at age 0:
    // v = 0.8, w = 1, mu = (2*0.5 + 0.8) / (2 + 1) = 1.8 / 3 = 0.6 -> S = 60
    const fw = framework({ BORDER: [indicator('BORDER-2', 40, 5)] });
    const card = scoreFramework(fw, [item(T, [measured('BORDER-2', 12)])], JOINT);
    expect(benchmarkOf(card, 'BORDER-2').score).toBeCloseTo(60, 9);
  });

  it('ignores a finding without the number its benchmark kind needs, and findings of unknown benchmarks', () => {
    const fw = framework({ P1: [assessment('B1'), indicator('I1', 0, 10)] });
    const evidence = [item(T, [measured('B1', 5), stance('I1', 2), stance('NOPE', 2)])];
    const card = scoreFramework(fw, evidence, JOINT);
    expect(benchmarkOf(card, 'B1').findings).toBe(0);
    expect(benchmarkOf(card, 'I1').findings).toBe(0);
  });
});

describe('weight w = R * C * decay * g', () => {
  it('has the Admiralty tables of the methodology', () => {
    expect(RELIABILITY_FACTORS).toEqual({ A: 1, B: 0.8, C: 0.6, D: 0.3, E: 0.1, F: 0.5 });
    expect(CREDIBILITY_FACTORS).toEqual({ 1: 1, 2: 0.8, 3: 0.6, 4: 0.3, 5: 0.1, 6: 0.5 });
    expect(() => reliabilityFactor('G' as SourceReliability)).toThrow(/A-F/);
    expect(() => credibilityFactor(7)).toThrow(/1 to 6/);
    expect(() => credibilityFactor(1.5)).toThrow(/1 to 6/);
  });

  // One stance +2 finding (v = 1) at age 0 with C = 1: W = R, mu = (1 + R) / (2 + R).
  it.each([
    ['A', 1.0, 66.66666666666667], // 2/3
    ['B', 0.8, 64.28571428571429], // 1.8/2.8
    ['C', 0.6, 61.53846153846154], // 1.6/2.6
    ['D', 0.3, 56.52173913043478], // 1.3/2.3
    ['E', 0.1, 52.38095238095238], // 1.1/2.1
    ['F', 0.5, 60.0], // 1.5/2.5
  ] as const)('source reliability %s weighs %s', (grade, R, expectedScore) => {
    const card = scoreFramework(singleBenchmark(), [item(T, [stance('B1', 2)], { sourceReliability: grade })], JOINT);
    const b = benchmarkOf(card, 'B1');
    expect(b.evidence_weight).toBeCloseTo(R, 12);
    expect(b.score).toBeCloseTo(expectedScore, 9);
  });

  // Same with R = A: W = C.
  it.each([
    [1, 1.0, 66.66666666666667],
    [2, 0.8, 64.28571428571429],
    [3, 0.6, 61.53846153846154],
    [4, 0.3, 56.52173913043478],
    [5, 0.1, 52.38095238095238],
    [6, 0.5, 60.0],
  ] as const)('credibility %s weighs %s', (grade, C, expectedScore) => {
    const card = scoreFramework(singleBenchmark(), [item(T, [stance('B1', 2)], { credibility: grade })], JOINT);
    const b = benchmarkOf(card, 'B1');
    expect(b.evidence_weight).toBeCloseTo(C, 12);
    expect(b.score).toBeCloseTo(expectedScore, 9);
  });

  it('decays with a half-life in whole days from observed_on to t', () => {
    expect(decayFactor(0, 180)).toBe(1);
    expect(decayFactor(180, 180)).toBe(0.5);
    expect(decayFactor(360, 180)).toBe(0.25);
    expect(decayFactor(30, 180)).toBeCloseTo(0.8908987181403393, 15); // 2^(-1/6)
    expect(decayFactor(90, 90)).toBe(0.5);
    // A finding observed 180 days before t (2026-01-01 -> 2026-06-30) weighs half.
    const card = scoreFramework(singleBenchmark(), [item('2026-01-01', [stance('B1', 2)])], JOINT);
    expect(benchmarkOf(card, 'B1').evidence_weight).toBe(0.5);
    // The benchmark's own half-life applies: 90 days -> 0.25 at age 180.
    const short = scoreFramework(singleBenchmark({ halfLifeDays: 90 }), [item('2026-01-01', [stance('B1', 2)])], JOINT);
    expect(benchmarkOf(short, 'B1').evidence_weight).toBe(0.25);
  });

  it('explains the worked example: one B2 finding, stance +1, 30 days before t', () => {
    // w = 0.8 * 0.8 * 2^(-30/180) = 0.64 * 0.890898718 = 0.570175180
    // v = (1 + 2) / 4 = 0.75; V = 0.427631385
    // mu = (2 * 0.5 + 0.427631385) / (2 + 0.570175180) = 1.427631385 / 2.570175180 = 0.555460731 -> S = 55.5460731
    // sigma = sqrt(0.555460731 * 0.444539269 / 3.570175180) = 0.262993...; low = 21.8414495, high = 89.2506967
    const evidence = [item('2026-05-31', [stance('B1', 1)], { id: 'x', sourceReliability: 'B', credibility: 2 })];
    const card = scoreFramework(singleBenchmark(), evidence, JOINT);
    const b = benchmarkOf(card, 'B1');
    expect(b.evidence_weight).toBeCloseTo(0.570175180, 8);
    expect(b.score).toBeCloseTo(55.5460731, 6);
    expect(b.low).toBeCloseTo(21.8414495, 6);
    expect(b.high).toBeCloseTo(89.2506967, 6);
    expect(b.findings).toBe(1);
    // W = 0.570 < theta = 1: score shown, but insufficient evidence
    expect(b.status).toBe('not_assessed');
    expect(b.confidence).toBe('none');
    expect(b.band).toBeNull();
  });

  it('lists the counted findings with their parts', () => {
    const fw = framework({ P1: [assessment('B1'), indicator('I1', 40, 5)] });
    const evidence = [
      item('2026-05-31', [stance('B1', 1), measured('I1', 12)], { id: 'x', sourceReliability: 'B', credibility: 2 }),
      item('2026-06-30', [stance('B1', -2)], { id: 'y' }),
      item('2026-07-01', [stance('B1', 2)], { id: 'future' }), // observed after t
    ];
    const query = { asOf: T, knownAt: K, perspective: 'JOINT' };
    const all = countedFindings(fw, evidence, query);
    expect(all.map((f) => [f.evidenceId, f.benchmark])).toEqual([
      ['x', 'B1'],
      ['y', 'B1'],
      ['x', 'I1'],
    ]);
    const [x] = countedFindings(fw, evidence, query, 'B1');
    expect(x).toEqual({
      evidenceId: 'x',
      findingIndex: 0,
      benchmark: 'B1',
      observedOn: '2026-05-31',
      value: 0.75,
      weight: 0.8 * 0.8 * Math.pow(2, -30 / 180) * 1,
      reliabilityFactor: 0.8,
      credibilityFactor: 0.8,
      decay: Math.pow(2, -30 / 180),
      groupFactor: 1,
      ageDays: 30,
    });
    // the parts add up to the benchmark's evidence weight
    const card = scoreFramework(fw, evidence, query);
    const b1 = countedFindings(fw, evidence, query, 'B1');
    expect(b1.reduce((sum, f) => sum + f.weight, 0)).toBeCloseTo(benchmarkOf(card, 'B1').evidence_weight, 12);
    expect(countedFindings(fw, evidence, query, 'I1')[0].value).toBeCloseTo(0.8, 15);
    expect(countedFindings(fw, evidence, query, 'UNKNOWN')).toEqual([]);
  });
});

describe('group factor g', () => {
  const pak = { code: 'PAK', pillarWeights: {}, groupWeights: { TTP: 2, BLA: 0.5 } };

  it('takes the largest listed weight, an unlisted tag counting 1, no tags 1', () => {
    expect(groupFactor(pak, ['TTP', 'BLA'])).toBe(2);
    expect(groupFactor(pak, ['BLA'])).toBe(0.5);
    expect(groupFactor(pak, ['ISKP'])).toBe(1);
    expect(groupFactor(pak, ['BLA', 'ISKP'])).toBe(1); // max(0.5, 1)
    expect(groupFactor(pak, [])).toBe(1);
    expect(groupFactor(pak, ['constructor'])).toBe(1); // not fooled by Object.prototype
  });

  it('weighs findings by the perspective, and JOINT by 1', () => {
    // Each benchmark gets one A1 stance +2 finding at age 0, so W = g.
    const fw = framework(
      { P1: ['G1', 'G2', 'G3', 'G4', 'G5'].map((c) => assessment(c)) },
      { perspectives: [pak] },
    );
    const evidence = [
      item(T, [stance('G1', 2)], { groups: ['TTP', 'BLA'] }),
      item(T, [stance('G2', 2)], { groups: ['BLA'] }),
      item(T, [stance('G3', 2)], { groups: ['ISKP'] }),
      item(T, [stance('G4', 2)], { groups: ['BLA', 'ISKP'] }),
      item(T, [stance('G5', 2)], { groups: [] }),
    ];
    const weights = (perspective: string) =>
      scoreFramework(fw, evidence, { asOf: T, knownAt: K, perspective }).pillars[0].benchmarks.map((b) => b.evidence_weight);
    expect(weights('PAK')).toEqual([2, 0.5, 1, 1, 1]);
    expect(weights('JOINT')).toEqual([1, 1, 1, 1, 1]);
  });
});
