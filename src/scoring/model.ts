// The scoring read model: the evidence of one framework held in memory in the shape the method needs, kept in
// step by applying changed items, so that any view is answered without scanning the evidence again.
//
// For every perspective and benchmark it keeps, per observation day, the sums over the findings that count as
// known now (verified, neither retracted nor superseded):  sum(R * C * g)  and  sum(R * C * g * v)  and a count.
// Decay factors out of a day's sum (every finding of a day has the same age at t), so
//   W(t) = sum over days d <= t of  daySum(d) * 2^(-(t - d) / h)
// costs one multiply-add per day, whatever the number of findings. A view known at an earlier instant k starts
// from those sums and corrects them with the items whose review events happened after k (a bounded scan).
// The findings themselves are also kept per benchmark in the engine's order, for lists and explanations.
//
// Pure: plain data in, plain data out. The numbers equal the engine's (createScoringIndex) up to the rounding
// of doubles (sums are taken in another order); tests/integration/read-model.test.ts checks it.

import {
  assembleScorecard,
  nonNegativeOr,
  rawCardFrom,
  type RawCard,
  type ScoringIndex,
  type ScoringView,
  type WeightedPillars,
} from './engine';
import { SCORING_CONSTANTS } from './constants';
import { findingPoints, emptyKindSums } from './contributions';
import { dayNumber, instantToMs, knownAtToMs, normalizeKnownAt } from './dates';
import {
  credibilityFactor,
  decayFactor,
  effectiveHalfLife,
  findingValue,
  findingWeight,
  groupFactor,
  isKnownAt,
  pillarWeight,
  reliabilityFactor,
  resolvePerspective,
  type ResolvedPerspective,
  type ReviewTimes,
} from './finding';
import { explainIndexes } from './explain';
import type { CountedFinding, Explanation, ExplainQuery, KindSums, Scorecard, ScoringBenchmark, ScoringEvidence, ScoringFramework } from './types';

interface ModelItem {
  id: string | number;
  /** String(id): the engine orders findings of a day by it */
  key: string;
  observedDay: number;
  reliability: number;
  credibility: number;
  /** g under each perspective of the model, by perspective position (shared with the items of the same tags) */
  groupFactors: Float64Array;
  times: ReviewTimes;
  /** the latest of its review instants (ms): at any known-at from then on it counts as it does now */
  latestEventMs: number;
  /** counted as known now (known at any instant from latestEventMs on) */
  countedNow: boolean;
  findings: ModelFinding[];
  source: ScoringEvidence;
}

interface ModelFinding {
  item: ModelItem;
  findingIndex: number;
  /** benchmark slot: position in the flattened framework order */
  slot: number;
  value: number;
}

/** Per-day sums of one perspective and benchmark over the findings counted now; index = day - base. */
interface DaySums {
  w: Float64Array;
  wv: Float64Array;
  n: Int32Array;
}

export interface ScoringModel {
  readonly framework: ScoringFramework;
  /** items held (every item that was ever verified and not removed) */
  readonly size: number;
  /** increases with every apply (caches keyed by it stay valid until the next change) */
  readonly version: number;
  /** replaces the items with these ids by `upsert` (when listed there) or removes them (when not) */
  apply(changes: { upsert: readonly ScoringEvidence[]; remove: readonly (string | number)[] }): void;
  /** the same answers as createScoringIndex(framework, items, view) */
  index(view: ScoringView): ScoringIndex;
  /** the items held, as the engine takes them */
  evidence(): ScoringEvidence[];
  /** the item held under this id, as it was given (undefined: not held) */
  item(id: string | number): ScoringEvidence | undefined;
  /** a model of the items for which `keep` holds, kept in step with this one (e.g. one group's items) */
  subset(key: string, keep: (item: ScoringEvidence) => boolean): ScoringModel;
  /** whether a view at this known-at is the same as known now (no review event after it) */
  knownNow(knownAt: string): boolean;
  /** section 9 between two views, as explainChange gives it (kept until the next change) */
  explain(query: ExplainQuery): Explanation;
}


function compareFindings(a: ModelFinding, b: ModelFinding): number {
  if (a.item.observedDay !== b.item.observedDay) return a.item.observedDay - b.item.observedDay;
  if (a.item.key !== b.item.key) return a.item.key < b.item.key ? -1 : 1;
  return a.findingIndex - b.findingIndex;
}

