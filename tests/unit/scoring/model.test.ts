// The read model (src/scoring/model.ts) against the engine: after any sequence of changes applied to it, every
// view it answers equals the engine's computation over the same items from scratch (to 1e-9): scorecards with
// trends and the v1.1 fields, counted findings, and explanations.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addDays, createScoringIndex, explainIndexes, type ScoringEvidence, type ScoringFramework } from '../../../src/scoring/index';
import { createScoringModel, type ScoringModel } from '../../../src/scoring/model';
import { BASE_DAY, frameworkArb, instant, itemArb } from './arbitraries';
import { close, expectSameScorecard } from '../../helpers/scorecards';

const NUM_RUNS = 150;

/** One change: a new item, an item replaced by another version (e.g. verified, retracted), or an item removed. */
type Step = { kind: 'add'; item: Omit<ScoringEvidence, 'id'> } | { kind: 'replace'; at: number; item: Omit<ScoringEvidence, 'id'> } | { kind: 'remove'; at: number };

interface View {
  asOf: number;
  knownAt: number;
  knownAtAsDate: boolean;
  perspective: string;
}

const scenarioArb = frameworkArb.chain((fw) =>
  fc.record({
    fw: fc.constant(fw),
    initial: fc.array(itemArb(fw), { maxLength: 25 }),
    steps: fc.array(
      fc.oneof(
        itemArb(fw).map((item): Step => ({ kind: 'add', item })),
        fc.record({ at: fc.nat(), item: itemArb(fw) }).map(({ at, item }): Step => ({ kind: 'replace', at, item })),
        fc.nat().map((at): Step => ({ kind: 'remove', at })),
      ),
      { maxLength: 12 },
    ),
    views: fc.array(
      fc.record({
        asOf: fc.integer({ min: -600, max: 30 }),
        knownAt: fc.integer({ min: -520 * 1440, max: 40 * 1440 }),
        knownAtAsDate: fc.boolean(),
        perspective: fc.constantFrom('JOINT', ...fw.perspectives.map((p) => p.code)),
      }),
      { minLength: 1, maxLength: 4 },
    ),
    chunked: fc.boolean(),
  }),
);

function viewOf(v: View) {
  const knownAt = v.knownAtAsDate ? instant(v.knownAt).slice(0, 10) : instant(v.knownAt);
  return { asOf: addDays(BASE_DAY, v.asOf), knownAt, perspective: v.perspective };
}

function compare(model: ScoringModel, fw: ScoringFramework, evidence: ScoringEvidence[], views: View[]): void {
  for (const v of views) {
    const view = viewOf(v);
    const engine = createScoringIndex(fw, evidence, view);
    const mine = model.index(view);
    expectSameScorecard(mine.scorecard(view.asOf), engine.scorecard(view.asOf));
    const a = mine.countedFindings(view.asOf);
    const b = engine.countedFindings(view.asOf);
    expect(a.map((f) => [f.evidenceId, f.findingIndex, f.benchmark, f.observedOn])).toEqual(b.map((f) => [f.evidenceId, f.findingIndex, f.benchmark, f.observedOn]));
    a.forEach((f, i) => close(f.weight, b[i].weight, 'weight'));
    // an explanation from an earlier view to this one, at another known-at
    const from = { asOf: addDays(view.asOf, -45), knownAt: instant(v.knownAt - 60 * 1440) };
    const engineFrom = createScoringIndex(fw, evidence, { ...from, perspective: view.perspective });
    const mineFrom = model.index({ ...from, perspective: view.perspective });
    const query = { from, to: { asOf: view.asOf, knownAt: view.knownAt } };
    const x = explainIndexes(fw, mineFrom, mine, query);
    const y = explainIndexes(fw, engineFrom, engine, query);
    close(x.overall.change, y.overall.change, 'overall change');
    const weightsA = new Map<string, number>();
    for (const f of engineFrom.countedFindings(from.asOf)) weightsA.set(f.benchmark, (weightsA.get(f.benchmark) ?? 0) + f.weight);
    const weightsB = new Map(engine.scorecard(view.asOf).pillars.flatMap((p) => p.benchmarks).map((b) => [b.code, b.evidence_weight] as const));
    x.benchmarks.forEach((bx, i) => {
      const by = y.benchmarks[i];
      close(bx.change, by.change, `${bx.code} change`);
      // a finding's part is (wB - wA)(100 v - score A) / (kappa + W(B)): the last ulps of score A, which the two
      // compute in different orders, are multiplied by W(A) / (kappa + W(B)). That is 1 or less with a prior and
      // recent evidence, but reaches 2^45 with no prior and evidence decayed over many half-lives, where no two
      // summation orders agree to 1e-9: the parts are compared to 1e-9 times that amplification
      const [wA, den] = [weightsA.get(bx.code) ?? 0, fw.priorStrength + (weightsB.get(bx.code) ?? 0)];
      const amplification = wA === 0 ? 1 : den === 0 ? Infinity : Math.max(1, wA / den);
      for (const kind of ['new', 'aged', 'removed'] as const) {
        const [p, q] = [bx.by_kind[kind], by.by_kind[kind]];
        expect(Math.abs(p - q), `${bx.code} ${kind}: ${p} vs ${q}`).toBeLessThan(1e-9 * amplification);
      }
      // the same contributions, but for ones that are 0 in one and a rounding residue (amplified as above) in the other
      const material = (list: typeof bx.contributions) =>
        list.filter((c) => Math.abs(c.points) > 1e-9 * amplification).map((c) => `${String(c.evidence)}#${c.finding} ${c.kind}`).sort();
      expect(material(bx.contributions)).toEqual(material(by.contributions));
    });
  }
}

