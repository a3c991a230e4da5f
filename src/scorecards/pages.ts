// View models of the scorecard pages: dashboard, perspectives side by side, benchmark, pillar and group pages.
// All numbers come from the same engine calls as the JSON API; templates only round them.

import type { EvidenceRow } from '../db/schema';
import { addDays, METHODOLOGY_VERSION, RELIABILITY_FACTORS, CREDIBILITY_FACTORS, SCORING_CONSTANTS } from '../scoring/index';
import type { BenchmarkScore, CountedFinding, Scorecard } from '../scoring/types';
import type { ScoringIndex } from '../scoring/engine';
import type { ScoringModel } from '../scoring/model';
import { JOINT, jointNameOf, toScoringFramework, type FrameworkTree } from '../framework/repository';
import type { BenchmarkEvidence, PageContext, PageQuery, ReportReference, ResolvedScorecardQuery } from './service';
import { sparklineSvg, scoreChartSvg, type SeriesPoint } from './charts';
import { todayUtc, type Clock } from '../time';
import Handlebars from 'handlebars';
import { msg, translate } from '../i18n/messages';

export type { PageQuery, ReportReference };

/** Builds a URL to `path` keeping the time-travel and perspective parameters (overrides win; '' removes). */
export function viewLink(path: string, q: PageQuery, override: Partial<PageQuery> = {}): string {
  const params = new URLSearchParams();
  const merged = { ...q, ...override };
  for (const key of ['framework', 'as_of', 'known_at', 'perspective'] as const) {
    const v = merged[key];
    if (v && !(key === 'perspective' && v === JOINT)) params.set(key, v);
  }
  const s = params.toString();
  return s ? `${path}?${s}` : path;
}

/** Monthly as-of dates: the as-of date and the same day of each of the previous `months` months (clamped). */
export function monthlyDates(asOf: string, months = 12): string[] {
  const [y, m, d] = asOf.split('-').map(Number);
  const out: string[] = [];
  for (let k = months; k >= 1; k -= 1) {
    const first = new Date(Date.UTC(y, m - 1 - k, 1));
    const lastDay = new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth() + 1, 0)).getUTCDate();
    out.push(new Date(Date.UTC(first.getUTCFullYear(), first.getUTCMonth(), Math.min(d, lastDay))).toISOString().slice(0, 10));
  }
  out.push(asOf);
  return out;
}

export function weeklyDates(asOf: string, weeks = 52): string[] {
  return Array.from({ length: weeks + 1 }, (_, i) => addDays(asOf, -7 * (weeks - i)));
}

export interface TimeTravel {
  asOf: string;
  knownAt: string;
  knownNow: boolean;
  isToday: boolean;
  /** the as-of date is after today: the page projects today's evidence forward (it only decays) */
  isFuture: boolean;
  /** the same view as known now / as known at the as-of date */
  asKnownNowHref: string | null;
  asKnownThenHref: string | null;
  form: { as_of: string; known_at: string; perspective: string; framework: string };
}

export function timeTravel(path: string, q: PageQuery, resolved: ResolvedScorecardQuery, clock: Clock): TimeTravel {
  const knownNow = !q.known_at;
  return {
    asOf: resolved.asOf,
    knownAt: resolved.knownAt,
    knownNow,
    isToday: resolved.asOf === todayUtc(clock),
    isFuture: resolved.asOf > todayUtc(clock),
    asKnownNowHref: knownNow ? null : viewLink(path, q, { known_at: '' }),
    asKnownThenHref: knownNow && resolved.asOf < todayUtc(clock) ? viewLink(path, q, { known_at: resolved.asOf, as_of: resolved.asOf }) : null,
    form: { as_of: q.as_of ?? '', known_at: q.known_at ?? '', perspective: resolved.perspective, framework: q.framework ?? '' },
  };
}

export function perspectiveChoices(path: string, tree: FrameworkTree, q: PageQuery, current: string) {
  return [{ code: JOINT, name: jointNameOf(tree) }, ...tree.perspectives.map((p) => ({ code: p.code, name: p.name }))].map((p) => ({
    ...p,
    href: viewLink(path, q, { perspective: p.code }),
    current: p.code === current,
  }));
}

export function perspectiveName(tree: FrameworkTree, code: string): string {
  return code === JOINT ? jointNameOf(tree) : tree.perspectives.find((p) => p.code === code)?.name ?? code;
}