/** First position in `list` (sorted by compareFindings) whose finding is not before `f`. */
function lowerBound(list: readonly ModelFinding[], f: ModelFinding): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (compareFindings(list[mid], f) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** How many items changed at once make rebuilding cheaper than patching. */
const REBUILD_SHARE = 0.05;

/**
 * Bounds of the caches (readers choose the dates: an unbounded cache would let them fill the memory). An
 * explanation lists every counted finding (tens of MB at a million findings), so few are kept.
 */
const MAX_EXPLANATIONS = 4;
const MAX_INDEXES = 64;
const MAX_DAYS_PER_INDEX = 1024;

/**
 * Section 9 from day sums divides a difference of sums by kappa + W(B); when the sums exceed that denominator more
 * than this many times, rounding could show at 1e-9 and the findings are taken one by one (rare: no prior and
 * evidence decayed over many half-lives).
 */
const ILL_CONDITIONED = 1_000;

/** Keeps `value` under `key`, dropping the oldest entry when the map is full. */
function remember<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  if (map.size >= max && !map.has(key)) map.delete(map.keys().next().value as K);
  map.set(key, value);
}

export function createScoringModel(framework: ScoringFramework, evidence: readonly ScoringEvidence[], filter?: (item: ScoringEvidence) => boolean): ScoringModel {
  const kappa = nonNegativeOr(framework.priorStrength, SCORING_CONSTANTS.defaultPriorStrength);
  const theta = nonNegativeOr(framework.assessedThreshold, SCORING_CONSTANTS.defaultAssessedThreshold);
  const perspectives: ResolvedPerspective[] = [resolvePerspective(framework, SCORING_CONSTANTS.jointPerspective)];
  for (const p of framework.perspectives) {
    if (p.code !== SCORING_CONSTANTS.jointPerspective && !perspectives.some((q) => q.code === p.code)) perspectives.push(resolvePerspective(framework, p.code));
  }
  const perspectiveIndex = new Map(perspectives.map((p, i) => [p.code, i] as const));
  // benchmark slots in framework order, and where each code's findings go (a duplicated code feeds every slot)
  const slotDefs: { pillar: number; benchmark: number; definition: ScoringBenchmark; halfLife: number }[] = [];
  const slotsOf = new Map<string, number[]>();
  framework.pillars.forEach((pillar, p) =>
    pillar.benchmarks.forEach((definition, b) => {
      slotsOf.set(definition.code, [...(slotsOf.get(definition.code) ?? []), slotDefs.length]);
      slotDefs.push({ pillar: p, benchmark: b, definition, halfLife: effectiveHalfLife(definition.halfLifeDays) });
    }),
  );
  const slotAt: number[][] = framework.pillars.map(() => []);
  slotDefs.forEach((d, s) => (slotAt[d.pillar][d.benchmark] = s));
  const weightsFor = (perspective: ResolvedPerspective): WeightedPillars[] =>
    framework.pillars.map((pillar) => ({
      code: pillar.code,
      pi: pillarWeight(perspective, pillar.code),
      benchmarks: pillar.benchmarks.map((b) => ({ code: b.code, omega: nonNegativeOr(b.weight, SCORING_CONSTANTS.defaultBenchmarkWeight) })),
    }));

  const items = new Map<string, ModelItem>();
  let sorted: ModelFinding[][] = slotDefs.map(() => []);
  let base = 0;
  let length = 0;
  let sums: DaySums[][] = [];
  let maxEventMs = Number.NEGATIVE_INFINITY;
  let version = 0;
  /** items by latestEventMs, ascending; rebuilt when needed after a change */
  let byLatestEvent: ModelItem[] | null = null;
  const indexCache = new Map<string, ScoringIndex>();
  const explainCache = new Map<string, Explanation>();
  const subsets = new Map<string, { keep: (item: ScoringEvidence) => boolean; model: ScoringModel }>();
  /** decay factors by half-life, by age in days */
  const decayTables = new Map<number, Float64Array>();

  function decayTable(halfLife: number, ages: number): Float64Array {
    let table = decayTables.get(halfLife);
    if (!table || table.length < ages) {
      table = new Float64Array(Math.max(ages, 64));
      for (let a = 0; a < table.length; a += 1) table[a] = decayFactor(a, halfLife);
      decayTables.set(halfLife, table);
    }
    return table;
  }

  function emptySums(len: number): DaySums[][] {
    return perspectives.map(() => slotDefs.map(() => ({ w: new Float64Array(len), wv: new Float64Array(len), n: new Int32Array(len) })));
  }

  /** Makes the day arrays cover `day`. */
  function cover(day: number): void {
    if (length > 0 && day >= base && day < base + length) return;
    const low = length === 0 ? day : Math.min(base, day);
    const high = length === 0 ? day : Math.max(base + length - 1, day);
    // room to grow on both sides, so a stream of new days does not copy every time
    const newBase = low - (length === 0 ? 32 : 366);
    const newLength = high - newBase + 1 + 366;
    const next = emptySums(newLength);
    if (length > 0) {
      for (let p = 0; p < perspectives.length; p += 1) {
        for (let s = 0; s < slotDefs.length; s += 1) {
          next[p][s].w.set(sums[p][s].w, base - newBase);
          next[p][s].wv.set(sums[p][s].wv, base - newBase);
          next[p][s].n.set(sums[p][s].n, base - newBase);
        }
      }
    }
    sums = next;
    base = newBase;
    length = newLength;
  }

  /** g under every perspective, shared by the items with the same tags (few distinct sets; one array each) */
  const factorsByTags = new Map<string, Float64Array>();
  function groupFactorsOf(groups: readonly string[]): Float64Array {
    const key = groups.join('\u0000');
    let factors = factorsByTags.get(key);
    if (!factors) factorsByTags.set(key, (factors = Float64Array.from(perspectives, (p) => groupFactor(p, groups))));
    return factors;
  }

  function toItem(e: ScoringEvidence): ModelItem | null {
    if (filter && !filter(e)) return null;
    const what = `evidence ${String(e.id)}`;
    const times: ReviewTimes = {
      verifiedMs: e.verifiedAt === null ? null : instantToMs(e.verifiedAt, `${what} verified_at`),
      retractedMs: e.retractedAt === null ? null : instantToMs(e.retractedAt, `${what} retracted_at`),
      supersededMs: e.supersededAt === null ? null : instantToMs(e.supersededAt, `${what} superseded_at`),
    };
    const latestEventMs = Math.max(times.verifiedMs ?? Number.NEGATIVE_INFINITY, times.retractedMs ?? Number.NEGATIVE_INFINITY, times.supersededMs ?? Number.NEGATIVE_INFINITY);
    const item: ModelItem = {
      id: e.id,
      key: String(e.id),
      observedDay: dayNumber(e.observedOn),
      reliability: reliabilityFactor(e.sourceReliability),
      credibility: credibilityFactor(e.credibility),
      groupFactors: groupFactorsOf(e.groups ?? []),
      times,
      latestEventMs,
      countedNow: isKnownAt(times, Number.POSITIVE_INFINITY),
      findings: [],
      source: e,
    };
    e.findings.forEach((finding, findingIndex) => {
      for (const slot of slotsOf.get(finding.benchmark) ?? []) {
        const value = findingValue(slotDefs[slot].definition, finding);
        if (value === null) continue;
        item.findings.push({ item, findingIndex, slot, value });
      }
    });
    return item;
  }

  /** Adds (sign 1) or removes (sign -1) an item's findings to or from the sums of every perspective. */
  function addToSums(target: DaySums[][], item: ModelItem, sign: 1 | -1, only?: number): void {
    const d = item.observedDay - base;
    for (let p = 0; p < perspectives.length; p += 1) {
      if (only !== undefined && p !== only) continue;
      const g = item.groupFactors[p];
      for (const f of item.findings) {
        const cell = target[p][f.slot];
        const w = findingWeight(item.reliability, item.credibility, 1, g);
        cell.n[d] += sign;
        if (cell.n[d] === 0) {
          // nothing counted that day any more: no rounding residue left behind
          cell.w[d] = 0;
          cell.wv[d] = 0;
        } else {
          cell.w[d] += sign * w;
          cell.wv[d] += sign * w * f.value;
        }
      }
    }
  }

  function insertItem(item: ModelItem, presorted: boolean): void {
    items.set(item.key, item);
    if (item.latestEventMs > maxEventMs) maxEventMs = item.latestEventMs;
    for (const f of item.findings) {
      const list = sorted[f.slot];
      if (presorted) list.push(f);
      else list.splice(lowerBound(list, f), 0, f);
    }
    // every item's day is covered: one counted at an earlier known-at but not now is added back there
    if (item.findings.length) cover(item.observedDay);
    if (item.countedNow && item.findings.length) addToSums(sums, item, 1);
  }

  function removeItem(item: ModelItem): void {
    items.delete(item.key);
    for (const f of item.findings) {
      const list = sorted[f.slot];
      for (let i = lowerBound(list, f); i < list.length && compareFindings(list[i], f) === 0; i += 1) {
        if (list[i] === f) {
          list.splice(i, 1);
          break;
        }
      }
    }
    if (item.countedNow && item.findings.length) addToSums(sums, item, -1);
  }

  function rebuild(all: readonly ScoringEvidence[]): void {
    items.clear();
    sorted = slotDefs.map(() => []);
    sums = emptySums(0);
    length = 0;
    maxEventMs = Number.NEGATIVE_INFINITY;
    let low = Number.POSITIVE_INFINITY;
    let high = Number.NEGATIVE_INFINITY;
    const built: ModelItem[] = [];
    for (const e of all) {
      const item = toItem(e);
      if (!item) continue;
      built.push(item);
      if (item.findings.length) {
        low = Math.min(low, item.observedDay);
        high = Math.max(high, item.observedDay);
      }
    }
    if (high >= low) {
      cover(low);
      cover(high);
    }
    // items in the findings' order (observed day, then id as text): each item's findings, pushed in their own order,
    // then leave every benchmark's list sorted without sorting the (three times as many) findings themselves
    built.sort((a, b) => a.observedDay - b.observedDay || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    for (const item of built) insertItem(item, true);
  }

  function changed(): void {
    version += 1;
    byLatestEvent = null;
    indexCache.clear();
    explainCache.clear();
  }

  rebuild(evidence);

  /** known-ats with the same answers share a key: every one at or after the last review event is "now" */
  function knowledgeKey(knownAtMs: number): string {
    return knownAtMs >= maxEventMs ? 'now' : String(knownAtMs);
  }

  function explain(query: ExplainQuery): Explanation {
    const key = [query.perspective, query.from.asOf, knowledgeKey(knownAtToMs(query.from.knownAt)), query.to.asOf, knowledgeKey(knownAtToMs(query.to.knownAt))].join('\u0000');
    let found = explainCache.get(key);
    if (!found) {
      const from = index({ knownAt: query.from.knownAt, perspective: query.perspective });
      const to = index({ knownAt: query.to.knownAt, perspective: query.perspective });
      found = explainIndexes(framework, from, to, query);
      remember(explainCache, key, found, MAX_EXPLANATIONS);
    }
    // the views as this query spelled them
    return { ...found, from: { as_of: query.from.asOf, known_at: normalizeKnownAt(query.from.knownAt) }, to: { as_of: query.to.asOf, known_at: normalizeKnownAt(query.to.knownAt) } };
  }

  function latestEvents(): ModelItem[] {
    if (!byLatestEvent) byLatestEvent = [...items.values()].sort((a, b) => a.latestEventMs - b.latestEventMs);
    return byLatestEvent;
  }

  /** The day sums of one perspective as known at k: now's, corrected by the items reviewed after k. */
  function sumsKnownAt(p: number, knownAtMs: number): DaySums[] {
    if (knownAtMs >= maxEventMs) return sums[p];
    const list = latestEvents();
    const copy: DaySums[][] = perspectives.map(() => []);
    copy[p] = sums[p].map((c) => ({ w: c.w.slice(), wv: c.wv.slice(), n: c.n.slice() }));
    for (let i = list.length - 1; i >= 0 && list[i].latestEventMs > knownAtMs; i -= 1) {
      const item = list[i];
      const then = isKnownAt(item.times, knownAtMs);
      if (then === item.countedNow || item.findings.length === 0) continue;
      // counted then but not now (retracted or superseded since), or counted now but not then (verified since)
      addToSums(copy, item, then ? 1 : -1, p);
    }
    return copy[p];
  }

  function index(view: ScoringView): ScoringIndex {
    const perspective = resolvePerspective(framework, view.perspective);
    const p = perspectiveIndex.get(perspective.code)!;
    const knownAt = normalizeKnownAt(view.knownAt);
    const knownAtMs = knownAtToMs(view.knownAt);
    const cacheKey = `${perspective.code}\u0000${knowledgeKey(knownAtMs)}`;
    const cached = indexCache.get(cacheKey);
    if (cached) return knownAt === cached.knownAt ? cached : withKnownAt(cached, knownAt);
    const made = makeIndex(perspective, p, knownAt, knownAtMs);
    remember(indexCache, cacheKey, made, MAX_INDEXES);
    return made;
  }

  /** The same index under another spelling of an equivalent known-at (both at or after the last event). */
  function withKnownAt(index: ScoringIndex, knownAt: string): ScoringIndex {
    return {
      ...index,
      knownAt,
      scorecard: (asOf: string) => ({ ...index.scorecard(asOf), known_at: knownAt }),
    };
  }

  function makeIndex(perspective: ResolvedPerspective, p: number, knownAt: string, knownAtMs: number): ScoringIndex {
    const daySums = sumsKnownAt(p, knownAtMs);
    const lengthThen = length;
    const baseThen = base;
    const counts = knownAtMs >= maxEventMs ? (item: ModelItem) => item.countedNow : (item: ModelItem) => isKnownAt(item.times, knownAtMs);
    const weights = weightsFor(perspective);
    const rawCache = new Map<number, RawCard>();

    /** sum over days d <= t (and > from, when given) of a day sum times its decay at `at` */
    function daySpan(slot: number, from: number | null, to: number, at: number) {
      const cell = daySums[slot];
      const table = decayTable(slotDefs[slot].halfLife, Math.max(0, at - baseThen + 1));
      let W = 0;
      let V = 0;
      let count = 0;
      let last: number | null = null;
      const start = from === null ? 0 : Math.max(0, from - baseThen + 1);
      const end = Math.min(lengthThen - 1, to - baseThen);
      for (let d = start; d <= end; d += 1) {
        const n = cell.n[d];
        if (n === 0) continue;
        const decay = table[at - baseThen - d];
        W += cell.w[d] * decay;
        V += cell.wv[d] * decay;
        count += n;
        last = baseThen + d;
      }
      return { W, V, count, lastObservedDay: last };
    }

    function rawAt(t: number): RawCard {
      const cached = rawCache.get(t);
      if (cached) return cached;
      const card = rawCardFrom(weights, kappa, theta, (pillar, benchmark) => daySpan(slotAt[pillar][benchmark], null, t, t));
      remember(rawCache, t, card, MAX_DAYS_PER_INDEX);
      return card;
    }

    /** Section 9 by kind from day sums, at one k with tA < tB: findings observed by tA aged, later ones are new. */
    function kindSums(pillar: number, benchmark: number, tA: number, tB: number, scoreA: number, weightB: number): KindSums {
      const out = emptyKindSums();
      const slot = slotAt[pillar][benchmark];
      const denominatorB = kappa + weightB;
      if (!(denominatorB > 0)) return out;
      if (tA >= tB) return kindSumsByFinding(slot, tA, tB, scoreA, weightB);
      const agedA = daySpan(slot, null, tA, tA);
      const agedB = daySpan(slot, null, tA, tB);
      const fresh = daySpan(slot, tA, tB, tB);
      // the sums cancel to within a few ulps of the largest weight, which the denominator then divides: when it is
      // far smaller (no prior, evidence decayed over many half-lives), take the findings one by one instead
      if (Math.max(agedA.W, agedB.W, fresh.W) > ILL_CONDITIONED * denominatorB) return kindSumsByFinding(slot, tA, tB, scoreA, weightB);
      // sum over findings of (wB - wA)(100 v - scoreA) / den, with sum(w v) and sum(w) taken per day
      out.aged = (100 * (agedB.V - agedA.V) - scoreA * (agedB.W - agedA.W)) / denominatorB;
      out.new = (100 * fresh.V - scoreA * fresh.W) / denominatorB;
      return out;
    }

    function kindSumsByFinding(slot: number, tA: number, tB: number, scoreA: number, weightB: number): KindSums {
      const out = emptyKindSums();
      const halfLife = slotDefs[slot].halfLife;
      for (const f of sorted[slot]) {
        if (!counts(f.item)) continue;
        const countedA = f.item.observedDay <= tA;
        const countedB = f.item.observedDay <= tB;
        if (!countedA && !countedB) break;
        const g = f.item.groupFactors[p];
        const wA = countedA ? findingWeight(f.item.reliability, f.item.credibility, decayFactor(tA - f.item.observedDay, halfLife), g) : 0;
        const wB = countedB ? findingWeight(f.item.reliability, f.item.credibility, decayFactor(tB - f.item.observedDay, halfLife), g) : 0;
        out[countedA && countedB ? 'aged' : countedB ? 'new' : 'removed'] += findingPoints(wA, wB, f.value, scoreA, kappa + weightB);
      }
      return out;
    }

    function scorecard(asOf: string): Scorecard {
      return assembleScorecard({ framework: framework.code, knownAt, perspective: perspective.code }, asOf, {
        rawAt,
        halfLifeDays: (pillar, benchmark) => slotDefs[slotAt[pillar][benchmark]].halfLife,
        kindSums,
      });
    }

    function countedOf(slot: number, t: number): CountedFinding[] {
      const out: CountedFinding[] = [];
      const halfLife = slotDefs[slot].halfLife;
      const code = slotDefs[slot].definition.code;
      for (const f of sorted[slot]) {
        const item = f.item;
        if (item.observedDay > t) break;
        if (!counts(item)) continue;
        const ageDays = t - item.observedDay;
        const decay = decayFactor(ageDays, halfLife);
        const group = item.groupFactors[p];
        out.push({
          evidenceId: item.id,
          findingIndex: f.findingIndex,
          benchmark: code,
          observedOn: item.source.observedOn, // a valid YYYY-MM-DD (dayNumber checked it): dateOfDay of its day
          value: f.value,
          weight: findingWeight(item.reliability, item.credibility, decay, group),
          reliabilityFactor: item.reliability,
          credibilityFactor: item.credibility,
          decay,
          groupFactor: group,
          ageDays,
        });
      }
      return out;
    }

    return {
      framework: framework.code,
      perspective: perspective.code,
      knownAt,
      priorStrength: kappa,
      weights: weights.map((w) => ({ code: w.code, pi: w.pi, benchmarks: w.benchmarks.map((b) => ({ code: b.code, omega: b.omega })) })),
      scorecard,
      countedFindings(asOf: string, benchmarkCode?: string) {
        const t = dayNumber(asOf);
        const out: CountedFinding[] = [];
        slotDefs.forEach((d, slot) => {
          if (benchmarkCode === undefined || d.definition.code === benchmarkCode) out.push(...countedOf(slot, t));
        });
        return out;
      },
      countedByPosition(asOf: string) {
        const t = dayNumber(asOf);
        return slotAt.map((row) => row.map((slot) => countedOf(slot, t)));
      },
    };
  }

  const model: ScoringModel = {
    framework,
    get size() {
      return items.size;
    },
    get version() {
      return version;
    },
    apply({ upsert, remove }) {
      const touched = upsert.length + remove.length;
      for (const sub of subsets.values()) sub.model.apply({ upsert, remove });
      if (touched === 0) return;
      if (touched > Math.max(64, REBUILD_SHARE * items.size)) {
        const replaced = new Set<string>([...upsert.map((e) => String(e.id)), ...remove.map(String)]);
        const kept = [...items.values()].filter((i) => !replaced.has(i.key)).map((i) => i.source);
        rebuild([...kept, ...upsert]);
      } else {
        for (const id of [...remove, ...upsert.map((e) => e.id)]) {
          const existing = items.get(String(id));
          if (existing) removeItem(existing);
        }
        for (const e of upsert) {
          const item = toItem(e);
          if (item) insertItem(item, false);
        }
      }
      changed();
    },
    index,
    explain,
    evidence() {
      return [...items.values()].map((i) => i.source);
    },
    item(id) {
      return items.get(String(id))?.source;
    },
    subset(key, keep) {
      const found = subsets.get(key);
      if (found) return found.model;
      const made = createScoringModel(framework, model.evidence(), keep);
      subsets.set(key, { keep, model: made });
      return made;
    },
    knownNow(knownAt: string) {
      return knownAtToMs(knownAt) >= maxEventMs;
    },
  };
  return model;
}