describe('the scoring read model', () => {
  it('answers every view as the engine does from scratch, after any sequence of changes', () => {
    fc.assert(
      fc.property(scenarioArb, ({ fw, initial, steps, views, chunked }) => {
        let next = 0;
        const current = new Map<string, ScoringEvidence>();
        for (const item of initial) {
          const id = `e${next++}`;
          current.set(id, { id, ...item });
        }
        const model = createScoringModel(fw, [...current.values()]);
        const group = model.subset('group:G1', (e) => e.groups.includes('G1'));
        compare(model, fw, [...current.values()], views);
        const pending: { upsert: ScoringEvidence[]; remove: string[] } = { upsert: [], remove: [] };
        for (const step of steps) {
          const ids = [...current.keys()];
          if (step.kind === 'add') {
            const id = `e${next++}`;
            current.set(id, { id, ...step.item });
            pending.upsert.push(current.get(id)!);
          } else if (ids.length) {
            const id = ids[step.at % ids.length];
            if (step.kind === 'replace') {
              current.set(id, { id, ...step.item });
              pending.upsert = pending.upsert.filter((e) => e.id !== id);
              pending.upsert.push(current.get(id)!);
            } else {
              current.delete(id);
              pending.upsert = pending.upsert.filter((e) => e.id !== id);
              pending.remove.push(id);
            }
          }
          // applied one change at a time, or several at once
          if (!chunked) {
            model.apply(pending);
            pending.upsert = [];
            pending.remove = [];
            compare(model, fw, [...current.values()], views.slice(0, 1));
          }
        }
        model.apply(pending);
        const evidence = [...current.values()];
        compare(model, fw, evidence, views);
        expect(model.size).toBe(evidence.length);
        compare(group, fw, evidence.filter((e) => e.groups.includes('G1')), views);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it('answers a known-at after every review event from the sums, and an earlier one from a scan', () => {
    const fw: ScoringFramework = {
      code: 'FW',
      priorStrength: 2,
      assessedThreshold: 1,
      pillars: [{ code: 'P', benchmarks: [{ code: 'B', kind: 'assessment', weight: 1, halfLifeDays: 30, baseline: null, target: null }] }],
      perspectives: [],
    };
    const item = (id: string, observedOn: string, verifiedAt: string, retractedAt: string | null = null): ScoringEvidence => ({
      id,
      observedOn,
      sourceReliability: 'A',
      credibility: 1,
      groups: [],
      verifiedAt,
      retractedAt,
      supersededAt: null,
      findings: [{ benchmark: 'B', stance: 2, value: null }],
    });
    const model = createScoringModel(fw, [item('a', '2026-01-10', '2026-01-11T00:00:00Z'), item('b', '2026-01-20', '2026-01-21T00:00:00Z', '2026-02-01T00:00:00Z')]);
    expect(model.knownNow('2026-03-01T00:00:00Z')).toBe(true);
    expect(model.knownNow('2026-01-25T00:00:00Z')).toBe(false);
    const now = model.index({ knownAt: '2026-03-01T00:00:00Z', perspective: 'JOINT' }).scorecard('2026-01-31');
    const then = model.index({ knownAt: '2026-01-25T00:00:00Z', perspective: 'JOINT' }).scorecard('2026-01-31');
    expect(now.pillars[0].benchmarks[0].findings).toBe(1);
    expect(then.pillars[0].benchmarks[0].findings).toBe(2);
    expect(then.known_at).toBe('2026-01-25T00:00:00Z');
    // the same index answers another spelling of "now", under that spelling
    expect(model.index({ knownAt: '2026-03-02', perspective: 'JOINT' }).scorecard('2026-01-31').known_at).toBe('2026-03-02T23:59:59.999Z');
  });
});
