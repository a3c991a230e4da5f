// Sections 5 (trend), 6 (pillar) and 7 (overall) of METHODOLOGY.md, and the series helper.

import { describe, expect, it } from 'vitest';
import {
  directionFor,
  scoreFramework,
  scoreSeries,
  trendFor,
  weightedCoverageScore,
  type ScoringEvidence,
  type ScoringFramework,
} from '../../../src/scoring/index';
import { K, T, assessment, benchmarkOf, framework, item, pillarOf, stance } from './builders';

const T90 = '2026-04-01'; // t - 90 days
const joint = (fw: ScoringFramework, evidence: ScoringEvidence[], asOf = T) =>
  scoreFramework(fw, evidence, { asOf, knownAt: K, perspective: 'JOINT' });

/** A1 items observed on the given date, one finding each on benchmark code with the given stances */
const on = (date: string, code: string, ...stances: number[]) => stances.map((s) => item(date, [stance(code, s)]));

describe('trend', () => {
  it('thresholds at exactly +5 and -5', () => {
    expect(directionFor(5)).toBe('improving');
    expect(directionFor(4.9999999)).toBe('stable');
    expect(directionFor(0)).toBe('stable');
    expect(directionFor(-4.9999999)).toBe('stable');
    expect(directionFor(-5)).toBe('deteriorating');
    expect(trendFor({ score: 55, status: 'assessed' }, { score: 50, status: 'assessed' })).toEqual({
      delta: 5,
      direction: 'improving',
    });
    expect(trendFor({ score: 55, status: 'assessed' }, { score: 50, status: 'not_assessed' })).toEqual({
      delta: null,
      direction: null,
    });
    expect(trendFor({ score: 55, status: 'not_assessed' }, { score: 50, status: 'assessed' })).toEqual({
      delta: null,
      direction: null,
    });
    expect(trendFor({ score: null, status: 'not_assessed' }, { score: 50, status: 'assessed' }).delta).toBeNull();
  });

  // Pillar P with B1 and B2. B1: two A1 stance-0 findings on t-90 -> exactly 50 at both dates
  // (W = 2 at t-90, W = 2 * 2^(-1/2) = 1.414 at t: assessed both times; stance 0 keeps mu at 0.5 whatever W).
  // B2: three A1 findings on t (not counted at t-90) -> (1 + V) / 5.
  const fw = framework({ P: [assessment('B1'), assessment('B2')] });
  const b1 = on(T90, 'B1', 0, 0);

  it('is exactly +5 (improving) for the pillar and the overall index', () => {
    // B2: V = 1 + 1 + 0 = 2 -> 60. Pillar at t-90: only B1 assessed, coverage 1/2 = 0.5 -> assessed, 50.
    // Pillar at t: (50 + 60) / 2 = 55 -> delta 5 -> improving. Overall = the one pillar (pi 1) -> same.
    const card = joint(fw, [...b1, ...on(T, 'B2', 2, 2, -2)]);
    expect(pillarOf(card, 'P')).toMatchObject({ score: 55, status: 'assessed', trend: { delta: 5, direction: 'improving' } });
    expect(card.overall).toMatchObject({ score: 55, trend: { delta: 5, direction: 'improving' } });
    expect(benchmarkOf(card, 'B1').trend).toEqual({ delta: 0, direction: 'stable' });
    expect(benchmarkOf(card, 'B2').trend).toEqual({ delta: null, direction: null }); // W = 0 at t-90
    const before = joint(fw, [...b1, ...on(T, 'B2', 2, 2, -2)], T90);
    expect(pillarOf(before, 'P')).toMatchObject({ score: 50, status: 'assessed', coverage: 0.5 });
  });

  it('is exactly -5 (deteriorating)', () => {
    // B2: V = 1 + 0 + 0 = 1 -> 40; pillar (50 + 40) / 2 = 45 -> delta -5
    const card = joint(fw, [...b1, ...on(T, 'B2', 2, -2, -2)]);
    expect(pillarOf(card, 'P').trend).toEqual({ delta: -5, direction: 'deteriorating' });
  });

  it('is stable just inside the thresholds', () => {
    // B2: +2 from a B2 item (w 0.64), +2 and -2 from A1 items: W = 2.64, V = 1.64 -> mu = 2.64 / 4.64 = 0.568966
    // pillar (50 + 56.8966) / 2 = 53.4483 -> delta 3.4483 -> stable
    const evidence = [
      ...b1,
      item(T, [stance('B2', 2)], { sourceReliability: 'B', credibility: 2 }),
      ...on(T, 'B2', 2, -2),
    ];
    const trend = pillarOf(joint(fw, evidence), 'P').trend;
    expect(trend.direction).toBe('stable');
    expect(trend.delta).toBeCloseTo(100 * (2.64 / 4.64) / 2 - 25, 9);
  });

  it('is null when the earlier or the later score is not assessed', () => {
    // One A1 +2 finding on t-90: W = 1 then (assessed, 66.67), 2^(-1/2) = 0.707 at t (not assessed).
    const single = framework({ P: [assessment('B1')] });
    const card = joint(single, on(T90, 'B1', 2));
    expect(benchmarkOf(card, 'B1')).toMatchObject({ status: 'not_assessed', trend: { delta: null, direction: null } });
    expect(pillarOf(card, 'P')).toMatchObject({ score: null, trend: { delta: null, direction: null } });
    // Only evidence after t-90: assessed now, nothing then.
    const fresh = joint(single, on(T, 'B1', 2));
    expect(benchmarkOf(fresh, 'B1').trend).toEqual({ delta: null, direction: null });
    expect(fresh.overall.trend).toEqual({ delta: null, direction: null });
  });

  it('compares with t - 90 calendar days at the same k', () => {
    // Two A1 +2 findings observed 2026-03-01 but verified only on 15 June (after t-90, before k): they count at t-90
    // because the earlier score uses the same k. Age 31 at t-90, 121 at t:
    // S(t-90) = 100 (1 + 2d) / (2 + 2d) with d = 2^(-31/180) = 0.887 -> 73.50; S(t) with d = 2^(-121/180) = 0.627 -> 69.18
    // A third item observed on t-90 but verified after k counts at neither date.
    const single = framework({ P: [assessment('B1')] });
    const verifiedInJune = { verifiedAt: '2026-06-15T00:00:00.000Z' };
    const evidence = [
      item('2026-03-01', [stance('B1', 2)], verifiedInJune),
      item('2026-03-01', [stance('B1', 2)], verifiedInJune),
      item(T90, [stance('B1', -2)], { verifiedAt: '2026-07-05T00:00:00.000Z' }),
    ];
    const S = (d: number) => (100 * (1 + 2 * d)) / (2 + 2 * d);
    const trend = benchmarkOf(joint(single, evidence), 'B1').trend;
    expect(trend.delta).toBeCloseTo(S(Math.pow(2, -121 / 180)) - S(Math.pow(2, -31 / 180)), 9); // -4.32
    expect(trend.direction).toBe('stable');
  });
});

