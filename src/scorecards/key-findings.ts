// Key findings in words (issue 13): a few sentences per perspective generated from the exact figures and their
// explanation (METHODOLOGY.md v1.1 sections 9 and 10). Templates over numbers only: no free-form text, nothing
// invented. Items are named only when the reader may see them; restricted ones are counted.

import { knowledgeKey, viewCache } from './view-cache';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { Viewer } from '../evidence/policy';
import type { ScoringModel } from '../scoring/model';
import type { Band, ChangeKind, Scorecard } from '../scoring/types';
import { JOINT, jointNameOf, type FrameworkTree } from '../framework/repository';
import { summarizeForReader, type BenchmarkExplanationJson, type ExplanationJson } from './explain';
import { viewLink, type PageQuery } from './pages';
import { formatSignedPoints, longDate, msg, translate, type Message } from '../i18n/messages';

const BAND_WORDS: Record<Band, Message> = {
  compliant: msg('compliant'),
  largely_compliant: msg('largely compliant'),
  partially_compliant: msg('partially compliant'),
  non_compliant: msg('non-compliant'),
};
const BAND_ORDER: Band[] = ['non_compliant', 'partially_compliant', 'largely_compliant', 'compliant'];


/** Items of a list as the locale separates them ("A, B"; "A، B"; "A、B"). */
export function listOf(locale: string, items: string[]): string {
  const sep = locale === 'zh-CN' ? '、' : ['ur', 'fa', 'ps'].includes(locale) ? '، ' : ', ';
  return items.join(sep);
}

/** One cause of a benchmark's movement: a visible item (linked) or the restricted items together. */
export interface Cause {
  kind: ChangeKind | 'restricted';
  label: string;
  href: string | null;
  /** the item named (null: the restricted items together) */
  evidenceId: number | null;
  /** for a named item: what kind of change in words, and its title (pages isolate the title's direction) */
  kindWord?: string;
  title?: string;
  points: number;
}

/** A benchmark's movement explained: its top causes and whether it is drift (ageing) rather than news. */
export interface ExplainedMovement {
  code: string;
  from: number;
  to: number;
  change: number;
  driver: ChangeKind | null;
  drift: boolean;
  causes: Cause[];
  restrictedCount: number;
}

const KIND_WORDS: Record<ChangeKind, Message> = { new: msg('new'), aged: msg('older, fading'), removed: msg('withdrawn') };

/** The kind whose contributions add up to the largest absolute sum (ties: new, removed, aged), null for no change. */
function dominantKind(b: BenchmarkExplanationJson): ChangeKind | null {
  if (b.change === 0) return null;
  let best: ChangeKind | null = null;
  let size = -1;
  for (const kind of ['new', 'removed', 'aged'] as const) {
    if (Math.abs(b.by_kind[kind]) > size) {
      best = kind;
      size = Math.abs(b.by_kind[kind]);
    }
  }
  return best;
}

/** Contributions smaller than this (they round to 0 points on the page) are not listed as causes. */
const CAUSE_MIN_POINTS = 0.5;

/**
 * Top causes of one benchmark's change: the largest visible contributions (at most `limit`, none that rounds to 0)
 * and the restricted ones summed into one line that counts them; largest first.
 */
export function movementOf(b: BenchmarkExplanationJson, limit = 3, locale = 'en'): ExplainedMovement {
  const t = (m: Message) => translate(locale, m.key, m.params);
  const driver = dominantKind(b);
  const causes: Cause[] = [];
  let restrictedPoints = 0;
  let restrictedCount = 0;
  for (const c of b.contributions) {
    if (c.restricted) {
      restrictedPoints += c.points;
      restrictedCount += c.count ?? 1;
    } else if (!c.rest && causes.length < limit && Math.abs(c.points) >= CAUSE_MIN_POINTS) {
      const title = c.title ?? c.ref ?? t(msg('item'));
      causes.push({
        kind: c.kind,
        label: t(msg('{kind}: {title}', { kind: KIND_WORDS[c.kind], title })),
        kindWord: t(KIND_WORDS[c.kind]),
        title,
        href: c.evidence_id !== undefined ? `/evidence/${c.evidence_id}` : null,
        evidenceId: c.evidence_id ?? null,
        points: c.points,
      });
    }
  }
  if (restrictedCount > 0 && Math.abs(restrictedPoints) >= CAUSE_MIN_POINTS) {
    causes.push({ kind: 'restricted', label: t(msg('{count, plural, one {# restricted item} other {# restricted items}} (not named)', { count: restrictedCount })), href: null, evidenceId: null, points: restrictedPoints });
  }
  causes.sort((x, y) => Math.abs(y.points) - Math.abs(x.points));
  return { code: b.code, from: b.from, to: b.to, change: b.change, driver, drift: driver === 'aged', causes, restrictedCount };
}