/** Scorecards at the as-of date, monthly over the last 12 months, and at a reference date, from one index. */
export function scoreViews(model: ScoringModel, resolved: ResolvedScorecardQuery, referenceDate: string) {
  const index = model.index({ knownAt: resolved.knownAt, perspective: resolved.perspective });
  const months = monthlyDates(resolved.asOf);
  const series = months.map((d) => index.scorecard(d));
  const current = series[series.length - 1];
  const reference = index.scorecard(referenceDate);
  return { index, months, series, current, reference };
}

const benchmarkAt = (card: Scorecard, code: string) => card.pillars.flatMap((p) => p.benchmarks).find((b) => b.code === code)!;

function seriesOf(months: string[], series: Scorecard[], pick: (card: Scorecard) => { score: number | null; low?: number; high?: number }): SeriesPoint[] {
  return series.map((card, i) => ({ date: months[i], ...pick(card) }));
}

export interface Change {
  code: string;
  title: string;
  href: string;
  from: number;
  to: number;
  delta: number;
  bandFrom: string | null;
  bandTo: string | null;
  bandChanged: boolean;
}

/** Benchmarks whose score moved by a whole point or more, or whose band changed, biggest first. */
export function changesBetween(tree: FrameworkTree, before: Scorecard, after: Scorecard, q: PageQuery): Change[] {
  const changes: Change[] = [];
  for (const pillar of tree.pillars) {
    for (const b of pillar.benchmarks) {
      const x = benchmarkAt(before, b.code);
      const y = benchmarkAt(after, b.code);
      const delta = y.score - x.score;
      const bandChanged = x.band !== y.band;
      if (Math.abs(delta) >= 1 || bandChanged) {
        changes.push({ code: b.code, title: b.title, href: viewLink(`/benchmarks/${encodeURIComponent(b.code)}`, q), from: x.score, to: y.score, delta, bandFrom: x.band, bandTo: y.band, bandChanged });
      }
    }
  }
  return changes.sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta)).slice(0, 8);
}

export function dashboardModel(tree: FrameworkTree, model: ScoringModel, resolved: ResolvedScorecardQuery, q: PageQuery, clock: Clock, report?: ReportReference | null, locale = 'en') {
  const refDate = addDays(resolved.asOf, -30);
  const views = scoreViews(model, resolved, refDate);
  const { months, series, current } = views;
  const before = report?.scorecard ?? views.reference;
  const pillars = current.pillars.map((ps) => {
    const pillar = tree.pillars.find((p) => p.code === ps.code)!;
    return {
      ...ps,
      name: pillar.name,
      href: viewLink(`/pillars/${encodeURIComponent(ps.code)}`, q),
      sparkline: sparklineSvg(seriesOf(months, series, (c) => ({ score: c.pillars.find((p) => p.code === ps.code)!.score })), pillar.name, undefined, undefined, locale),
      benchmarks: ps.benchmarks.map((bs) => {
        const b = pillar.benchmarks.find((x) => x.code === bs.code)!;
        return {
          ...bs,
          title: b.title,
          href: viewLink(`/benchmarks/${encodeURIComponent(b.code)}`, q),
          sparkline: sparklineSvg(seriesOf(months, series, (c) => ({ score: benchmarkAt(c, bs.code).score })), `${b.code} ${b.title}`, undefined, undefined, locale),
        };
      }),
    };
  });
  return {
    scorecard: current,
    pillars,
    overallSparkline: sparklineSvg(seriesOf(months, series, (c) => ({ score: c.overall.score })), translate(locale, 'Overall index'), undefined, undefined, locale),
    changes: changesBetween(tree, before, current, q),
    changesSince: report?.label ?? translate(locale, '{date} (30 days earlier; no report yet)', { date: refDate }),
    changesHref: report?.href ?? null,
    overallBefore: before.overall.score,
    /** view A of "what changed": the report's frozen view, else 30 days earlier at the same known-at */
    comparedWith: {
      asOf: report?.asOf ?? refDate,
      knownAt: report?.knownAt ?? resolved.knownAt,
      scorecard: before,
      label: report?.label ?? refDate,
    },
  };
}

