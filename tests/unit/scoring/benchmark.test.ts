// Section 5 of METHODOLOGY.md: benchmark score, status, interval, confidence, band; and the scorecard shape.

import { describe, expect, it } from 'vitest';
import {
  ScoringError,
  bandFor,
  benchmarkStatistics,
  confidenceFor,
  scoreFramework,
  type ScoringEvidence,
} from '../../../src/scoring/index';
import { K, T, assessment, benchmarkOf, framework, indicator, item, singleBenchmark, stance } from './builders';

const JOINT = { asOf: T, knownAt: K, perspective: 'JOINT' };

/** n findings of A1 items observed on t (w = 1 each) with the given stances */
const atT = (...stances: number[]): ScoringEvidence[] => stances.map((s) => item(T, [stance('B1', s)]));

const scoreB1 = (evidence: ScoringEvidence[], fw = singleBenchmark()) => benchmarkOf(scoreFramework(fw, evidence, JOINT), 'B1');

describe('benchmark score', () => {
  it('is the prior 50 with W = 0 when nothing counts', () => {
    // mu = (2*0.5 + 0) / (2 + 0) = 0.5; sigma = sqrt(0.25 / 3) = 0.288675; z*sigma = 0.369966
    const b = scoreB1([]);
    expect(b).toEqual({
      code: 'B1',
      score: 50,
      low: expect.closeTo(13.0033948, 6),
      high: expect.closeTo(86.9966052, 6),
      evidence_weight: 0,
      findings: 0,
      status: 'not_assessed',
      band: null,
      confidence: 'none',
      trend: { delta: null, direction: null },
      stale: false,
      last_observed_on: null,
      trend_driver: null,
    });
  });

  it('shrinks towards 50 with the prior strength kappa', () => {
    // one A1 +2 finding: kappa 2 -> (1 + 1)/(2 + 1) = 2/3; kappa 0 -> (0 + 1)/(0 + 1) = 1; kappa 6 -> (3 + 1)/(6 + 1) = 4/7
    expect(scoreB1(atT(2)).score).toBeCloseTo(66.6666667, 6);
    expect(scoreB1(atT(2), singleBenchmark({}, { priorStrength: 0 })).score).toBe(100);
    expect(scoreB1(atT(2), singleBenchmark({}, { priorStrength: 6 })).score).toBeCloseTo(57.1428571, 6);
  });

  it('keeps the neutral 50 when kappa = 0 and nothing counts (no 0/0)', () => {
    const b = scoreB1([], singleBenchmark({}, { priorStrength: 0 }));
    expect(b.score).toBe(50);
    // sigma = sqrt(0.25 / (0 + 0 + 1)) = 0.5; 0.5 -/+ 0.6408 clamps to [0, 1]
    expect([b.low, b.high]).toEqual([0, 100]);
  });

  it('combines several findings as W = sum(w), V = sum(w v)', () => {
    // A1 +2 at t (w 1, v 1), C3 -1 at t (w 0.6, v 0.25), A1 0 at 180 days (w 0.5, v 0.5)
    // W = 2.1; V = 1 + 0.15 + 0.25 = 1.4; mu = (1 + 1.4) / (2 + 2.1) = 2.4 / 4.1 = 0.585366
    const evidence = [
      item(T, [stance('B1', 2)]),
      item(T, [stance('B1', -1)], { sourceReliability: 'C' }),
      item('2026-01-01', [stance('B1', 0)]),
    ];
    const b = scoreB1(evidence);
    expect(b.evidence_weight).toBeCloseTo(2.1, 12);
    expect(b.score).toBeCloseTo(58.5365854, 6);
    expect(b.findings).toBe(3);
    expect(b.confidence).toBe('low');
  });

  it('counts two findings of one item separately', () => {
    const fw = framework({ P1: [assessment('B1'), assessment('B2')] });
    const card = scoreFramework(fw, [item(T, [stance('B1', 2), stance('B1', -2), stance('B2', 1)])], JOINT);
    expect(benchmarkOf(card, 'B1')).toMatchObject({ findings: 2, evidence_weight: 2, score: 50 }); // (1 + 1 + 0)/(2 + 2)
    expect(benchmarkOf(card, 'B2')).toMatchObject({ findings: 1, evidence_weight: 1, score: 100 * (1 + 0.75) / 3 });
  });
});