/** "where two new items entered (“A”, “B”) and one restricted item" and similar, from the benchmark's contributions. */
function causeClause(b: BenchmarkExplanationJson, named: Set<number>, locale: string): Message | null {
  const kind = dominantKind(b);
  if (kind === null) return null;
  if (kind === 'aged') {
    return b.change > 0 ? msg(' as older negative evidence fades (drift toward neutral, not news)') : msg(' as older positive evidence fades (drift toward neutral, not news)');
  }
  const ofKind = b.contributions.filter((c) => c.kind === kind);
  const shown = ofKind.filter((c) => !c.restricted && !c.rest).slice(0, 2);
  for (const c of shown) if (c.evidence_id !== undefined) named.add(c.evidence_id);
  const titled = shown.map((c) => translate(locale, '“{title}”', { title: c.title ?? c.ref ?? translate(locale, 'item') }));
  const countOf = (list: typeof ofKind) => list.reduce((n, c) => n + (c.count ?? 1), 0);
  const hidden = countOf(ofKind.filter((c) => c.restricted));
  const visibleCount = countOf(ofKind.filter((c) => !c.restricted));
  const parts: Message[] = [];
  if (visibleCount > 0) {
    const items = msg('{count, plural, =0 {no items} =1 {one item} =2 {two items} =3 {three items} =4 {four items} =5 {five items} =6 {six items} =7 {seven items} =8 {eight items} =9 {nine items} other {# items}}', { count: visibleCount });
    if (!titled.length) parts.push(items);
    else if (visibleCount > titled.length) parts.push(msg('{items} ({titles}, …)', { items, titles: listOf(locale, titled) }));
    else parts.push(msg('{items} ({titles})', { items, titles: listOf(locale, titled) }));
  }
  if (hidden > 0) {
    parts.push(msg('{count, plural, =0 {no restricted items} =1 {one restricted item} =2 {two restricted items} =3 {three restricted items} =4 {four restricted items} =5 {five restricted items} =6 {six restricted items} =7 {seven restricted items} =8 {eight restricted items} =9 {nine restricted items} other {# restricted items}}', { count: hidden }));
  }
  if (!parts.length) return null;
  const what = parts.length === 2 ? msg('{first} and {second}', { first: parts[0], second: parts[1] }) : parts[0];
  return kind === 'new' ? msg(': {what} newly counted', { what }) : msg(': {what} withdrawn (retracted or corrected)', { what });
}

/** "improved from partially to largely compliant (52 → 63)", "rose 3 points to 46 (partially compliant)", ... */
function bandPhrase(from: Band | null, to: Band | null, a: number, b: number): Message {
  const ra = Math.round(a);
  const rb = Math.round(b);
  if (from && to && from !== to) {
    const up = BAND_ORDER.indexOf(to) > BAND_ORDER.indexOf(from);
    const params = { from: BAND_WORDS[from], to: BAND_WORDS[to], a: ra, b: rb };
    return up ? msg('improved from {from} to {to} ({a} → {b})', params) : msg('deteriorated from {from} to {to} ({a} → {b})', params);
  }
  const moved = rb - ra; // as the figures in brackets show them
  if (moved === 0) return to ? msg('was essentially unchanged at {score} ({band})', { score: rb, band: BAND_WORDS[to] }) : msg('was essentially unchanged at {score}', { score: rb });
  const n = Math.abs(moved);
  if (to) {
    const params = { n, score: rb, band: BAND_WORDS[to], a: ra, b: rb };
    return moved > 0
      ? msg('rose {n, plural, one {# point} other {# points}} to {score} ({band}) ({a} → {b})', params)
      : msg('fell {n, plural, one {# point} other {# points}} to {score} ({band}) ({a} → {b})', params);
  }
  const params = { n, score: rb, a: ra, b: rb };
  return moved > 0 ? msg('rose {n, plural, one {# point} other {# points}} to {score} ({a} → {b})', params) : msg('fell {n, plural, one {# point} other {# points}} to {score} ({a} → {b})', params);
}