describe('pillar score', () => {
  // B1 (omega 2), B2 (omega 1), B3 (omega 1)
  const fw = framework({ P: [assessment('B1', { weight: 2 }), assessment('B2'), assessment('B3')] });

  it('is the omega-weighted mean of assessed benchmarks, with coverage by omega', () => {
    // B1 = 80 (3 x +2), B2 = 20 (3 x -2), B3 nothing: S = (2*80 + 1*20) / 3 = 60; coverage (2 + 1) / 4 = 0.75
    const card = joint(fw, [...on(T, 'B1', 2, 2, 2), ...on(T, 'B2', -2, -2, -2)]);
    expect(pillarOf(card, 'P')).toMatchObject({ score: 60, coverage: 0.75, status: 'assessed', band: 'largely_compliant' });
  });

  it('is assessed at coverage exactly 0.5', () => {
    // only B1 assessed: coverage 2/4 = 0.5
    const card = joint(fw, on(T, 'B1', 2, 2, 2));
    expect(pillarOf(card, 'P')).toMatchObject({ score: 80, coverage: 0.5, status: 'assessed', band: 'compliant' });
  });

  it('gives a score but no status, band or trend below coverage 0.5', () => {
    // only B2 assessed: coverage 1/4 = 0.25; its score is still given:
    // V = 0, W = 3 (on t) + 4 * 2^(-90/180) (on t-90) = 5.828 -> mu = 1 / 7.828 = 0.1277
    const card = joint(fw, [...on(T90, 'B2', -2, -2, -2, -2), ...on(T, 'B2', -2, -2, -2)]);
    expect(pillarOf(card, 'P')).toMatchObject({
      score: expect.closeTo(100 / (2 + 3 + 4 * Math.SQRT1_2), 9), // V = 0, W = 3 + 4 * 2^(-1/2)
      coverage: 0.25,
      status: 'not_assessed',
      band: null,
      trend: { delta: null, direction: null },
    });
  });

  it('ignores unassessed benchmarks in the mean', () => {
    // B1 = 80 assessed; B2 has one B2 finding -2 (W 0.64, not assessed, score (1 + 0)/2.64 = 37.9)
    const card = joint(fw, [...on(T, 'B1', 2, 2, 2), item(T, [stance('B2', -2)], { sourceReliability: 'B', credibility: 2 })]);
    expect(pillarOf(card, 'P').score).toBe(80);
  });

  it('is null and not assessed with no assessed benchmark, or no benchmark at all', () => {
    expect(pillarOf(joint(fw, []), 'P')).toMatchObject({ score: null, status: 'not_assessed', coverage: 0, band: null });
    const empty = framework({ EMPTY: [], P: [assessment('B1')] });
    expect(pillarOf(joint(empty, on(T, 'B1', 2)), 'EMPTY')).toMatchObject({ score: null, status: 'not_assessed', coverage: 0 });
  });

  it('guards zero weights: no division by zero', () => {
    expect(weightedCoverageScore([])).toEqual({ score: null, status: 'not_assessed', coverage: 0 });
    expect(weightedCoverageScore([{ score: 70, weight: 0, assessed: true }])).toEqual({
      score: null,
      status: 'not_assessed',
      coverage: 0,
    });
    expect(weightedCoverageScore([{ score: 70, weight: 0, assessed: true }, { score: 30, weight: 1, assessed: true }])).toEqual({
      score: 30,
      status: 'assessed',
      coverage: 1,
    });
  });
});

