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

const BAND_WORDS: Record<Band, string> = {
  compliant: 'compliant',
  largely_compliant: 'largely compliant',
  partially_compliant: 'partially compliant',
  non_compliant: 'non-compliant',
};
const BAND_ORDER: Band[] = ['non_compliant', 'partially_compliant', 'largely_compliant', 'compliant'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "12 March 2026" */
export function longDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return `${d} ${MONTHS[m - 1]} ${y}`;
}

/** Whole points with a sign, as pages show them: +8, −3, ±0. */
export function signedPoints(x: number): string {
  const r = Math.round(x);
  return r > 0 ? `+${r}` : r < 0 ? `−${Math.abs(r)}` : '±0';
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
const words = (n: number) => (n >= 0 && n <= 9 ? ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine'][n] : String(n));

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

const KIND_WORDS: Record<ChangeKind, string> = { new: 'new', aged: 'older, fading', removed: 'withdrawn' };

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
export function movementOf(b: BenchmarkExplanationJson, limit = 3): ExplainedMovement {
  const driver = dominantKind(b);
  const causes: Cause[] = [];
  let restrictedPoints = 0;
  let restrictedCount = 0;
  for (const c of b.contributions) {
    if (c.restricted) {
      restrictedPoints += c.points;
      restrictedCount += c.count ?? 1;
    } else if (!c.rest && causes.length < limit && Math.abs(c.points) >= CAUSE_MIN_POINTS) {
      causes.push({
        kind: c.kind,
        label: `${KIND_WORDS[c.kind]}: ${c.title ?? c.ref ?? 'item'}`,
        kindWord: KIND_WORDS[c.kind],
        title: c.title ?? c.ref ?? 'item',
        href: c.evidence_id !== undefined ? `/evidence/${c.evidence_id}` : null,
        evidenceId: c.evidence_id ?? null,
        points: c.points,
      });
    }
  }
  if (restrictedCount > 0 && Math.abs(restrictedPoints) >= CAUSE_MIN_POINTS) {
    causes.push({ kind: 'restricted', label: `${plural(restrictedCount, 'restricted item', 'restricted items')} (not named)`, href: null, evidenceId: null, points: restrictedPoints });
  }
  causes.sort((x, y) => Math.abs(y.points) - Math.abs(x.points));
  return { code: b.code, from: b.from, to: b.to, change: b.change, driver, drift: driver === 'aged', causes, restrictedCount };
}

/** "where two new items entered (“A”, “B”) and one restricted item" and similar, from the benchmark's contributions. */
function causeClause(b: BenchmarkExplanationJson, named: Set<number>): string {
  const kind = dominantKind(b);
  if (kind === null) return '';
  if (kind === 'aged') {
    return b.change > 0 ? ' as older negative evidence fades (drift toward neutral, not news)' : ' as older positive evidence fades (drift toward neutral, not news)';
  }
  const ofKind = b.contributions.filter((c) => c.kind === kind);
  const shown = ofKind.filter((c) => !c.restricted && !c.rest).slice(0, 2);
  for (const c of shown) if (c.evidence_id !== undefined) named.add(c.evidence_id);
  const titled = shown.map((c) => `“${c.title ?? c.ref ?? 'item'}”`);
  const countOf = (list: typeof ofKind) => list.reduce((n, c) => n + (c.count ?? 1), 0);
  const hidden = countOf(ofKind.filter((c) => c.restricted));
  const visibleCount = countOf(ofKind.filter((c) => !c.restricted));
  const verb = kind === 'new' ? 'newly counted' : 'withdrawn (retracted or corrected)';
  const parts: string[] = [];
  if (visibleCount > 0) parts.push(`${words(visibleCount)} ${visibleCount === 1 ? 'item' : 'items'}${titled.length ? ` (${titled.join(', ')}${visibleCount > titled.length ? ', …' : ''})` : ''}`);
  if (hidden > 0) parts.push(`${words(hidden)} restricted ${hidden === 1 ? 'item' : 'items'}`);
  return parts.length ? `: ${parts.join(' and ')} ${verb}` : '';
}

/** "improved from partially to largely compliant (52 → 63)", "rose 3 points to 46 (partially compliant)", ... */
function bandPhrase(from: Band | null, to: Band | null, a: number, b: number): string {
  const nums = `(${Math.round(a)} → ${Math.round(b)})`;
  if (from && to && from !== to) {
    const up = BAND_ORDER.indexOf(to) > BAND_ORDER.indexOf(from);
    return `${up ? 'improved' : 'deteriorated'} from ${BAND_WORDS[from]} to ${BAND_WORDS[to]} ${nums}`;
  }
  const band = to ? ` (${BAND_WORDS[to]})` : '';
  const moved = Math.round(b) - Math.round(a); // as the figures in brackets show them
  if (moved === 0) return `was essentially unchanged at ${Math.round(b)}${band}`;
  return `${moved > 0 ? 'rose' : 'fell'} ${plural(Math.abs(moved), 'point', 'points')} to ${Math.round(b)}${band} ${nums}`;
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
): KeyFindings {
  const titles = new Map(tree.pillars.flatMap((p) => p.benchmarks.map((b) => [b.code, b.title] as const)));
  const pillarNames = new Map(tree.pillars.map((p) => [p.code, p.name] as const));
  const sentences: string[] = [];
  /** items the sentences name by title */
  const named = new Set<number>();

  const o = explanation.overall;
  if (after.overall.score === null || after.overall.status !== 'assessed') {
    sentences.push(
      `${perspectiveName}: there is not yet enough verified evidence for an overall assessment (${Math.round(after.overall.coverage * 100)}% of pillar weight assessed).`,
    );
  } else if (o.change === null) {
    sentences.push(`${perspectiveName}: overall ${Math.round(after.overall.score)} of 100, ${BAND_WORDS[after.overall.band!]}; first overall assessment since ${sinceLabel}.`);
  } else {
    const top = o.contributions[0];
    const lead = top && Math.abs(top.points) >= 0.5 ? `, mostly from ${pillarNames.get(top.pillar) ?? top.pillar} (${signedPoints(top.points)})` : '';
    sentences.push(`${perspectiveName}: overall ${bandPhrase(before.overall.band, after.overall.band, o.from!, o.to!)} since ${sinceLabel}${lead}.`);
  }

  const benchmarksByCode = new Map(explanation.benchmarks.map((b) => [b.code, b] as const));
  const statusBefore = new Map(before.pillars.flatMap((p) => p.benchmarks).map((b) => [b.code, b.status] as const));
  const statusAfter = new Map(after.pillars.flatMap((p) => p.benchmarks).map((b) => [b.code, b.status] as const));
  /** Why a benchmark moved its pillar: entering or leaving the pillar's mean, else its own explanation. */
  const benchmarkCause = (code: string): string => {
    const b = benchmarksByCode.get(code);
    if (!b) return '';
    if (statusBefore.get(code) !== 'assessed' && statusAfter.get(code) === 'assessed') return `, now assessed at ${Math.round(b.to)}`;
    if (statusBefore.get(code) === 'assessed' && statusAfter.get(code) !== 'assessed') return ', no longer assessed (too little recent evidence)';
    return causeClause(b, named);
  };
  const pillarSentence = (i: number): string => {
    const p = explanation.pillars[i];
    const name = pillarNames.get(p.code) ?? p.code;
    if (p.change === null) {
      return p.to === null ? `${name} has no assessed benchmark yet.` : `${name} has no comparable score for ${sinceLabel}: its benchmarks were not assessed then.`;
    }
    const top = p.contributions[0];
    const unchanged = Math.round(p.to!) === Math.round(p.from!) && before.pillars[i].band === after.pillars[i].band;
    const lead = unchanged ? '; the largest single movement was' : ', mostly from';
    const why = top && Math.abs(top.points) >= 0.5 ? `${lead} ${top.benchmark} ${titles.get(top.benchmark) ?? ''} (${signedPoints(top.points)})${benchmarkCause(top.benchmark)}` : '';
    return `${name} ${bandPhrase(before.pillars[i].band, after.pillars[i].band, p.from!, p.to!)} since ${sinceLabel}${why}.`;
  };
  const pillars: Record<string, string> = {};
  explanation.pillars.forEach((p, i) => {
    pillars[p.code] = pillarSentence(i);
  });
  const pillarSentences = explanation.pillars
    .map((p, i) => ({ p, i }))
    .filter(({ p, i }) => p.change !== null && (Math.abs(p.change) >= 1 || before.pillars[i].band !== after.pillars[i].band))
    .sort((x, y) => Math.abs(y.p.change!) - Math.abs(x.p.change!))
    .slice(0, 3)
    .map(({ i }) => pillarSentence(i));
  sentences.push(...pillarSentences);

  for (const [i, p] of explanation.pillars.entries()) {
    const name = pillarNames.get(p.code) ?? p.code;
    if (before.pillars[i].status !== 'assessed' && after.pillars[i].status === 'assessed') sentences.push(`${name} is assessed for the first time since ${sinceLabel}.`);
    if (before.pillars[i].status === 'assessed' && after.pillars[i].status !== 'assessed') sentences.push(`${name} is no longer assessed: too little recent verified evidence.`);
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
      since: b.last_observed_on ? longDate(b.last_observed_on) : '',
    }));
  const wentStale = stale.filter((b) => !beforeStale.has(b.code)).map((b) => b.code);
  if (stale.length > 0) {
    const list = stale.slice(0, 4).map((b) => `${b.code} (last evidence ${b.since})`).join(', ');
    sentences.push(
      `${plural(stale.length, 'benchmark is', 'benchmarks are')} stale, their newest evidence older than its half-life: ${list}${stale.length > 4 ? ', …' : ''}; their scores drift toward neutral without news.`,
    );
  }

  const movements: Record<string, ExplainedMovement> = {};
  for (const b of explanation.benchmarks) if (b.change !== 0) movements[b.code] = movementOf(b);
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
  },
): Promise<KeyFindings & { explanation: ExplanationJson }> {
  const raw = input.model.explain({
    from: { asOf: input.from.asOf, knownAt: input.from.knownAt },
    to: { asOf: input.to.asOf, knownAt: input.to.knownAt },
    perspective: input.perspective,
  });
  const explanation = await summarizeForReader(db, raw, viewer, input.model);
  return { ...keyFindingsFrom(input.tree, input.from.scorecard, input.to.scorecard, explanation, input.from.label, input.q, input.perspectiveName), explanation };
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
) {
  // the same words for the same reader, view and comparison until the evidence changes (the model's version)
  const key = JSON.stringify([
    viewer.id, viewer.role, viewer.delegation, ctx.resolved.perspective, ctx.resolved.asOf, knowledgeKey(ctx.model, ctx.resolved.knownAt),
    model.comparedWith.asOf, knowledgeKey(ctx.model, model.comparedWith.knownAt), model.comparedWith.label, q,
  ]);
  return keyFindingsCache.getAsync(ctx.model, key, () => computeDashboardKeyFindings(db, viewer, ctx, model, q));
}

/** Readers' key findings kept per model (until its next change), at most this many (the oldest go first). */
const keyFindingsCache = viewCache<Awaited<ReturnType<typeof computeDashboardKeyFindings>>>(500);

async function computeDashboardKeyFindings(
  db: Kysely<Database>,
  viewer: Viewer,
  ctx: KeyFindingsView,
  model: ComparedDashboard,
  q: PageQuery,
) {
  const name = ctx.resolved.perspective === JOINT ? jointNameOf(ctx.tree) : (ctx.tree.perspectives.find((p) => p.code === ctx.resolved.perspective)?.name ?? ctx.resolved.perspective);
  const since = /^\d{4}-\d{2}-\d{2}$/.test(model.comparedWith.label) ? longDate(model.comparedWith.label) : model.comparedWith.label;
  const kf = await explainedKeyFindings(db, viewer, {
    tree: ctx.tree,
    model: ctx.model,
    perspective: ctx.resolved.perspective,
    perspectiveName: name,
    from: { ...model.comparedWith, label: since },
    to: { asOf: ctx.resolved.asOf, knownAt: ctx.resolved.knownAt, scorecard: model.scorecard },
    q,
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