describe('status: assessed when W >= theta', () => {
  it('is assessed at exactly W = theta = 1 and not below', () => {
    expect(scoreB1(atT(1)).status).toBe('assessed'); // A1: W = 1
    const below = scoreB1([item(T, [stance('B1', 1)], { sourceReliability: 'B' })]); // W = 0.8
    expect(below.status).toBe('not_assessed');
    expect(below.score).toBeCloseTo(100 * (1 + 0.8 * 0.75) / 2.8, 9); // still computed: 57.142857
    expect(below.band).toBeNull();
  });

  it('uses the framework threshold', () => {
    const fw = singleBenchmark({}, { assessedThreshold: 0.5 });
    expect(scoreB1([item(T, [stance('B1', 1)], { sourceReliability: 'F' })], fw).status).toBe('assessed'); // W = 0.5
    expect(scoreB1([item(T, [stance('B1', 1)], { sourceReliability: 'E' })], fw).status).toBe('not_assessed'); // 0.1
  });
});

describe('80% interval', () => {
  it('is mu -/+ 1.2816 sigma with sigma = sqrt(mu (1 - mu) / (kappa + W + 1))', () => {
    // one A1 +2: mu = 2/3; sigma = sqrt((2/3)(1/3)/4) = sqrt(1/18) = 0.2357023
    // low = 100 (0.6666667 - 0.3020761) = 36.4590650; high = 100 (0.6666667 + 0.3020761) = 96.8742684
    const b = scoreB1(atT(2));
    expect(b.low).toBeCloseTo(36.459065, 6);
    expect(b.high).toBeCloseTo(96.8742684, 6);
  });

  it('is clamped to [0, 100]', () => {
    // eight A1 +2: W = 8, mu = (1 + 8)/10 = 0.9, sigma = sqrt(0.09/11) = 0.0904534
    // high = 100 min(1, 0.9 + 0.1159251) = 100; low = 100 (0.9 - 0.1159251) = 78.4074918
    const up = scoreB1(atT(2, 2, 2, 2, 2, 2, 2, 2));
    expect(up.score).toBeCloseTo(90, 12);
    expect(up.high).toBe(100);
    expect(up.low).toBeCloseTo(78.4074918, 6);
    // eight A1 -2: mu = 1/10; low = 100 max(0, 0.1 - 0.1159251) = 0; high = 21.5925082
    const down = scoreB1(atT(-2, -2, -2, -2, -2, -2, -2, -2));
    expect(down.low).toBe(0);
    expect(down.high).toBeCloseTo(21.5925082, 6);
  });

  it('collapses when mu is 0 or 1 (kappa 0)', () => {
    const b = scoreB1(atT(2), singleBenchmark({}, { priorStrength: 0 }));
    expect([b.low, b.score, b.high]).toEqual([100, 100, 100]);
  });
});

describe('confidence', () => {
  it('follows the thresholds 8, 3 and theta', () => {
    expect(confidenceFor(8, 1)).toBe('high');
    expect(confidenceFor(7.999, 1)).toBe('medium');
    expect(confidenceFor(3, 1)).toBe('medium');
    expect(confidenceFor(2.999, 1)).toBe('low');
    expect(confidenceFor(1, 1)).toBe('low');
    expect(confidenceFor(0.999, 1)).toBe('none');
    expect(confidenceFor(0, 0)).toBe('low'); // theta 0: W >= theta always
    expect(confidenceFor(0.4, 0.5)).toBe('none');
  });

  it('is reported on the benchmark', () => {
    expect(scoreB1(atT(1, 1, 1, 1, 1, 1, 1, 1)).confidence).toBe('high'); // W = 8
    expect(scoreB1(atT(1, 1, 1, 1, 1, 1, 1)).confidence).toBe('medium'); // W = 7
    expect(scoreB1(atT(1, 1, 1)).confidence).toBe('medium'); // W = 3
    expect(scoreB1(atT(1, 1)).confidence).toBe('low'); // W = 2
    expect(scoreB1(atT(1)).confidence).toBe('low'); // W = 1
    expect(scoreB1([item(T, [stance('B1', 1)], { credibility: 2 })]).confidence).toBe('none'); // W = 0.8
  });

  it('is computed from W alone by benchmarkStatistics', () => {
    expect(benchmarkStatistics(0, 0, 2, 1)).toMatchObject({ mu: 0.5, score: 50, status: 'not_assessed', confidence: 'none' });
  });
});

