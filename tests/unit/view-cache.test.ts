// The caches of pages and API answers (src/scorecards/view-cache.ts): emptied by a change of the model, bounded by
// count and by weight, one computation for concurrent callers, failures not kept.

import { describe, expect, it } from 'vitest';
import { viewCache } from '../../src/scorecards/view-cache';
import type { ScoringModel } from '../../src/scoring/model';

/** Only the version matters to the cache. */
function model() {
  const m = { version: 1 } as { version: number };
  return { m: m as unknown as ScoringModel, change: () => (m.version += 1) };
}

describe('viewCache', () => {
  it('computes once per key until the model changes', () => {
    const { m, change } = model();
    const cache = viewCache<number>(10);
    let calls = 0;
    const make = () => ++calls;
    expect(cache.get(m, 'a', make)).toBe(1);
    expect(cache.get(m, 'a', make)).toBe(1);
    change();
    expect(cache.get(m, 'a', make)).toBe(2);
  });

  it('holds at most maxEntries, dropping the oldest', () => {
    const { m } = model();
    const cache = viewCache<string>(2);
    let calls = 0;
    for (const k of ['a', 'b', 'c']) cache.get(m, k, () => `${k}${++calls}`);
    expect(cache.get(m, 'c', () => 'new')).toBe('c3');
    expect(cache.get(m, 'b', () => 'new')).toBe('b2');
    expect(cache.get(m, 'a', () => 'again')).toBe('again');
  });

  it('holds at most maxWeight in total, keeping the newest even when it alone is heavier', () => {
    const { m } = model();
    const cache = viewCache<number[]>(100, { weigh: (v) => v.length, maxWeight: 10 });
    cache.get(m, 'a', () => new Array(4).fill(0));
    cache.get(m, 'b', () => new Array(4).fill(0));
    cache.get(m, 'c', () => new Array(4).fill(0)); // 12 > 10: a goes
    expect(cache.get(m, 'a', () => [1])).toEqual([1]);
    expect(cache.get(m, 'c', () => [2])).toHaveLength(4);
    cache.get(m, 'big', () => new Array(50).fill(0)); // alone over the bound: everything else goes, it stays
    expect(cache.get(m, 'big', () => [3])).toHaveLength(50);
    expect(cache.get(m, 'c', () => [4])).toEqual([4]);
  });

  it('shares one computation among concurrent callers and forgets a failed one', async () => {
    const { m } = model();
    const cache = viewCache<number>(10, { weigh: () => 1, maxWeight: 5 });
    let calls = 0;
    let release!: (n: number) => void;
    const make = () => {
      calls += 1;
      return new Promise<number>((resolve) => (release = resolve));
    };
    const both = Promise.all([cache.getAsync(m, 'k', make), cache.getAsync(m, 'k', make)]);
    release(7);
    expect(await both).toEqual([7, 7]);
    expect(calls).toBe(1);
    await expect(cache.getAsync(m, 'bad', () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    await Promise.resolve();
    expect(await cache.getAsync(m, 'bad', async () => 9)).toBe(9);
  });
});
