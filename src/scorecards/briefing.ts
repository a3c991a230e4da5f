// The one-page briefing (issue 13): for one perspective, what a delegate takes into a meeting. The overall index and
// pillars with their bands, the key findings in words, the three biggest movers since the last report with their
// causes, the stale benchmarks, recommended actions for the weakest benchmarks, the information cut-off and a TLP
// marking. Every figure is the dashboard's (same engine calls, same caches); nothing is added but selection.

import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { Viewer } from '../evidence/policy';
import type { ScoringModel } from '../scoring/model';
import type { Band, BenchmarkScore } from '../scoring/types';
import { accessLookup, JOINT, jointNameOf, type FrameworkTree } from '../framework/repository';
import { TLP_LEVELS, type Tlp } from '../framework/import-types';
import { dashboardKeyFindings, type ExplainedMovement } from './key-findings';
import { longDate } from '../i18n/messages';
import { dashboardModel, viewLink, type Change, type PageQuery } from './pages';
import { translate } from '../i18n/messages';

/** Biggest movers shown, weakest benchmarks given actions, actions per benchmark, key-finding sentences. */
export const BRIEFING_LIMITS = { movers: 3, causesPerMover: 2, weakest: 3, actionsPerBenchmark: 2, sentences: 3 } as const;

type Dashboard = ReturnType<typeof dashboardModel>;
type KeyFindingsPart = Awaited<ReturnType<typeof dashboardKeyFindings>>;

/** A listed change of the dashboard, with its largest causes. */
export type BriefingMover = Change & { movement: ExplainedMovement | null };

export interface BriefingWeak {
  code: string;
  title: string;
  href: string;
  score: number;
  low: number;
  high: number;
  band: Band | null;
  actions: string[];
}

/** A movement with its largest causes only (the page has room for BRIEFING_LIMITS.causesPerMover each). */
function causesCut(movement: ExplainedMovement | null): ExplainedMovement | null {
  return movement && { ...movement, causes: movement.causes.slice(0, BRIEFING_LIMITS.causesPerMover) };
}

/** The highest marking among the items a page names (TLP:CLEAR when it names none: it then shows only figures). */
export function markingOf(ids: Iterable<number>, model: Pick<ScoringModel, 'item'>): Tlp {
  const access = accessLookup(model);
  let level = 0;
  for (const id of ids) level = Math.max(level, TLP_LEVELS.indexOf((access(id)?.tlp ?? 'CLEAR') as Tlp));
  return TLP_LEVELS[level];
}

/**
 * The briefing of one perspective, for `viewer`: built from the dashboard's view model and key findings (the same
 * comparison: the last report before the as-of date, else 30 days earlier).
 */
export function briefingModel(
  tree: FrameworkTree,
  model: ScoringModel,
  perspective: string,
  dashboard: Dashboard,
  why: KeyFindingsPart,
  q: PageQuery,
) {
  const benchmarks = new Map(tree.pillars.flatMap((p) => p.benchmarks.map((b) => [b.code, b] as const)));
  const movers: BriefingMover[] = dashboard.changes.slice(0, BRIEFING_LIMITS.movers).map((c) => ({ ...c, movement: causesCut(why.movements[c.code] ?? null) }));
  const assessed = dashboard.scorecard.pillars.flatMap((p) => p.benchmarks).filter((b): b is BenchmarkScore & { status: 'assessed' } => b.status === 'assessed');
  const weakest: BriefingWeak[] = [...assessed]
    .sort((a, b) => a.score - b.score || a.code.localeCompare(b.code))
    .slice(0, BRIEFING_LIMITS.weakest)
    .map((b) => ({
      code: b.code,
      title: benchmarks.get(b.code)?.title ?? b.code,
      href: viewLink(`/benchmarks/${encodeURIComponent(b.code)}`, q),
      score: b.score,
      low: b.low,
      high: b.high,
      band: b.band,
      actions: (benchmarks.get(b.code)?.recommendedActions ?? []).slice(0, BRIEFING_LIMITS.actionsPerBenchmark),
    }));
  // items named by title: the movers' causes and the items the key-finding sentences name
  const named = [...movers.flatMap((m) => (m.movement?.causes ?? []).map((c) => c.evidenceId).filter((id): id is number => id !== null)), ...why.namedItems];
  const description = perspective === JOINT ? null : (tree.perspectives.find((p) => p.code === perspective)?.description ?? null);
  return {
    perspectiveName: perspective === JOINT ? jointNameOf(tree) : (tree.perspectives.find((p) => p.code === perspective)?.name ?? perspective),
    perspectiveDescription: description,
    overall: dashboard.scorecard.overall,
    pillars: dashboard.pillars.map((p) => ({ code: p.code, name: p.name, href: p.href, score: p.score, band: p.band, status: p.status, coverage: p.coverage, trend: p.trend })),
    keyFindings: why.keyFindings.slice(0, BRIEFING_LIMITS.sentences),
    since: why.since,
    changesHref: dashboard.changesHref,
    movers,
    stale: why.staleBenchmarks,
    weakest,
    marking: markingOf(named, model),
  };
}

/** The information cut-off in words: "evidence known by 1 December 2026 (as of 30 November 2026)". */
export function cutOffOf(asOf: string, knownAt: string, locale = 'en'): string {
  const known = knownAt.slice(0, 10);
  return known === asOf
    ? translate(locale, 'evidence as of and known by {date}', { date: longDate(locale, asOf) })
    : translate(locale, 'scores as of {asOf}, from evidence known by {knownBy}', { asOf: longDate(locale, asOf), knownBy: longDate(locale, known) });
}

export type BriefingModel = ReturnType<typeof briefingModel>;

/** Everything the briefing page needs for one reader: the dashboard's model and key findings, selected. */
export async function readerBriefing(
  db: Kysely<Database>,
  viewer: Viewer,
  ctx: { tree: FrameworkTree; model: ScoringModel; resolved: { asOf: string; knownAt: string; perspective: string } },
  dashboard: Dashboard,
  q: PageQuery,
  locale = 'en',
): Promise<BriefingModel> {
  const why = await dashboardKeyFindings(db, viewer, ctx, dashboard, q, locale);
  return briefingModel(ctx.tree, ctx.model, ctx.resolved.perspective, dashboard, why, q);
}
