// Explaining a change (METHODOLOGY.md v1.1 section 9): why scores moved between view A = (t_A, k_A) and
// view B = (t_B, k_B) of one perspective, as contributions that add up to each change.
// Pure: the two views are scored by the engine; this module only splits the differences.

import { METHODOLOGY_VERSION } from './constants';
import { changeKind, componentPoints, emptyKindSums, findingPoints, orderContributions } from './contributions';
import { createScoringIndex, type ScoringIndex } from './engine';
import { normalizeKnownAt } from './dates';
import type {
  BenchmarkExplanation,
  CountedFinding,
  Explanation,
  ExplainQuery,
  FindingContribution,
  OverallExplanation,
  PillarExplanation,
  Scorecard,
  ScoringEvidence,
  ScoringFramework,
} from './types';

/** One component of a weighted mean at both views: a = 0 where it does not count. */
interface Component<K> {
  key: K;
  aA: number;
  xA: number;
  aB: number;
  xB: number;
}

/**
 * Contributions of the components of a pillar or of the overall index; null change and none when the score is
 * null at either view ("first assessment" / "no longer assessed").
 */
function splitMean<K>(from: number | null, to: number | null, components: Component<K>[]): { change: number | null; parts: { key: K; points: number }[] } {
  if (from === null || to === null) return { change: null, parts: [] };
  let sumB = 0;
  for (const c of components) sumB += c.aB;
  const parts = components.map((c) => ({ key: c.key, points: componentPoints(c.aA, c.xA, c.aB, c.xB, from, sumB) }));
  return { change: to - from, parts };
}

/** The engine's order of counted findings: observed day, then the item's id as text, then the finding's position. */
function compareCounted(a: CountedFinding, b: CountedFinding): number {
  if (a.observedOn !== b.observedOn) return a.observedOn < b.observedOn ? -1 : 1;
  const ida = String(a.evidenceId);
  const idb = String(b.evidenceId);
  if (ida !== idb) return ida < idb ? -1 : 1;
  return a.findingIndex - b.findingIndex;
}

/** A benchmark's change split over its findings (the prior always contributes 0 and is not listed). */
function explainBenchmark(
  code: string,
  scoreA: number,
  scoreB: number,
  weightB: number,
  kappa: number,
  countedA: CountedFinding[],
  countedB: CountedFinding[],
): BenchmarkExplanation {
  const denominatorB = kappa + weightB;
  const byKind = emptyKindSums();
  const contributions: FindingContribution[] = [];
  const onlyA: FindingContribution[] = [];
  const add = (to: FindingContribution[], f: CountedFinding, a: CountedFinding | undefined, b: CountedFinding | undefined) => {
    const kind = changeKind(a !== undefined, b !== undefined)!;
    const points = findingPoints(a?.weight ?? 0, b?.weight ?? 0, f.value, scoreA, denominatorB);
    byKind[kind] += points;
    to.push({ evidence: f.evidenceId, finding: f.findingIndex, kind, points });
  };
  // both lists are in the engine's order (observed day, id as text, position): one merge pairs them up, and the
  // contributions come in the order B's findings, then those only counted at A
  let i = 0;
  for (const b of countedB) {
    while (i < countedA.length && compareCounted(countedA[i], b) < 0) {
      add(onlyA, countedA[i], countedA[i], undefined);
      i += 1;
    }
    if (i < countedA.length && compareCounted(countedA[i], b) === 0) {
      add(contributions, b, countedA[i], b);
      i += 1;
    } else {
      add(contributions, b, undefined, b);
    }
  }
  for (; i < countedA.length; i += 1) add(onlyA, countedA[i], countedA[i], undefined);
  contributions.push(...onlyA);
  return { code, from: scoreA, to: scoreB, change: scoreB - scoreA, by_kind: byKind, contributions: orderContributions(contributions) };
}

/** The explanation of every change between two views scored by two indexes (of the same framework and perspective). */
export function explainIndexes(
  framework: ScoringFramework,
  indexA: ScoringIndex,
  indexB: ScoringIndex,
  query: Pick<ExplainQuery, 'from' | 'to'>,
): Explanation {
  const cardA: Scorecard = indexA.scorecard(query.from.asOf);
  const cardB: Scorecard = indexB.scorecard(query.to.asOf);
  const findingsA = indexA.countedByPosition(query.from.asOf);
  const findingsB = indexB.countedByPosition(query.to.asOf);
  const kappa = indexB.priorStrength;

  const benchmarks: BenchmarkExplanation[] = [];
  const pillars: PillarExplanation[] = cardB.pillars.map((pB, i) => {
    const pA = cardA.pillars[i];
    const weights = indexB.weights[i];
    const components: Component<string>[] = pB.benchmarks.map((bB, j) => {
      const bA = pA.benchmarks[j];
      benchmarks.push(explainBenchmark(bB.code, bA.score, bB.score, bB.evidence_weight, kappa, findingsA[i][j], findingsB[i][j]));
      const omega = weights.benchmarks[j].omega;
      return {
        key: bB.code,
        aA: bA.status === 'assessed' ? omega : 0,
        xA: bA.status === 'assessed' ? bA.score : 0,
        aB: bB.status === 'assessed' ? omega : 0,
        xB: bB.status === 'assessed' ? bB.score : 0,
      };
    });
    const { change, parts } = splitMean(pA.score, pB.score, components);
    return {
      code: pB.code,
      from: pA.score,
      to: pB.score,
      change,
      contributions: orderContributions(parts.map((p) => ({ benchmark: p.key, points: p.points }))),
    };
  });

  const overallSplit = splitMean(
    cardA.overall.score,
    cardB.overall.score,
    cardB.pillars.map((pB, i) => {
      const pA = cardA.pillars[i];
      const pi = indexB.weights[i].pi;
      return {
        key: pB.code,
        aA: pA.status === 'assessed' ? pi : 0,
        xA: pA.status === 'assessed' && pA.score !== null ? pA.score : 0,
        aB: pB.status === 'assessed' ? pi : 0,
        xB: pB.status === 'assessed' && pB.score !== null ? pB.score : 0,
      };
    }),
  );
  const overall: OverallExplanation = {
    from: cardA.overall.score,
    to: cardB.overall.score,
    change: overallSplit.change,
    contributions: orderContributions(overallSplit.parts.map((p) => ({ pillar: p.key, points: p.points }))),
  };

  return {
    framework: framework.code,
    methodology: METHODOLOGY_VERSION,
    perspective: indexB.perspective,
    from: { as_of: query.from.asOf, known_at: indexA.knownAt },
    to: { as_of: query.to.asOf, known_at: indexB.knownAt },
    overall,
    pillars,
    benchmarks,
  };
}

/** Section 9: the split of every change of the perspective's scores from view A (`from`) to view B (`to`). */
export function explainChange(framework: ScoringFramework, evidence: readonly ScoringEvidence[], query: ExplainQuery): Explanation {
  const indexA = createScoringIndex(framework, evidence, { knownAt: query.from.knownAt, perspective: query.perspective });
  const sameKnowledge = normalizeKnownAt(query.from.knownAt) === normalizeKnownAt(query.to.knownAt);
  const indexB = sameKnowledge ? indexA : createScoringIndex(framework, evidence, { knownAt: query.to.knownAt, perspective: query.perspective });
  return explainIndexes(framework, indexA, indexB, query);
}
