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

export function viewCache<V>(maxEntries: number): ViewCache<V> {
  const byModel = new WeakMap<ScoringModel, { version: number; entries: Map<string, V | Promise<V>> }>();
  function entriesOf(model: ScoringModel) {
    let cache = byModel.get(model);
    if (!cache || cache.version !== model.version) byModel.set(model, (cache = { version: model.version, entries: new Map() }));
    return cache.entries;
  }
  function put(entries: Map<string, V | Promise<V>>, key: string, value: V | Promise<V>) {
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
    entries.set(key, value);
  }
  return {
    get(model, key, make) {
      const entries = entriesOf(model);
      if (entries.has(key)) {
        const hit = entries.get(key)!;
        if (!(hit instanceof Promise)) return hit;
      }
      const made = make();
      put(entries, key, made);
      return made;
    },
    getAsync(model, key, make) {
      const entries = entriesOf(model);
      const hit = entries.get(key);
      if (hit !== undefined) return Promise.resolve(hit);
      const made = make();
      put(entries, key, made);
      made.then(
        (value) => {
          if (entries.get(key) === made) entries.set(key, value);
        },
        () => {
          if (entries.get(key) === made) entries.delete(key);
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
