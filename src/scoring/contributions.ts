// Splitting a change of a weighted mean into contributions (METHODOLOGY.md v1.1 section 9), and what drives a
// trend (section 10). Every score is M = sum(a_j x_j) / sum(a_j); component j contributes
//   c_j = (a_j^B x_j^B - a_j^A x_j^A - (a_j^B - a_j^A) M_A) / sum(a^B)
// to M_B - M_A, and the c_j add up to it exactly (up to rounding of doubles).

import type { ChangeKind, KindSums } from './types';

/**
 * c_j of one component. A component that is not counted at a view has a = 0 there (its x is then irrelevant:
 * pass 0). sumB = sum(a^B) must be > 0 (the score at B is defined); otherwise there is nothing to split: 0.
 */
export function componentPoints(aA: number, xA: number, aB: number, xB: number, meanA: number, sumB: number): number {
  if (!(sumB > 0)) return 0;
  return (aB * xB - aA * xA - (aB - aA) * meanA) / sumB;
}

/**
 * A finding's contribution to a benchmark's change, in points: 100 (w^B - w^A)(v - mu_A) / (kappa + W_B),
 * i.e. componentPoints with x = 100 v on both sides (v does not change between views). w = 0 where it does not count.
 */
export function findingPoints(weightA: number, weightB: number, value: number, scoreA: number, denominatorB: number): number {
  if (!(denominatorB > 0)) return 0;
  return ((weightB - weightA) * (100 * value - scoreA)) / denominatorB;
}

/** new: not counted at A, counted at B; removed: counted at A only; aged: counted at both. */
export function changeKind(countedA: boolean, countedB: boolean): ChangeKind | null {
  if (countedA && countedB) return 'aged';
  if (countedB) return 'new';
  if (countedA) return 'removed';
  return null;
}

export const emptyKindSums = (): KindSums => ({ new: 0, aged: 0, removed: 0 });

/** Ties go to the earlier kind of this list (section 10). */
const DRIVER_ORDER: readonly ChangeKind[] = ['new', 'removed', 'aged'];

/**
 * trend_driver: the kind whose contributions to the trend's change have the largest absolute sum; null when the
 * trend is null or its change is 0. Ties: new, then removed, then aged.
 */
export function trendDriver(sums: KindSums, change: number | null): ChangeKind | null {
  if (change === null || change === 0) return null;
  let best: ChangeKind | null = null;
  let bestSize = -1;
  for (const kind of DRIVER_ORDER) {
    const size = Math.abs(sums[kind]);
    if (size > bestSize) {
      best = kind;
      bestSize = size;
    }
  }
  return best;
}

/** Contributions without the zero ones, largest absolute size first (the sort is stable: ties keep their order). */
export function orderContributions<T extends { points: number }>(contributions: readonly T[]): T[] {
  return contributions.filter((c) => c.points !== 0).sort((a, b) => Math.abs(b.points) - Math.abs(a.points));
}
