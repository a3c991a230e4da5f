// From sums to scores: benchmark score, interval, status, confidence (section 5), band and trend,
// and the weighted means of pillars (section 6) and the overall index (section 7).

import { SCORING_CONSTANTS } from './constants';
import type { Band, Confidence, Direction, Status, Trend } from './types';

/** A benchmark's score at one (t, k) from W = sum(w) and V = sum(w * v). */
export interface BenchmarkStatistics {
  /** posterior mean mu in [0, 1] */
  mu: number;
  score: number;
  low: number;
  high: number;
  evidenceWeight: number;
  status: Status;
  confidence: Confidence;
}

/**
 * mu = (kappa * 0.5 + V) / (kappa + W), S = 100 mu, 80% interval from sigma = sqrt(mu(1 - mu) / (kappa + W + 1)).
 * Guard: kappa + W = 0 (only possible with a framework prior strength of 0 and no evidence) gives the neutral mu = 0.5.
 */
export function benchmarkStatistics(W: number, V: number, kappa: number, theta: number): BenchmarkStatistics {
  const denominator = kappa + W;
  const mu = denominator > 0 ? (kappa * 0.5 + V) / denominator : 0.5;
  // max(0, .) only absorbs rounding when mu is 0 or 1 to the last bit; it never changes a real value.
  const sigma = Math.sqrt(Math.max(0, mu * (1 - mu)) / (kappa + W + 1));
  const z = SCORING_CONSTANTS.intervalZ;
  return {
    mu,
    score: 100 * mu,
    low: 100 * Math.max(0, mu - z * sigma),
    high: 100 * Math.min(1, mu + z * sigma),
    evidenceWeight: W,
    status: W >= theta ? 'assessed' : 'not_assessed',
    confidence: confidenceFor(W, theta),
  };
}

/** high when W >= 8, medium when W >= 3, low when W >= theta, else none (tested in this order). */
export function confidenceFor(W: number, theta: number): Confidence {
  if (W >= SCORING_CONSTANTS.highConfidenceWeight) return 'high';
  if (W >= SCORING_CONSTANTS.mediumConfidenceWeight) return 'medium';
  if (W >= theta) return 'low';
  return 'none';
}

/** S >= 80 compliant, >= 60 largely_compliant, >= 40 partially_compliant, else non_compliant. */
export function bandFor(score: number): Band {
  const bounds = SCORING_CONSTANTS.bandLowerBounds;
  if (score >= bounds.compliant) return 'compliant';
  if (score >= bounds.largely_compliant) return 'largely_compliant';
  if (score >= bounds.partially_compliant) return 'partially_compliant';
  return 'non_compliant';
}

/** The band of an assessed score, null otherwise. */
export function bandIfAssessed(score: number | null, status: Status): Band | null {
  return status === 'assessed' && score !== null ? bandFor(score) : null;
}

/** improving when delta >= 5, deteriorating when delta <= -5, else stable. */
export function directionFor(delta: number): Direction {
  if (delta >= SCORING_CONSTANTS.trendThreshold) return 'improving';
  if (delta <= -SCORING_CONSTANTS.trendThreshold) return 'deteriorating';
  return 'stable';
}

/** A score with its status, at one date. */
export interface ScoreAt {
  score: number | null;
  status: Status;
}

/** delta = S(t) - S(t - 90 days), null (with a null direction) unless both are assessed. */
export function trendFor(current: ScoreAt, previous: ScoreAt): Trend {
  if (current.status !== 'assessed' || previous.status !== 'assessed' || current.score === null || previous.score === null) {
    return { delta: null, direction: null };
  }
  const delta = current.score - previous.score;
  return { delta, direction: directionFor(delta) };
}

/** One part of a weighted mean: a score, its weight (omega or pi) and whether it is assessed. */
export interface WeightedPart {
  score: number | null;
  weight: number;
  assessed: boolean;
}

/** Pillar (section 6) or overall (section 7) score over its parts. */
export interface CoverageScore {
  score: number | null;
  status: Status;
  coverage: number;
}

/**
 * coverage = sum(weight over assessed) / sum(weight over all); score = weighted mean over the assessed parts;
 * assessed when some part is assessed and coverage >= 0.5.
 * Guards: no parts or total weight 0 -> coverage 0; assessed parts whose weights sum to 0 (only with zero
 * weights) -> score null and not_assessed, as if none were assessed (their mean is undefined).
 */
export function weightedCoverageScore(parts: readonly WeightedPart[]): CoverageScore {
  let total = 0;
  let assessedWeight = 0;
  let weightedSum = 0;
  for (const part of parts) {
    total += part.weight;
    if (part.assessed && part.score !== null) {
      assessedWeight += part.weight;
      weightedSum += part.weight * part.score;
    }
  }
  const coverage = total > 0 ? assessedWeight / total : 0;
  if (!(assessedWeight > 0)) return { score: null, status: 'not_assessed', coverage };
  return {
    score: weightedSum / assessedWeight,
    status: coverage >= SCORING_CONSTANTS.coverageThreshold ? 'assessed' : 'not_assessed',
    coverage,
  };
}
