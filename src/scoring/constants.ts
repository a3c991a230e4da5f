// The fixed numbers of METHODOLOGY.md v1.1, in one place so the methodology page can print them.

import type { SourceReliability } from './types';

export const METHODOLOGY_VERSION = 'v1.1' as const;

/** Every constant of methodology v1.1. Framework-level kappa/theta and per-benchmark half-life/weight are defaults. */
export const SCORING_CONSTANTS = Object.freeze({
  methodology: METHODOLOGY_VERSION,
  /** kappa: strength of the neutral (0.5) prior, in units of evidence weight */
  defaultPriorStrength: 2,
  /** theta: evidence weight W at which a benchmark counts as assessed */
  defaultAssessedThreshold: 1,
  /** decay half-life of a finding, in days */
  defaultHalfLifeDays: 180,
  /** omega: benchmark weight inside its pillar */
  defaultBenchmarkWeight: 1,
  /** pi: pillar weight for a pillar a perspective does not list (and for every pillar under JOINT) */
  defaultPillarWeight: 1,
  /** g: group factor for a tag a perspective does not list, for untagged items, and under JOINT */
  defaultGroupFactor: 1,
  /** two-sided 80% interval: z for the 90th percentile of the standard normal */
  intervalLevel: 0.8,
  intervalZ: 1.2816,
  /** trend compares S(t) with S(t - 90 days) */
  trendWindowDays: 90,
  /** |delta| at or above this many points is improving/deteriorating */
  trendThreshold: 5,
  /** confidence: high when W >= 8, medium when W >= 3, low when W >= theta */
  highConfidenceWeight: 8,
  mediumConfidenceWeight: 3,
  /** share of (weighted) benchmarks/pillars that must be assessed for a pillar/overall score to be assessed */
  coverageThreshold: 0.5,
  /** lower bounds of the bands (score >= bound) */
  bandLowerBounds: Object.freeze({
    compliant: 80,
    largely_compliant: 60,
    partially_compliant: 40,
    non_compliant: 0,
  }),
  /** the perspective that weighs every pillar and group 1; always exists, cannot be redefined */
  jointPerspective: 'JOINT',
});

/** R: Admiralty source reliability grade -> factor. */
export const RELIABILITY_FACTORS: Readonly<Record<SourceReliability, number>> = Object.freeze({
  A: 1.0, // completely reliable
  B: 0.8, // usually reliable
  C: 0.6, // fairly reliable
  D: 0.3, // not usually reliable
  E: 0.1, // unreliable
  F: 0.5, // cannot be judged
});

/** C: Admiralty information credibility grade 1..6 -> factor. */
export const CREDIBILITY_FACTORS: Readonly<Record<1 | 2 | 3 | 4 | 5 | 6, number>> = Object.freeze({
  1: 1.0, // confirmed
  2: 0.8, // probably true
  3: 0.6, // possibly true
  4: 0.3, // doubtful
  5: 0.1, // improbable
  6: 0.5, // cannot be judged
});
