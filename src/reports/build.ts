// The report builder: plain data in, the frozen report content out. No I/O. Everything in it is fixed by
// (framework, evidence, period, generation time), so regenerating with the same known-at gives the same report.

import { METHODOLOGY_VERSION } from '../scoring/index';
import { createScoringModel } from '../scoring/model';
import type { ChangeKind, Explanation, KindSums, OverallExplanation, PillarExplanation, Scorecard, ScoringEvidence } from '../scoring/types';
import { JOINT, jointNameOf, toScoringFramework, type FrameworkTree } from '../framework/repository';
import type { Period } from './periods';
import { longDate, translate } from '../i18n/messages';

/** What a report keeps of an evidence item: enough to decide later who may read its title. */
export interface ItemSnapshot {
  id: number;
  title: string;
  tlp: 'CLEAR' | 'GREEN' | 'AMBER' | 'RED';
  created_by: number | null;
  owner_delegation: string | null;
  /** reviewers who had handled it by the generation time */
  handled_by: number[];
  pillars: string[];
  groups: string[];
}

export interface ActivityBlock {
  count: number;
  by_pillar: Record<string, number>;
  by_group: Record<string, number>;
  items: ItemSnapshot[];
}

/** Contributions a frozen explanation keeps by name, per benchmark and kind (the rest are summed by kind). */
export const FROZEN_PER_KIND = 3;

/** One benchmark's change as a report freezes it: exact sums by kind, the largest contributions by item. */
export interface FrozenBenchmarkExplanation {
  code: string;
  from: number;
  to: number;
  change: number;
  by_kind: KindSums;
  /** how many findings contributed, by kind */
  counts: KindSums;
  /** the largest contributions of each kind (at most FROZEN_PER_KIND each), largest absolute first */
  top: { evidence: number; kind: ChangeKind; points: number }[];
}

/**
 * Why a perspective's scores moved since the previous report of the kind (METHODOLOGY.md section 9, from that
 * report's view to this one's): overall and pillars whole, benchmarks with their largest contributions.
 */
export interface FrozenExplanation {
  from: { as_of: string; known_at: string };
  overall: OverallExplanation;
  pillars: PillarExplanation[];
  benchmarks: FrozenBenchmarkExplanation[];
}

/** Keeps what a report needs of an explanation: every sum, and the largest contributions of each kind by item. */
export function freezeExplanation(raw: Explanation): FrozenExplanation {
  return {
    from: raw.from,
    overall: raw.overall,
    pillars: raw.pillars,
    benchmarks: raw.benchmarks.map((b) => {
      const counts: KindSums = { new: 0, aged: 0, removed: 0 };
      const top: FrozenBenchmarkExplanation['top'] = [];
      // contributions come largest absolute first: the first of each kind are its largest
      for (const c of b.contributions) {
        counts[c.kind] += 1;
        if (counts[c.kind] <= FROZEN_PER_KIND) top.push({ evidence: Number(c.evidence), kind: c.kind, points: c.points });
      }
      return { code: b.code, from: b.from, to: b.to, change: b.change, by_kind: b.by_kind, counts, top };
    }),
  };
}

/** The items frozen explanations name, once each, in id order (their snapshots are frozen beside them). */
export function explainedItemIds(content: Pick<ReportContent, 'explanations'>): number[] {
  const ids = new Set<number>();
  for (const e of Object.values(content.explanations ?? {})) for (const b of e.benchmarks) for (const c of b.top) ids.add(c.evidence);
  return [...ids].sort((a, b) => a - b);
}

export interface ReportContent {
  report: {
    framework: string;
    framework_name: string;
    kind: string;
    period: string;
    period_start: string;
    period_end: string;
    as_of: string;
    known_at: string;
    methodology: string;
  };
  /** only in reports frozen before the content became language-neutral; see cutoffSentence */
  information_cutoff?: string;
  audit_head: { seq: number; hash: string } | null;
  perspectives: { code: string; name: string }[];
  scorecards: Record<string, Scorecard>;
  changes: {
    previous_period: string | null;
    overall: { perspective: string; from: number | null; to: number | null; delta: number | null; band_from: string | null; band_to: string | null }[];
    band_changes: { perspective: string; level: 'overall' | 'pillar' | 'benchmark'; code: string; from: string | null; to: string | null }[];
    biggest_movers: { code: string; title: string; from: number; to: number; delta: number }[];
  };
  evidence: { verified: ActivityBlock; corrected: ActivityBlock; retracted: ActivityBlock };
  /** pillar names and benchmark titles as they were (absent in reports frozen before names were kept) */
  names?: { pillars: Record<string, string>; benchmarks: Record<string, string> };
  /** the framework's caveat as it was (null: none; absent: frozen before it was kept) */
  caveat?: string | null;
  /** per perspective, why scores moved since the previous report (null: there is none; absent: frozen before this was kept) */
  explanations?: Record<string, FrozenExplanation> | null;
  /** the items the explanations name, as known at generation (a reader sees the titles they may read, the rest counted) */
  explained_items?: ItemSnapshot[];
}

export interface ReportInput {
  tree: FrameworkTree;
  evidence: ScoringEvidence[];
  period: Period;
  generatedAt: string;
  previous: { period: string; content: ReportContent } | null;
  activity: { verified: ItemSnapshot[]; corrected: ItemSnapshot[]; retracted: ItemSnapshot[] };
  auditHead: { seq: number; hash: string } | null;
}