export function perspectivesModel(tree: FrameworkTree, model: ScoringModel, resolved: ResolvedScorecardQuery, q: PageQuery, locale = 'en') {
  const codes = [JOINT, ...tree.perspectives.map((p) => p.code)];
  const cards = codes.map((code) => model.index({ knownAt: resolved.knownAt, perspective: code }).scorecard(resolved.asOf));
  const spreadOf = (values: (number | null)[]) => {
    const nums = values.filter((v): v is number => v !== null);
    return nums.length < 2 ? null : Math.max(...nums) - Math.min(...nums);
  };
  const cell = (score: number | null, band: string | null) => ({ score, band });
  const rows: { kind: 'overall' | 'pillar' | 'benchmark'; code: string; label: string; href: string | null; cells: { score: number | null; band: string | null }[]; spread: number | null; divergent: boolean }[] = [];
  const push = (kind: 'overall' | 'pillar' | 'benchmark', code: string, label: string, href: string | null, cells: { score: number | null; band: string | null }[]) => {
    const spread = spreadOf(cells.map((c) => c.score));
    rows.push({ kind, code, label, href, cells, spread, divergent: spread !== null && spread >= DIVERGENCE_POINTS });
  };
  push('overall', 'OVERALL', translate(locale, 'Overall index'), null, cards.map((c) => cell(c.overall.score, c.overall.band)));
  for (const pillar of tree.pillars) {
    push('pillar', pillar.code, pillar.name, viewLink(`/pillars/${encodeURIComponent(pillar.code)}`, q), cards.map((c) => { const p = c.pillars.find((x) => x.code === pillar.code)!; return cell(p.score, p.band); }));
    for (const b of pillar.benchmarks) {
      push('benchmark', b.code, `${b.code} ${b.title}`, viewLink(`/benchmarks/${encodeURIComponent(b.code)}`, q), cards.map((c) => { const s = benchmarkAt(c, b.code); return cell(s.score, s.band); }));
    }
  }
  return {
    columns: codes.map((code) => ({ code, name: perspectiveName(tree, code) })),
    rows,
    cards,
    divergenceThreshold: DIVERGENCE_POINTS,
  };
}

/** Perspectives "diverge" on a row when their scores are this many points apart or more. */
export const DIVERGENCE_POINTS = 5;

export interface FindingRow {
  evidenceId: number;
  title: string;
  observedOn: string;
  value: number;
  weight: number;
  share: number;
  grading: string;
  tlp: string;
}

/**
 * The findings that count now for one benchmark: the totals over all of them (restricted ones counted, never named),
 * and the page of visible ones shown, newest first, with weights, shares of W and links to the pages around it that
 * keep the view (`path`, `q`).
 */
export function benchmarkFindings(ev: BenchmarkEvidence, path: string, q: PageQuery) {
  const total = ev.totalWeight;
  const rows: FindingRow[] = ev.onPage.map((c) => {
    const row = ev.items.get(Number(c.evidenceId))!;
    return {
      evidenceId: row.id,
      title: row.title,
      observedOn: row.observed_on,
      value: c.value,
      weight: c.weight,
      share: total > 0 ? c.weight / total : 0,
      grading: `${row.source_reliability}${row.credibility}`,
      tlp: row.tlp,
    };
  });
  const pageHref = (page: number) => {
    const base = viewLink(path, q);
    return page === 1 ? base : `${base}${base.includes('?') ? '&' : '?'}page=${page}`;
  };
  return {
    rows,
    countedCount: ev.counted.length,
    visibleCount: ev.visible.length,
    firstShown: rows.length ? (ev.page - 1) * ev.pageSize + 1 : 0,
    lastShown: (ev.page - 1) * ev.pageSize + rows.length,
    restrictedCount: ev.restrictedCount,
    restrictedWeight: ev.restrictedWeight,
    restrictedShare: total > 0 ? ev.restrictedWeight / total : 0,
    totalWeight: total,
    pager: ev.pages > 1 ? { shown: true, page: ev.page, pages: ev.pages, firstHref: ev.page > 2 ? pageHref(1) : null, prevHref: ev.page > 1 ? pageHref(ev.page - 1) : null, nextHref: ev.page < ev.pages ? pageHref(ev.page + 1) : null } : null,
  };
}

/** The benchmark's chart; markers only for findings in items the reader may see (`visibleIds`): hidden ones are neither named nor placed. */
/** A benchmark's score weekly over the 12 months to `asOf` (the chart's line and band) and monthly (its table). */
export function benchmarkSeries(index: ScoringIndex, asOf: string, code: string) {
  const points: SeriesPoint[] = weeklyDates(asOf).map((d) => {
    const b: BenchmarkScore = benchmarkAt(index.scorecard(d), code);
    return { date: d, score: b.score, low: b.low, high: b.high };
  });
  const monthly = monthlyDates(asOf).map((d) => {
    const b = benchmarkAt(index.scorecard(d), code);
    return { date: d, score: b.score, low: b.low, high: b.high, status: b.status, findings: b.findings, evidence_weight: b.evidence_weight };
  });
  return { points, monthly };
}

