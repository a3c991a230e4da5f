// Section 4 of METHODOLOGY.md: which findings count as of t, as known at k.

import { describe, expect, it } from 'vitest';
import { isKnownAt, scoreFramework, type ScoringEvidence } from '../../../src/scoring/index';
import { K, T, benchmarkOf, item, singleBenchmark, stance } from './builders';

const fw = singleBenchmark();
const b1 = (evidence: ScoringEvidence[], knownAt = K, asOf = T) =>
  benchmarkOf(scoreFramework(fw, evidence, { asOf, knownAt, perspective: 'JOINT' }), 'B1');
/** one A1 +2 item observed on t with the given review instants; counts -> findings 1 */
const one = (over: Partial<ScoringEvidence>, observedOn = T) => [item(observedOn, [stance('B1', 2)], over)];

describe('counting rule', () => {
  it('counts a verified item observed on t itself (age 0)', () => {
    expect(b1(one({}))).toMatchObject({ findings: 1, evidence_weight: 1 });
  });

  it('does not count an item observed after t', () => {
    expect(b1(one({}, '2026-07-01')).findings).toBe(0);
  });

  it('does not count an unverified item', () => {
    expect(b1(one({ verifiedAt: null })).findings).toBe(0);
  });

  it('counts an item verified exactly at k, not one verified 1 ms after', () => {
    expect(b1(one({ verifiedAt: K })).findings).toBe(1);
    expect(b1(one({ verifiedAt: '2026-07-01T00:00:00.000Z' })).findings).toBe(0);
  });

  it('excludes an item retracted at or before k, keeps one retracted after k', () => {
    expect(b1(one({ retractedAt: K })).findings).toBe(0);
    expect(b1(one({ retractedAt: '2026-06-15T08:00:00.000Z' })).findings).toBe(0);
    expect(b1(one({ retractedAt: '2026-07-01T00:00:00.000Z' })).findings).toBe(1);
  });

  it('excludes an item superseded at or before k, keeps one superseded after k', () => {
    expect(b1(one({ supersededAt: K })).findings).toBe(0);
    expect(b1(one({ supersededAt: '2026-06-15T08:00:00.000Z' })).findings).toBe(0);
    expect(b1(one({ supersededAt: '2026-07-02T00:00:00.000Z' })).findings).toBe(1);
  });

  it('reads a known-at date as the end of that day', () => {
    expect(b1(one({ verifiedAt: '2026-06-30T23:59:59.999Z' }), '2026-06-30').findings).toBe(1);
    expect(b1(one({ verifiedAt: '2026-07-01T00:00:00.000Z' }), '2026-06-30').findings).toBe(0);
    expect(b1(one({ retractedAt: '2026-06-30T23:59:59.999Z' }), '2026-06-30').findings).toBe(0);
  });

  it('compares instants as points in time, not as strings', () => {
    // 2026-06-30T23:00-02:00 is 2026-07-01T01:00Z: after k, although the string sorts before it
    expect(b1(one({ verifiedAt: '2026-06-30T23:00:00.000-02:00' })).findings).toBe(0);
    // 2026-07-01T00:30+01:00 is 2026-06-30T23:30Z: before k, although the string sorts after it
    expect(b1(one({ verifiedAt: '2026-07-01T00:30:00+01:00' })).findings).toBe(1);
    // no fractional seconds, and a zone-less SQLite timestamp read as UTC
    expect(b1(one({ verifiedAt: '2026-06-30T23:59:59Z' })).findings).toBe(1);
    expect(b1(one({ verifiedAt: '2026-06-30 23:59:59' })).findings).toBe(1);
    expect(b1(one({ verifiedAt: '2026-07-01 00:00:00' })).findings).toBe(0);
    expect(isKnownAt({ verifiedMs: 10, retractedMs: null, supersededMs: null }, 10)).toBe(true);
    expect(isKnownAt({ verifiedMs: 11, retractedMs: null, supersededMs: null }, 10)).toBe(false);
    expect(isKnownAt({ verifiedMs: 1, retractedMs: 10, supersededMs: null }, 10)).toBe(false);
    expect(isKnownAt({ verifiedMs: 1, retractedMs: 11, supersededMs: 11 }, 10)).toBe(true);
  });

  it('reproduces a frozen report at its generation time while "as known now" sees later verifications', () => {
    // as of 30 June: item a verified on 1 July (report time), item b verified on 20 July, item c retracted on 10 July
    const generatedAt = '2026-07-01T06:00:00.000Z';
    const evidence = [
      item(T, [stance('B1', 2)], { verifiedAt: '2026-07-01T05:00:00.000Z' }),
      item(T, [stance('B1', -2)], { verifiedAt: '2026-07-20T09:00:00.000Z' }),
      item(T, [stance('B1', 1)], { verifiedAt: '2026-06-01T09:00:00.000Z', retractedAt: '2026-07-10T09:00:00.000Z' }),
    ];
    // at the report: a (v 1) and c (v 0.75) -> mu = (1 + 1.75) / 4 = 0.6875
    expect(b1(evidence, generatedAt)).toMatchObject({ findings: 2, score: 68.75 });
    // now: a (v 1) and b (v 0) -> mu = (1 + 1) / 4 = 0.5
    expect(b1(evidence, '2026-08-01T00:00:00.000Z')).toMatchObject({ findings: 2, score: 50 });
  });
});
