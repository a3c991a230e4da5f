// Public API of the scoring engine (METHODOLOGY.md v1.1).

export * from './types';
export { METHODOLOGY_VERSION, SCORING_CONSTANTS, RELIABILITY_FACTORS, CREDIBILITY_FACTORS } from './constants';
export { ScoringError, type ScoringErrorCode } from './errors';
export { addDays, daysBetween, knownAtFromDate, instantToMs, knownAtToMs, normalizeKnownAt } from './dates';
export {
  stanceValue,
  indicatorValue,
  findingValue,
  reliabilityFactor,
  credibilityFactor,
  decayFactor,
  findingWeight,
  groupFactor,
  pillarWeight,
  resolvePerspective,
  isKnownAt,
  type ResolvedPerspective,
  type ReviewTimes,
} from './finding';
export {
  benchmarkStatistics,
  confidenceFor,
  bandFor,
  directionFor,
  trendFor,
  weightedCoverageScore,
  type BenchmarkStatistics,
  type CoverageScore,
  type ScoreAt,
  type WeightedPart,
} from './aggregate';
export {
  scoreFramework,
  countedFindings,
  scoreSeries,
  createScoringIndex,
  type ScoringIndex,
  type ScoringView,
} from './engine';
export { componentPoints, findingPoints, changeKind, trendDriver, orderContributions } from './contributions';
export { explainChange, explainIndexes } from './explain';