/** The information cut-off in words, as monitoring reports state it, rendered from the frozen dates (never stored). */
export function cutoffSentence(periodEnd: string, generatedAt: string, locale = 'en'): string {
  return translate(
    locale,
    'This report describes the situation as of {as_of}. It is based on evidence verified by {verified_by} at {time} UTC; evidence verified, corrected or retracted after that time is not reflected.',
    { as_of: longDate(locale, periodEnd), verified_by: longDate(locale, generatedAt.slice(0, 10)), time: generatedAt.slice(11, 16) },
  );
}

function block(items: ItemSnapshot[]): ActivityBlock {
  const byPillar: Record<string, number> = {};
  const byGroup: Record<string, number> = {};
  for (const item of items) {
    for (const p of item.pillars) byPillar[p] = (byPillar[p] ?? 0) + 1;
    for (const g of item.groups) byGroup[g] = (byGroup[g] ?? 0) + 1;
  }
  return { count: items.length, by_pillar: byPillar, by_group: byGroup, items: [...items].sort((a, b) => a.id - b.id) };
}

export function buildReport(input: ReportInput): ReportContent {
  const { tree, period, generatedAt } = input;
  const framework = toScoringFramework(tree);
  const perspectives = [{ code: JOINT, name: jointNameOf(tree) }, ...tree.perspectives.map((p) => ({ code: p.code, name: p.name }))];
  const scorecards: Record<string, Scorecard> = {};
  // a model built afresh from the evidence as the snapshot holds it: the same content whenever it is rebuilt
  const model = createScoringModel(framework, input.evidence);
  for (const p of perspectives) {
    scorecards[p.code] = model.index({ knownAt: generatedAt, perspective: p.code }).scorecard(period.end);
  }

  const changes: ReportContent['changes'] = { previous_period: input.previous?.period ?? null, overall: [], band_changes: [], biggest_movers: [] };
  const prev = input.previous?.content.scorecards;
  if (prev) {
    for (const p of perspectives) {
      const before = prev[p.code];
      const after = scorecards[p.code];
      if (!before) continue;
      const delta = before.overall.score !== null && after.overall.score !== null ? after.overall.score - before.overall.score : null;
      changes.overall.push({ perspective: p.code, from: before.overall.score, to: after.overall.score, delta, band_from: before.overall.band, band_to: after.overall.band });
      if (before.overall.band !== after.overall.band) changes.band_changes.push({ perspective: p.code, level: 'overall', code: 'OVERALL', from: before.overall.band, to: after.overall.band });
      for (const pillar of after.pillars) {
        const bp = before.pillars.find((x) => x.code === pillar.code);
        if (bp && bp.band !== pillar.band) changes.band_changes.push({ perspective: p.code, level: 'pillar', code: pillar.code, from: bp.band, to: pillar.band });
        for (const b of pillar.benchmarks) {
          const bb = bp?.benchmarks.find((x) => x.code === b.code);
          if (bb && bb.band !== b.band) changes.band_changes.push({ perspective: p.code, level: 'benchmark', code: b.code, from: bb.band, to: b.band });
        }
      }
    }
    const titles = new Map(tree.pillars.flatMap((p) => p.benchmarks.map((b) => [b.code, b.title] as const)));
    const beforeJoint = prev[JOINT]?.pillars.flatMap((p) => p.benchmarks) ?? [];
    changes.biggest_movers = scorecards[JOINT].pillars
      .flatMap((p) => p.benchmarks)
      .map((b) => {
        const from = beforeJoint.find((x) => x.code === b.code)?.score;
        return from === undefined ? null : { code: b.code, title: titles.get(b.code) ?? b.code, from, to: b.score, delta: b.score - from };
      })
      .filter((m): m is NonNullable<typeof m> => m !== null && Math.abs(m.delta) > 0)
      .sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta) || a.code.localeCompare(b.code))
      .slice(0, 5);
  }

  // why each perspective moved since the previous report: from its frozen view to this one
  let explanations: Record<string, FrozenExplanation> | null = null;
  const previousView = input.previous?.content.report;
  if (previousView) {
    explanations = {};
    for (const p of perspectives) {
      const raw = model.explain({ from: { asOf: previousView.as_of, knownAt: previousView.known_at }, to: { asOf: period.end, knownAt: generatedAt }, perspective: p.code });
      explanations[p.code] = freezeExplanation(raw);
    }
  }

  return {
    report: {
      framework: tree.code,
      framework_name: tree.name,
      kind: period.kind,
      period: period.code,
      period_start: period.start,
      period_end: period.end,
      as_of: period.end,
      known_at: generatedAt,
      methodology: METHODOLOGY_VERSION,
    },
    audit_head: input.auditHead,
    perspectives,
    scorecards,
    changes,
    evidence: {
      verified: block(input.activity.verified),
      corrected: block(input.activity.corrected),
      retracted: block(input.activity.retracted),
    },
    names: {
      pillars: Object.fromEntries(tree.pillars.map((p) => [p.code, p.name])),
      benchmarks: Object.fromEntries(tree.pillars.flatMap((p) => p.benchmarks.map((b) => [b.code, b.title]))),
    },
    explanations,
    caveat: tree.caveat,
  };
}
