// One finding: its value v (METHODOLOGY.md section 2), its weight w = R*C*decay*g (section 3),
// and whether its evidence item counts at (t, k) (section 4).

import { CREDIBILITY_FACTORS, RELIABILITY_FACTORS, SCORING_CONSTANTS } from './constants';
import { ScoringError } from './errors';
import type { ScoringBenchmark, ScoringFinding, ScoringFramework, ScoringPerspective, SourceReliability } from './types';

const hasOwn = (record: object, key: string): boolean => Object.prototype.hasOwnProperty.call(record, key);

/** v for a stance s in {-2..2}: (s + 2) / 4. */
export function stanceValue(stance: number): number {
  return (stance + 2) / 4;
}

/**
 * v for an indicator: clamp((x - B) / (T - B), 0, 1); T < B means lower is better.
 * Returns null when B or T is missing or B == T (validation forbids it; such a finding is ignored, not guessed).
 */
export function indicatorValue(x: number, baseline: number | null, target: number | null): number | null {
  if (baseline === null || target === null || !Number.isFinite(baseline) || !Number.isFinite(target)) return null;
  if (baseline === target) return null;
  const v = (x - baseline) / (target - baseline);
  return Math.min(1, Math.max(0, v));
}

/**
 * v of a finding for its benchmark, or null when the finding carries no usable number for the benchmark's kind
 * (stance missing on an assessment, value missing on an indicator, or an unusable baseline/target): ignored.
 */
export function findingValue(benchmark: ScoringBenchmark, finding: ScoringFinding): number | null {
  if (benchmark.kind === 'assessment') {
    return finding.stance === null || !Number.isFinite(finding.stance) ? null : stanceValue(finding.stance);
  }
  if (finding.value === null || !Number.isFinite(finding.value)) return null;
  return indicatorValue(finding.value, benchmark.baseline, benchmark.target);
}

/** R of an Admiralty source-reliability grade A-F. */
export function reliabilityFactor(grade: SourceReliability): number {
  if (!hasOwn(RELIABILITY_FACTORS, grade)) {
    throw new ScoringError('INVALID_GRADE', `source reliability must be one of A-F, got ${JSON.stringify(grade)}`);
  }
  return RELIABILITY_FACTORS[grade];
}

/** C of an Admiralty credibility grade 1-6. */
export function credibilityFactor(grade: number): number {
  const key = String(grade);
  if (!Number.isInteger(grade) || !hasOwn(CREDIBILITY_FACTORS, key)) {
    throw new ScoringError('INVALID_GRADE', `credibility must be an integer from 1 to 6, got ${JSON.stringify(grade)}`);
  }
  return CREDIBILITY_FACTORS[grade as 1 | 2 | 3 | 4 | 5 | 6];
}

/** A usable half-life: the benchmark's when it is a positive number (Infinity = no decay), else the default 180. */
export function effectiveHalfLife(halfLifeDays: number): number {
  return typeof halfLifeDays === 'number' && halfLifeDays > 0 ? halfLifeDays : SCORING_CONSTANTS.defaultHalfLifeDays;
}

/** decay = 2^(-age / half_life), age in whole days from observed_on to t. */
export function decayFactor(ageDays: number, halfLifeDays: number): number {
  return Math.pow(2, -ageDays / effectiveHalfLife(halfLifeDays));
}

/** w = R * C * decay * g (always multiplied in this order, so every caller gets the same bits). */
export function findingWeight(reliability: number, credibility: number, decay: number, group: number): number {
  return reliability * credibility * decay * group;
}

/** The perspective a score is computed for: its pillar weights pi and group weights g. */
export interface ResolvedPerspective {
  code: string;
  pillarWeights: Record<string, number>;
  groupWeights: Record<string, number>;
}

/**
 * The perspective named by code. JOINT always exists and always weighs everything 1, even if a framework
 * lists a JOINT entry. Any other code must be one of the framework's perspectives.
 */
export function resolvePerspective(framework: ScoringFramework, code: string): ResolvedPerspective {
  if (code === SCORING_CONSTANTS.jointPerspective) return { code, pillarWeights: {}, groupWeights: {} };
  const found: ScoringPerspective | undefined = framework.perspectives.find((p) => p.code === code);
  if (!found) {
    const known = [SCORING_CONSTANTS.jointPerspective, ...framework.perspectives.map((p) => p.code)].join(', ');
    throw new ScoringError(
      'UNKNOWN_PERSPECTIVE',
      `unknown perspective ${JSON.stringify(code)} for framework ${framework.code} (known: ${known})`,
    );
  }
  return { code: found.code, pillarWeights: found.pillarWeights ?? {}, groupWeights: found.groupWeights ?? {} };
}

/** g: the largest of the perspective's group weights over the tags, an unlisted tag counting 1; no tags -> 1. */
export function groupFactor(perspective: Pick<ResolvedPerspective, 'groupWeights'>, groups: readonly string[]): number {
  if (groups.length === 0) return SCORING_CONSTANTS.defaultGroupFactor;
  let g = Number.NEGATIVE_INFINITY;
  for (const tag of groups) {
    const weight = hasOwn(perspective.groupWeights, tag) ? perspective.groupWeights[tag] : SCORING_CONSTANTS.defaultGroupFactor;
    if (weight > g) g = weight;
  }
  return g;
}

/** pi of a pillar under a perspective: listed weight, else 1. */
export function pillarWeight(perspective: Pick<ResolvedPerspective, 'pillarWeights'>, pillarCode: string): number {
  return hasOwn(perspective.pillarWeights, pillarCode)
    ? perspective.pillarWeights[pillarCode]
    : SCORING_CONSTANTS.defaultPillarWeight;
}

/** Review instants of an evidence item as epoch milliseconds (null = never happened). */
export interface ReviewTimes {
  verifiedMs: number | null;
  retractedMs: number | null;
  supersededMs: number | null;
}

/**
 * Known at k (section 4, the knowledge half): verified at or before k, and not retracted nor superseded
 * at or before k. The boundary instant equal to k counts as "at or before".
 */
export function isKnownAt(times: ReviewTimes, knownAtMs: number): boolean {
  if (times.verifiedMs === null || times.verifiedMs > knownAtMs) return false;
  if (times.retractedMs !== null && times.retractedMs <= knownAtMs) return false;
  if (times.supersededMs !== null && times.supersededMs <= knownAtMs) return false;
  return true;
}