/** What key findings need of a framework: pillar names and benchmark titles (a tree, or a report's frozen names). */
export type KeyFindingsTree = { pillars: readonly { code: string; name: string; benchmarks: readonly { code: string; title: string }[] }[] };

export interface KeyFindings {
  /** the sentences, in reading order */
  sentences: string[];
  /** benchmark code -> its movement explained (every benchmark whose score changed) */
  movements: Record<string, ExplainedMovement>;
  /** stale benchmarks now: the newest counted evidence is older than the half-life */
  stale: { code: string; title: string; href: string; lastObservedOn: string | null; since: string }[];
  /** benchmarks that went stale between the two views */
  wentStale: string[];
  /** pillar code -> one sentence on its movement (every pillar, for the pillar pages) */
  pillars: Record<string, string>;
  /** ids of the items the sentences name by title (for a page's TLP marking) */
  named: number[];
}

/**
 * Key findings for one perspective: what `after` says and why it differs from `before` (the explanation between the
 * two views), named for `viewer`. `sinceLabel` names view A in words ("the monthly report 2026-05", "1 June 2026").
 */
export function keyFindingsFrom(
  tree: KeyFindingsTree,
  before: Scorecard,
  after: Scorecard,
  explanation: ExplanationJson,
  sinceLabel: string,
  q: PageQuery,
  perspectiveName: string,
  locale = 'en',
): KeyFindings {
  const t = (m: Message) => translate(locale, m.key, m.params);
  const titles = new Map(tree.pillars.flatMap((p) => p.benchmarks.map((b) => [b.code, b.title] as const)));
  const pillarNames = new Map(tree.pillars.map((p) => [p.code, p.name] as const));
  const said: Message[] = [];
  /** items the sentences name by title */
  const named = new Set<number>();

  const o = explanation.overall;
  const perspective = perspectiveName;
  const since = sinceLabel;
  if (after.overall.score === null || after.overall.status !== 'assessed') {
    said.push(msg('{perspective}: there is not yet enough verified evidence for an overall assessment ({coverage}% of pillar weight assessed).', { perspective, coverage: Math.round(after.overall.coverage * 100) }));
  } else if (o.change === null) {
    said.push(msg('{perspective}: overall {score} of 100, {band}; first overall assessment since {since}.', { perspective, score: Math.round(after.overall.score), band: BAND_WORDS[after.overall.band!], since }));
  } else {
    const top = o.contributions[0];
    const movement = bandPhrase(before.overall.band, after.overall.band, o.from!, o.to!);
    said.push(
      top && Math.abs(top.points) >= 0.5
        ? msg('{perspective}: overall {movement} since {since}, mostly from {pillar} ({points}).', { perspective, movement, since, pillar: pillarNames.get(top.pillar) ?? top.pillar, points: formatSignedPoints(locale, top.points) })
        : msg('{perspective}: overall {movement} since {since}.', { perspective, movement, since }),
    );
  }

  const benchmarksByCode = new Map(explanation.benchmarks.map((b) => [b.code, b] as const));
  const statusBefore = new Map(before.pillars.flatMap((p) => p.benchmarks).map((b) => [b.code, b.status] as const));
  const statusAfter = new Map(after.pillars.flatMap((p) => p.benchmarks).map((b) => [b.code, b.status] as const));
  /** Why a benchmark moved its pillar: entering or leaving the pillar's mean, else its own explanation. */
  const benchmarkCause = (code: string): Message | string => {
    const b = benchmarksByCode.get(code);
    if (!b) return '';
    if (statusBefore.get(code) !== 'assessed' && statusAfter.get(code) === 'assessed') return msg(', now assessed at {score}', { score: Math.round(b.to) });
    if (statusBefore.get(code) === 'assessed' && statusAfter.get(code) !== 'assessed') return msg(', no longer assessed (too little recent evidence)');
    return causeClause(b, named, locale) ?? '';
  };
  const pillarSentence = (i: number): Message => {
    const p = explanation.pillars[i];
    const pillar = pillarNames.get(p.code) ?? p.code;
    if (p.change === null) {
      return p.to === null ? msg('{pillar} has no assessed benchmark yet.', { pillar }) : msg('{pillar} has no comparable score for {since}: its benchmarks were not assessed then.', { pillar, since });
    }
    const top = p.contributions[0];
    const unchanged = Math.round(p.to!) === Math.round(p.from!) && before.pillars[i].band === after.pillars[i].band;
    const movement = bandPhrase(before.pillars[i].band, after.pillars[i].band, p.from!, p.to!);
    if (!(top && Math.abs(top.points) >= 0.5)) return msg('{pillar} {movement} since {since}.', { pillar, movement, since });
    const params = { pillar, movement, since, code: top.benchmark, title: titles.get(top.benchmark) ?? '', points: formatSignedPoints(locale, top.points), cause: benchmarkCause(top.benchmark) };
    return unchanged
      ? msg('{pillar} {movement} since {since}; the largest single movement was {code} {title} ({points}){cause}.', params)
      : msg('{pillar} {movement} since {since}, mostly from {code} {title} ({points}){cause}.', params);
  };
  const pillars: Record<string, string> = {};
  explanation.pillars.forEach((p, i) => {
    pillars[p.code] = t(pillarSentence(i));
  });
  const pillarSentences = explanation.pillars
    .map((p, i) => ({ p, i }))
    .filter(({ p, i }) => p.change !== null && (Math.abs(p.change) >= 1 || before.pillars[i].band !== after.pillars[i].band))
    .sort((x, y) => Math.abs(y.p.change!) - Math.abs(x.p.change!))
    .slice(0, 3)
    .map(({ i }) => pillarSentence(i));
  said.push(...pillarSentences);

  for (const [i, p] of explanation.pillars.entries()) {
    const pillar = pillarNames.get(p.code) ?? p.code;
    if (before.pillars[i].status !== 'assessed' && after.pillars[i].status === 'assessed') said.push(msg('{pillar} is assessed for the first time since {since}.', { pillar, since }));
    if (before.pillars[i].status === 'assessed' && after.pillars[i].status !== 'assessed') said.push(msg('{pillar} is no longer assessed: too little recent verified evidence.', { pillar }));
  }

  const afterBenchmarks = after.pillars.flatMap((p) => p.benchmarks);
  const beforeStale = new Set(before.pillars.flatMap((p) => p.benchmarks).filter((b) => b.stale).map((b) => b.code));
  const stale = afterBenchmarks
    .filter((b) => b.stale)
    .map((b) => ({
      code: b.code,
      title: titles.get(b.code) ?? b.code,
      href: viewLink(`/benchmarks/${encodeURIComponent(b.code)}`, q),
      lastObservedOn: b.last_observed_on,
      since: b.last_observed_on ? longDate(locale, b.last_observed_on) : '',
    }));
  const wentStale = stale.filter((b) => !beforeStale.has(b.code)).map((b) => b.code);
  if (stale.length > 0) {
    const listed = stale.slice(0, 4).map((b) => t(msg('{code} (last evidence {date})', { code: b.code, date: b.since })));
    const list = stale.length > 4 ? listOf(locale, [...listed, '…']) : listOf(locale, listed);
    said.push(msg('{count, plural, one {# benchmark is} other {# benchmarks are}} stale, their newest evidence older than its half-life: {list}; their scores drift toward neutral without news.', { count: stale.length, list }));
  }

  const movements: Record<string, ExplainedMovement> = {};
  for (const b of explanation.benchmarks) if (b.change !== 0) movements[b.code] = movementOf(b, 3, locale);
  const sentences = said.map(t);
  return { sentences, movements, stale, wentStale, pillars, named: [...named] };
}

