// Plain-data types of the scoring engine (METHODOLOGY.md v1.1). No I/O, no framework objects.

export type BenchmarkKind = 'assessment' | 'indicator';
export type SourceReliability = 'A' | 'B' | 'C' | 'D' | 'E' | 'F';
export type Status = 'assessed' | 'not_assessed';
export type Band = 'compliant' | 'largely_compliant' | 'partially_compliant' | 'non_compliant';
export type Confidence = 'high' | 'medium' | 'low' | 'none';
export type Direction = 'improving' | 'stable' | 'deteriorating';
/** How a finding's part in a score changed between two views (section 9). */
export type ChangeKind = 'new' | 'aged' | 'removed';

export interface ScoringBenchmark {
  code: string;
  kind: BenchmarkKind;
  /** omega, weight inside its pillar (> 0) */
  weight: number;
  halfLifeDays: number;
  /** indicator only (baseline != target); null for assessment benchmarks */
  baseline: number | null;
  target: number | null;
}

export interface ScoringPillar {
  code: string;
  benchmarks: ScoringBenchmark[];
}

export interface ScoringPerspective {
  code: string;
  /** pillar code -> pi; a pillar not listed counts 1 */
  pillarWeights: Record<string, number>;
  /** group code -> g; a group not listed counts 1 */
  groupWeights: Record<string, number>;
}

export interface ScoringFramework {
  code: string;
  /** kappa */
  priorStrength: number;
  /** theta */
  assessedThreshold: number;
  /** in framework order */
  pillars: ScoringPillar[];
  /** JOINT need not be listed: it always exists with no weights */
  perspectives: ScoringPerspective[];
}

export interface ScoringFinding {
  benchmark: string;
  /** assessment: integer -2..2, else null */
  stance: number | null;
  /** indicator: measured value, else null */
  value: number | null;
}

export interface ScoringEvidence {
  id: string | number;
  /** YYYY-MM-DD */
  observedOn: string;
  sourceReliability: SourceReliability;
  /** 1..6 */
  credibility: number;
  groups: string[];
  /** ISO-8601 instants (UTC, e.g. 2026-01-12T10:00:00.000Z) or null */
  verifiedAt: string | null;
  retractedAt: string | null;
  /** when a verified correction replaced this item */
  supersededAt: string | null;
  findings: ScoringFinding[];
}

export interface ScoreQuery {
  /** YYYY-MM-DD, the day the score describes */
  asOf: string;
  /** ISO-8601 instant, the state of knowledge used */
  knownAt: string;
  /** perspective code, 'JOINT' for the joint view */
  perspective: string;
}

export interface Trend {
  delta: number | null;
  direction: Direction | null;
}

export interface BenchmarkScore {
  code: string;
  score: number;
  low: number;
  high: number;
  evidence_weight: number;
  findings: number;
  status: Status;
  band: Band | null;
  confidence: Confidence;
  trend: Trend;
  /** v1.1 (section 10): assessed, and the newest counted finding is older than the half-life */
  stale: boolean;
  /** v1.1 (section 10): observed_on of the newest counted finding, null when none counts */
  last_observed_on: string | null;
  /** v1.1 (section 10): the kind of change that drove the trend's delta, null without a (non-zero) trend */
  trend_driver: ChangeKind | null;
}

export interface PillarScore {
  code: string;
  score: number | null;
  status: Status;
  band: Band | null;
  coverage: number;
  trend: Trend;
  benchmarks: BenchmarkScore[];
}

export interface OverallScore {
  score: number | null;
  status: Status;
  band: Band | null;
  coverage: number;
  trend: Trend;
}

/** The scorecard document of INTERFACES.md (snake_case keys, unrounded numbers). */
export interface Scorecard {
  framework: string;
  methodology: 'v1.1';
  as_of: string;
  known_at: string;
  perspective: string;
  overall: OverallScore;
  pillars: PillarScore[];
}

/** One counted finding with its parts, for explaining a benchmark score. */
export interface CountedFinding {
  evidenceId: string | number;
  /** the finding's position inside its evidence item */
  findingIndex: number;
  benchmark: string;
  /** observed_on of its item (YYYY-MM-DD) */
  observedOn: string;
  /** v in [0, 1] */
  value: number;
  /** w = R * C * decay * g */
  weight: number;
  reliabilityFactor: number;
  credibilityFactor: number;
  decay: number;
  groupFactor: number;
  ageDays: number;
}

/** One view of an explanation: as of t, as known at k. */
export interface ExplainView {
  /** YYYY-MM-DD */
  asOf: string;
  /** ISO-8601 instant, or a YYYY-MM-DD date meaning the end of that day UTC */
  knownAt: string;
}

export interface ExplainQuery {
  /** view A */
  from: ExplainView;
  /** view B */
  to: ExplainView;
  /** perspective code, 'JOINT' for the joint view */
  perspective: string;
}

/** A finding's share of a benchmark's change (section 9), in points. */
export interface FindingContribution {
  /** the evidence item's id as the engine was given it */
  evidence: string | number;
  /** the finding's position inside its item */
  finding: number;
  kind: ChangeKind;
  points: number;
}

export interface KindSums {
  new: number;
  aged: number;
  removed: number;
}

export interface BenchmarkExplanation {
  code: string;
  from: number;
  to: number;
  change: number;
  by_kind: KindSums;
  /** non-zero contributions, largest absolute first */
  contributions: FindingContribution[];
}

export interface PillarExplanation {
  code: string;
  from: number | null;
  to: number | null;
  /** null when the pillar score is null at either view */
  change: number | null;
  contributions: { benchmark: string; points: number }[];
}

export interface OverallExplanation {
  from: number | null;
  to: number | null;
  change: number | null;
  contributions: { pillar: string; points: number }[];
}

/** The explanation document of INTERFACES.md (engine form: findings name their item by engine id). */
export interface Explanation {
  framework: string;
  methodology: 'v1.1';
  perspective: string;
  from: { as_of: string; known_at: string };
  to: { as_of: string; known_at: string };
  overall: OverallExplanation;
  /** in framework order */
  pillars: PillarExplanation[];
  /** in framework order, all pillars' benchmarks */
  benchmarks: BenchmarkExplanation[];
}