describe('bands', () => {
  it('cut at exactly 80, 60 and 40', () => {
    expect(bandFor(100)).toBe('compliant');
    expect(bandFor(80)).toBe('compliant');
    expect(bandFor(79.9999999)).toBe('largely_compliant');
    expect(bandFor(60)).toBe('largely_compliant');
    expect(bandFor(59.9999999)).toBe('partially_compliant');
    expect(bandFor(40)).toBe('partially_compliant');
    expect(bandFor(39.9999999)).toBe('non_compliant');
    expect(bandFor(0)).toBe('non_compliant');
  });

  it('are given to assessed benchmarks at the boundary scores', () => {
    // three A1 findings at t: mu = (1 + V) / 5
    const b80 = scoreB1(atT(2, 2, 2)); // V = 3 -> 4/5
    expect([b80.score, b80.band]).toEqual([80, 'compliant']);
    const b60 = scoreB1(atT(2, 2, -2)); // V = 2 -> 3/5
    expect([b60.score, b60.band]).toEqual([60, 'largely_compliant']);
    const b40 = scoreB1(atT(2, -2, -2)); // V = 1 -> 2/5
    expect([b40.score, b40.band]).toEqual([40, 'partially_compliant']);
    const b20 = scoreB1(atT(-2, -2, -2)); // V = 0 -> 1/5
    expect([b20.score, b20.band]).toEqual([20, 'non_compliant']);
  });
});

describe('scorecard document', () => {
  const fw = framework(
    { BORDER: [assessment('BORDER-1'), indicator('BORDER-2', 40, 5)], INTEL: [assessment('INTEL-1')] },
    { perspectives: [{ code: 'PAK', pillarWeights: { BORDER: 1.5 }, groupWeights: { TTP: 2 } }] },
  );

  it('has the INTERFACES.md shape, framework order and echoes the query', () => {
    const card = scoreFramework(fw, [], { asOf: T, knownAt: K, perspective: 'PAK' });
    expect(Object.keys(card)).toEqual(['framework', 'methodology', 'as_of', 'known_at', 'perspective', 'overall', 'pillars']);
    expect(card).toMatchObject({ framework: 'TEST-FW', methodology: 'v1.1', as_of: T, known_at: K, perspective: 'PAK' });
    expect(Object.keys(card.overall)).toEqual(['score', 'status', 'band', 'coverage', 'trend']);
    expect(card.pillars.map((p) => p.code)).toEqual(['BORDER', 'INTEL']);
    expect(Object.keys(card.pillars[0])).toEqual(['code', 'score', 'status', 'band', 'coverage', 'trend', 'benchmarks']);
    expect(card.pillars[0].benchmarks.map((b) => b.code)).toEqual(['BORDER-1', 'BORDER-2']);
    expect(Object.keys(card.pillars[0].benchmarks[0])).toEqual([
      'code', 'score', 'low', 'high', 'evidence_weight', 'findings', 'status', 'band', 'confidence', 'trend',
      'stale', 'last_observed_on', 'trend_driver',
    ]);
    expect(card.overall).toEqual({
      score: null,
      status: 'not_assessed',
      band: null,
      coverage: 0,
      trend: { delta: null, direction: null },
    });
    expect(JSON.parse(JSON.stringify(card))).toEqual(card); // plain JSON data
  });

  it('turns a known-at date into the end of that day', () => {
    expect(scoreFramework(fw, [], { asOf: T, knownAt: '2026-07-01', perspective: 'JOINT' }).known_at).toBe(
      '2026-07-01T23:59:59.999Z',
    );
  });

  it('always knows JOINT, and refuses an unknown perspective with a clear error', () => {
    expect(scoreFramework(fw, [], JOINT).perspective).toBe('JOINT');
    const attempt = () => scoreFramework(fw, [], { asOf: T, knownAt: K, perspective: 'XYZ' });
    expect(attempt).toThrow(ScoringError);
    expect(attempt).toThrow('unknown perspective "XYZ" for framework TEST-FW (known: JOINT, PAK)');
    expect(() => scoreFramework(fw, [], { asOf: T, knownAt: K, perspective: 'pak' })).toThrow(/unknown perspective/);
  });

  it('refuses a malformed as-of date or known-at', () => {
    expect(() => scoreFramework(fw, [], { asOf: '2026-6-30', knownAt: K, perspective: 'JOINT' })).toThrow(/YYYY-MM-DD/);
    expect(() => scoreFramework(fw, [], { asOf: T, knownAt: 'yesterday', perspective: 'JOINT' })).toThrow(/known-at/);
  });
});