/** The explanation between two views of one perspective, named for `viewer`, and the key findings from it. */
export async function explainedKeyFindings(
  db: Kysely<Database>,
  viewer: Viewer,
  input: {
    tree: FrameworkTree;
    model: ScoringModel;
    perspective: string;
    perspectiveName: string;
    from: { asOf: string; knownAt: string; scorecard: Scorecard; label: string };
    to: { asOf: string; knownAt: string; scorecard: Scorecard };
    q: PageQuery;
    locale?: string;
  },
): Promise<KeyFindings & { explanation: ExplanationJson }> {
  const raw = input.model.explain({
    from: { asOf: input.from.asOf, knownAt: input.from.knownAt },
    to: { asOf: input.to.asOf, knownAt: input.to.knownAt },
    perspective: input.perspective,
  });
  const explanation = await summarizeForReader(db, raw, viewer, input.model);
  return { ...keyFindingsFrom(input.tree, input.from.scorecard, input.to.scorecard, explanation, input.from.label, input.q, input.perspectiveName, input.locale ?? 'en'), explanation };
}

/** The view the dashboard shows: its framework, read model, dates and perspective. */
type KeyFindingsView = { tree: FrameworkTree; model: ScoringModel; resolved: { asOf: string; knownAt: string; perspective: string } };
/** What the dashboard model compares: its scorecard, the listed changes and the view compared with. */
type ComparedDashboard = {
  scorecard: Scorecard;
  changes: { code: string }[];
  comparedWith: { asOf: string; knownAt: string; scorecard: Scorecard; label: string };
};

