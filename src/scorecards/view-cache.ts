// What pages and the API compute from a read model (view models, scorecards, key findings), kept per model until
// its next change (its version), so that a crowd on the same view costs one computation. Concurrent requests for
// the same key share one computation (a failed one is forgotten, not kept). Bounded: the oldest entry goes first.

import type { ScoringModel } from '../scoring/model';

export interface ViewCache<V> {
  /** the value under `key` for the model's current version, computed by `make` when missing */
  get(model: ScoringModel, key: string, make: () => V): V;
  /** the same for an asynchronous computation (the promise is shared by concurrent callers) */
  getAsync(model: ScoringModel, key: string, make: () => Promise<V>): Promise<V>;
}

/**
 * A cache of at most `maxEntries` values per model; with `weigh`, also of at most `maxWeight` in total (values
 * whose size grows with the evidence, such as lists of findings, are bounded by what they hold, not by their count).
 */
export function viewCache<V>(maxEntries: number, bound: { weigh: (value: V) => number; maxWeight: number } | null = null): ViewCache<V> {
  interface Entries {
    map: Map<string, V | Promise<V>>;
    weights: Map<string, number>;
    total: number;
  }
  const byModel = new WeakMap<ScoringModel, { version: number; entries: Entries }>();
  function entriesOf(model: ScoringModel): Entries {
    let cache = byModel.get(model);
    if (!cache || cache.version !== model.version) byModel.set(model, (cache = { version: model.version, entries: { map: new Map(), weights: new Map(), total: 0 } }));
    return cache.entries;
  }
  function drop(entries: Entries, key: string) {
    entries.map.delete(key);
    entries.total -= entries.weights.get(key) ?? 0;
    entries.weights.delete(key);
  }
  /** Counts a value's weight, then drops the oldest others until the total fits (the newest stays). */
  function weigh(entries: Entries, key: string, value: V) {
    if (!bound) return;
    const w = bound.weigh(value);
    entries.weights.set(key, w);
    entries.total += w;
    for (const oldest of entries.map.keys()) {
      if (entries.total <= bound.maxWeight) break;
      if (oldest !== key) drop(entries, oldest);
    }
  }
  function put(entries: Entries, key: string, value: V | Promise<V>) {
    if (entries.map.size >= maxEntries) drop(entries, entries.map.keys().next().value!);
    entries.map.set(key, value);
  }
  return {
    get(model, key, make) {
      const entries = entriesOf(model);
      if (entries.map.has(key)) {
        const hit = entries.map.get(key)!;
        if (!(hit instanceof Promise)) return hit;
      }
      const made = make();
      put(entries, key, made);
      weigh(entries, key, made);
      return made;
    },
    getAsync(model, key, make) {
      const entries = entriesOf(model);
      const hit = entries.map.get(key);
      if (hit !== undefined) return Promise.resolve(hit);
      const made = make();
      put(entries, key, made);
      made.then(
        (value) => {
          if (entries.map.get(key) !== made) return;
          entries.map.set(key, value);
          weigh(entries, key, value);
        },
        () => {
          if (entries.map.get(key) === made) entries.map.delete(key);
        },
      );
      return made;
    },
  };
}

/** How a view's known-at enters a cache key: "now" when nothing was reviewed after it, else the instant itself. */
export function knowledgeKey(model: ScoringModel, knownAt: string): string {
  return model.knownNow(knownAt) ? 'now' : knownAt;
}