describe('overall index', () => {
  // P1 = 80 (B1), P2 = 20 (B2), P3 has no evidence. PAK weighs P1 by 3; P2 and P3 unlisted count 1.
  const fw = framework(
    { P1: [assessment('B1')], P2: [assessment('B2')], P3: [assessment('B3')] },
    { perspectives: [{ code: 'PAK', pillarWeights: { P1: 3 }, groupWeights: {} }] },
  );
  const evidence = [...on(T, 'B1', 2, 2, 2), ...on(T, 'B2', -2, -2, -2)];
  const view = (perspective: string, ev = evidence) => scoreFramework(fw, ev, { asOf: T, knownAt: K, perspective });

  it('is the pi-weighted mean of assessed pillars, coverage by pi', () => {
    // PAK: (3*80 + 1*20) / 4 = 65, coverage (3 + 1) / 5 = 0.8
    expect(view('PAK').overall).toMatchObject({ score: 65, coverage: 0.8, status: 'assessed', band: 'largely_compliant' });
    // JOINT: (80 + 20) / 2 = 50, coverage 2/3
    expect(view('JOINT').overall).toMatchObject({ score: 50, status: 'assessed', band: 'partially_compliant' });
    expect(view('JOINT').overall.coverage).toBeCloseTo(2 / 3, 15);
  });

  it('applies the 0.5 rule with the perspective weights', () => {
    const onlyP1 = on(T, 'B1', 2, 2, 2);
    // JOINT: coverage 1/3 -> not assessed, score 80 still given, no band
    expect(view('JOINT', onlyP1).overall).toMatchObject({ score: 80, status: 'not_assessed', band: null });
    expect(view('JOINT', onlyP1).overall.coverage).toBeCloseTo(1 / 3, 15);
    // PAK: coverage 3/5 = 0.6 -> assessed
    expect(view('PAK', onlyP1).overall).toMatchObject({ score: 80, coverage: 0.6, status: 'assessed', band: 'compliant' });
  });

  it('leaves out pillars that are not assessed', () => {
    // P2's only benchmark has one B2-graded -2 finding (W 0.64 < theta): P2 is not assessed, so overall = P1 = 80.
    const ev = [...on(T, 'B1', 2, 2, 2), item(T, [stance('B2', -2)], { sourceReliability: 'B', credibility: 2 })];
    expect(view('JOINT', ev).overall.score).toBe(80);
  });

  it('is null with no assessed pillar', () => {
    expect(view('PAK', []).overall).toEqual({
      score: null,
      status: 'not_assessed',
      band: null,
      coverage: 0,
      trend: { delta: null, direction: null },
    });
  });

  it('treats JOINT as all weights 1 even if a framework lists a JOINT entry', () => {
    const withJoint: ScoringFramework = {
      ...fw,
      perspectives: [...fw.perspectives, { code: 'JOINT', pillarWeights: { P1: 9 }, groupWeights: { TTP: 9 } }],
    };
    const card = scoreFramework(withJoint, evidence, { asOf: T, knownAt: K, perspective: 'JOINT' });
    expect(card.overall.score).toBe(50);
  });
});

describe('scoreSeries', () => {
  it('equals one scorecard per date, in the given order', () => {
    const fw = framework({ P: [assessment('B1'), assessment('B2')] });
    const evidence = [...on('2026-01-10', 'B1', 2, 1), ...on('2026-03-01', 'B2', -1, 0, 2), ...on(T, 'B1', -2)];
    const dates = [T, '2026-01-31', '2026-03-31', '2026-04-30', '2026-05-31', '2025-12-31', T];
    const view = { knownAt: K, perspective: 'JOINT' };
    const series = scoreSeries(fw, evidence, view, dates);
    expect(series.map((c) => c.as_of)).toEqual(dates);
    dates.forEach((asOf, i) => expect(series[i]).toEqual(scoreFramework(fw, evidence, { asOf, ...view })));
    expect(scoreSeries(fw, evidence, view, [])).toEqual([]);
  });
});