/**
 * What the dashboard adds from the explanation: key findings, the causes of each listed change and the stale
 * benchmarks, for the dashboard model's comparison (the last report, else 30 days earlier).
 */
export async function dashboardKeyFindings(
  db: Kysely<Database>,
  viewer: Viewer,
  ctx: KeyFindingsView,
  model: ComparedDashboard,
  q: PageQuery,
  locale = 'en',
) {
  // the same words for the same reader, view and comparison until the evidence changes (the model's version)
  const key = JSON.stringify([
    viewer.id, viewer.role, viewer.delegation, ctx.resolved.perspective, ctx.resolved.asOf, knowledgeKey(ctx.model, ctx.resolved.knownAt),
    model.comparedWith.asOf, knowledgeKey(ctx.model, model.comparedWith.knownAt), model.comparedWith.label, q, locale,
  ]);
  return keyFindingsCache.getAsync(ctx.model, key, () => computeDashboardKeyFindings(db, viewer, ctx, model, q, locale));
}

/** Readers' key findings kept per model (until its next change), at most this many (the oldest go first). */
const keyFindingsCache = viewCache<Awaited<ReturnType<typeof computeDashboardKeyFindings>>>(500);

async function computeDashboardKeyFindings(
  db: Kysely<Database>,
  viewer: Viewer,
  ctx: KeyFindingsView,
  model: ComparedDashboard,
  q: PageQuery,
  locale: string,
) {
  const name = ctx.resolved.perspective === JOINT ? jointNameOf(ctx.tree) : (ctx.tree.perspectives.find((p) => p.code === ctx.resolved.perspective)?.name ?? ctx.resolved.perspective);
  const since = /^\d{4}-\d{2}-\d{2}$/.test(model.comparedWith.label) ? longDate(locale, model.comparedWith.label) : model.comparedWith.label;
  const kf = await explainedKeyFindings(db, viewer, {
    tree: ctx.tree,
    model: ctx.model,
    perspective: ctx.resolved.perspective,
    perspectiveName: name,
    from: { ...model.comparedWith, label: since },
    to: { asOf: ctx.resolved.asOf, knownAt: ctx.resolved.knownAt, scorecard: model.scorecard },
    q,
    locale,
  });
  return {
    keyFindings: kf.sentences,
    staleBenchmarks: kf.stale,
    wentStale: kf.wentStale,
    changes: model.changes.map((c) => ({ ...c, movement: kf.movements[c.code] ?? null })),
    pillarFindings: kf.pillars,
    movements: kf.movements,
    namedItems: kf.named,
    since,
  };
}

/** The pillar page's part: its sentence, its benchmarks' movements (a point or more, biggest first) and its stale ones. */
export function pillarKeyFindings(
  why: Awaited<ReturnType<typeof dashboardKeyFindings>>,
  pillar: { code: string; benchmarks: { code: string; title: string }[] },
  q: PageQuery,
) {
  const codes = new Set(pillar.benchmarks.map((b) => b.code));
  const movements = pillar.benchmarks
    .map((b) => ({ code: b.code, title: b.title, href: viewLink(`/benchmarks/${encodeURIComponent(b.code)}`, q), movement: why.movements[b.code] }))
    .filter((m) => m.movement !== undefined && Math.abs(m.movement.change) >= 0.5)
    .sort((a, b) => Math.abs(b.movement!.change) - Math.abs(a.movement!.change));
  return {
    pillarFinding: why.pillarFindings[pillar.code] ?? null,
    pillarMovements: movements,
    pillarStale: why.staleBenchmarks.filter((b) => codes.has(b.code)),
    pillarSince: why.since,
  };
}