/** The benchmark chart: its series, with the counted findings the reader may see (`visible`) as dots. */
export function benchmarkChart(series: ReturnType<typeof benchmarkSeries>, asOf: string, code: string, title: string, visible: readonly CountedFinding[], locale = 'en') {
  // ages repeat (a few hundred days against thousands of findings): each day's date is worked out once
  const dates = new Map<number, string>();
  const dateAt = (age: number) => dates.get(age) ?? (dates.set(age, addDays(asOf, -age)), dates.get(age)!);
  const markers = visible.map((f) => ({ date: dateAt(f.ageDays), value: f.value, id: f.evidenceId }));
  const label = translate(locale, '{code} {title}: score over the 12 months to {date}', { code, title, date: asOf });
  return { svg: scoreChartSvg(series.points, markers, label, undefined, undefined, locale), monthly: series.monthly };
}

export const CONSTANTS_FOR_PAGES = SCORING_CONSTANTS;

/** What every scorecard page shows around its content: framework, perspective choices, time travel, navigation. */
export function pageFrame(path: string, q: PageQuery, ctx: PageContext, clock: Clock) {
  return {
    framework: { code: ctx.tree.code, name: ctx.tree.name, subject: ctx.tree.subject },
    perspective: ctx.resolved.perspective,
    perspectiveName: perspectiveName(ctx.tree, ctx.resolved.perspective),
    perspectives: perspectiveChoices(path, ctx.tree, q, ctx.resolved.perspective),
    time: timeTravel(path, q, ctx.resolved, clock),
    formAction: path,
    nav: {
      dashboard: viewLink('/', q),
      perspectives: viewLink('/perspectives', q),
      methodology: viewLink('/methodology', q),
    },
    apiHref: viewLink('/api/v1/scorecard', { ...q, framework: ctx.tree.code, as_of: ctx.resolved.asOf, perspective: ctx.resolved.perspective }),
  };
}

/** The latest verified items on a pillar or group, for the block that lists them with a link to all of them. */
export function latestEvidence(heading: string, on: { pillar: string } | { group: string }, latest: { items: { id: number; title: string; observed_on: string }[]; total: number; restricted: number }) {
  const [key, code] = Object.entries(on)[0];
  return { heading, ...latest, href: `/evidence?${key}=${encodeURIComponent(code)}&status=verified` };
}

/** The methodology page: the constants and weights the engine uses, for this framework. */
export function methodologyModel(tree: FrameworkTree) {
  const pillarCodes = tree.pillars.map((p) => p.code);
  return {
    title: msg('How the scores are computed'),
    /** section 9's formula (markup, no words: the same in every language) */
    contributionFormula: new Handlebars.SafeString(
      '<code>(a<sub>j</sub><sup>B</sup>x<sub>j</sub><sup>B</sup> − a<sub>j</sub><sup>A</sup>x<sub>j</sub><sup>A</sup> − (a<sub>j</sub><sup>B</sup> − a<sub>j</sub><sup>A</sup>)·M<sub>A</sub>) / Σa<sup>B</sup></code>',
    ),
    version: METHODOLOGY_VERSION,
    constants: SCORING_CONSTANTS,
    priorStrength: tree.priorStrength,
    assessedThreshold: tree.assessedThreshold,
    reliability: Object.entries(RELIABILITY_FACTORS).map(([grade, factor]) => ({ grade, factor })),
    credibility: Object.entries(CREDIBILITY_FACTORS).map(([grade, factor]) => ({ grade, factor })),
    pillars: tree.pillars.map((p) => ({ code: p.code, name: p.name, benchmarks: p.benchmarks })),
    perspectives: [
      { code: JOINT, name: perspectiveName(tree, JOINT), pillarWeights: pillarCodes.map((c) => ({ code: c, weight: 1 })), groupWeights: tree.groups.map((g) => ({ code: g.code, weight: 1 })) },
      ...tree.perspectives.map((p) => ({
        code: p.code,
        name: p.name,
        pillarWeights: pillarCodes.map((c) => ({ code: c, weight: p.pillarWeights[c] ?? 1 })),
        groupWeights: tree.groups.map((g) => ({ code: g.code, weight: p.groupWeights[g.code] ?? 1 })),
      })),
    ],
    groups: tree.groups,
    demand: tree.description,
    caveat: tree.caveat,
    perspectiveDescriptions: tree.perspectives.filter((p) => p.description).map((p) => ({ code: p.code, name: p.name, description: p.description })),
  };
}
