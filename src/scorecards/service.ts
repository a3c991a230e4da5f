// Scorecards from the database: resolves the framework, the dates and the perspective, loads the plain data
// (the evidence that can count, a report to compare with, the items behind a benchmark's findings) and hands it
// to the pure engine.

import type { Kysely } from 'kysely';
import type { Database, EvidenceRow, FrameworkRow } from '../db/schema';
import { AppError, problem, validationError, type FieldProblem } from '../errors';
import { endOfDayUtc, isIsoDate, nowIso, todayUtc, systemClock, type Clock } from '../time';
import type { ScoringIndex } from '../scoring/index';
import type { CountedFinding, Scorecard } from '../scoring/types';
import type { ScoringModel } from '../scoring/model';
import { JOINT, accessLookup, frameworkTreeFor, resolveFramework, loadFrameworkTree, type FrameworkTree } from '../framework/repository';
import { localizeTree } from '../framework/localize';
import { scoringModelFor } from '../framework/read-model';
import { latestReportBefore, reportContent } from '../reports/service';
import type { ReportContent } from '../reports/build';
import { findEvidenceByIds, readableFieldsOnBenchmark } from '../evidence/repository';
import { readerVerdicts, type ReadableFields, type Viewer } from '../evidence/policy';
import { knowledgeKey, viewCache } from './view-cache';
import { translate } from '../i18n/messages';

export interface ScorecardRequest {
  framework?: string | null;
  /** only evidence tagged with this group (the group pages' view) */
  group?: string | null;
  asOf?: string | null;
  knownAt?: string | null;
  perspective?: string | null;
}

export interface ResolvedScorecardQuery {
  asOf: string;
  knownAt: string;
  perspective: string;
}

/** Known-at: a date means the end of that day UTC; an ISO instant is taken as given; absent means now. */
export function parseKnownAt(raw: string | null | undefined, clock: Clock): string | FieldProblem {
  if (raw == null || raw === '') return nowIso(clock);
  if (isIsoDate(raw)) return endOfDayUtc(raw);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(raw) && !Number.isNaN(Date.parse(raw))) {
    return new Date(raw).toISOString();
  }
  return { path: 'known_at', message: 'must be a date YYYY-MM-DD or an ISO-8601 instant with a time zone' };
}

export function resolveQuery(req: ScorecardRequest, tree: FrameworkTree, clock: Clock = systemClock): ResolvedScorecardQuery {
  const problems: FieldProblem[] = [];
  const asOf = req.asOf == null || req.asOf === '' ? todayUtc(clock) : req.asOf;
  if (!isIsoDate(asOf)) problems.push({ path: 'as_of', message: 'must be a date YYYY-MM-DD' });
  const knownAt = parseKnownAt(req.knownAt, clock);
  if (typeof knownAt !== 'string') problems.push(knownAt);
  const perspective = req.perspective == null || req.perspective === '' ? JOINT : req.perspective;
  if (perspective !== JOINT && !tree.perspectives.some((p) => p.code === perspective)) {
    problems.push(problem('perspective', 'must be one of {choices}', { choices: [JOINT, ...tree.perspectives.map((p) => p.code)].join(', ') }));
  }
  if (problems.length) throw validationError(problems);
  return { asOf, knownAt: knownAt as string, perspective };
}

export interface ScorecardContext {
  tree: FrameworkTree;
  /** the read model the scorecard came from (the group's items only, for a group) */
  model: ScoringModel;
  query: ResolvedScorecardQuery;
  scorecard: Scorecard;
}

export async function buildScorecard(db: Kysely<Database>, req: ScorecardRequest, clock: Clock = systemClock): Promise<ScorecardContext> {
  const fw = await resolveFramework(db, req.framework);
  const tree = await loadFrameworkTree(db, fw);
  const query = resolveQuery(req, tree, clock);
  let model = await scoringModelFor(db, tree);
  if (req.group) {
    if (!tree.groups.some((g) => g.code === req.group)) throw validationError([problem('group', 'must be one of {choices}', { choices: tree.groups.map((g) => g.code).join(', ') })]);
    model = groupModel(model, req.group);
  }
  const scorecard = scorecardOf(model, model.index(query), query.asOf);
  return { tree, model, query, scorecard };
}

/** Scorecards by view, kept per read model until its next change. */
const scorecards = viewCache<Scorecard>(256);

/** `index.scorecard(asOf)` for an index of `model`, computed once per view until the evidence changes. */
export function scorecardOf(model: ScoringModel, index: ScoringIndex, asOf: string): Scorecard {
  const card = scorecards.get(model, JSON.stringify([index.perspective, knowledgeKey(model, index.knownAt), asOf]), () => index.scorecard(asOf));
  return card.known_at === index.knownAt ? card : { ...card, known_at: index.knownAt };
}

/** The view a scorecard page asks for: framework, dates and perspective as typed (all optional). */
export interface PageQuery {
  framework?: string;
  as_of?: string;
  known_at?: string;
  perspective?: string;
}

export interface PageContext {
  tree: FrameworkTree;
  resolved: ResolvedScorecardQuery;
  /** the framework's scoring read model, up to date with every commit made before the request */
  model: ScoringModel;
}

/** The read model of the items tagged with `group` only (the group pages' view), kept in step with `model`. */
export function groupModel(model: ScoringModel, group: string): ScoringModel {
  return model.subset(`group:${group}`, (e) => e.groups.includes(group));
}

/** What every scorecard page starts from: the framework, the resolved dates and perspective, the evidence. */
export async function pageContext(db: Kysely<Database>, q: PageQuery, clock: Clock = systemClock, locale = 'en'): Promise<PageContext> {
  const tree = await frameworkTreeFor(db, q.framework);
  const resolved = resolveQuery({ asOf: q.as_of, knownAt: q.known_at, perspective: q.perspective }, tree, clock);
  // scored with the stored tree; pages show the framework's texts in the reader's language (localizeTree)
  return { tree: localizeTree(tree, locale), resolved, model: await scoringModelFor(db, tree) };
}

/** A frozen report to compare with: its scorecard for the perspective, and how to name it. */
export interface ReportReference {
  label: string;
  href: string;
  scorecard: Scorecard;
  /** the view the report froze (as of its period end, known at its generation), to explain changes since */
  asOf?: string;
  knownAt?: string;
}

/** The latest report whose period ended before the as-of date (monthly preferred), for "what changed". */
export async function reportBefore(db: Kysely<Database>, frameworkId: number, asOf: string, perspective: string, locale = 'en'): Promise<ReportReference | null> {
  const row = await latestReportBefore(db, frameworkId, asOf);
  if (!row) return null;
  const content = await reportContent(db, row);
  if (!content) return null;
  const scorecard = content.scorecards[perspective];
  if (!scorecard) return null;
  const label = translate(locale, 'the {kind, select, weekly {weekly} monthly {monthly} quarterly {quarterly} other {{kind}}} report {period} (as of {asOf})', { kind: row.kind, period: row.period, asOf: content.report.as_of });
  return { label, href: `/reports/${row.id}`, scorecard, asOf: content.report.as_of, knownAt: content.report.known_at };
}

/** The scoring index of a page's view (its framework, known-at and perspective) from the read model. */
export function scoringIndexOf(ctx: PageContext): ScoringIndex {
  return ctx.model.index({ knownAt: ctx.resolved.knownAt, perspective: ctx.resolved.perspective });
}

/** Findings listed per page of a benchmark page. */
export const BENCHMARK_PAGE_SIZE = 50;

/** A benchmark's counted findings at the page's view, split by whether `viewer` may read their items. */
interface AccessSplit {
  counted: CountedFinding[];
  visible: CountedFinding[];
  restrictedCount: number;
  restrictedWeight: number;
  totalWeight: number;
}

/**
 * The split of a benchmark page's findings for one reader, kept per read model until its next change (the access
 * fields of the items it holds are part of it): by view, benchmark and reader (id, role and delegation decide).
 */
async function splitByAccess(db: Kysely<Database>, viewer: Viewer, index: ScoringIndex, ctx: PageContext, code: string): Promise<AccessSplit> {
  const view = JSON.stringify([index.perspective, knowledgeKey(ctx.model, index.knownAt), ctx.resolved.asOf, code]);
  return accessSplits.getAsync(ctx.model, JSON.stringify([view, viewer.id, viewer.role, viewer.delegation]), async () => {
    // one list per view, with its items' access fields, shared by every reader's split (never changed after it is made)
    const { counted, accesses } = countedLists.get(ctx.model, view, () => {
      const list = index.countedFindings(ctx.resolved.asOf, code).reverse();
      const lookup = accessLookup(ctx.model);
      return { counted: list, accesses: list.map((c) => lookup(c.evidenceId)) };
    });
    // the access fields come with the read model's items; a model without them (none today) asks the database
    let marks: (c: CountedFinding, i: number) => ReadableFields | undefined = (_, i) => accesses[i];
    if (accesses.some((a) => a === undefined)) {
      const read = await readableFieldsOnBenchmark(db, ctx.tree.id, code);
      marks = (c) => read.get(Number(c.evidenceId));
    }
    const mayReadItem = readerVerdicts(viewer);
    const visible: CountedFinding[] = [];
    let restrictedCount = 0;
    let restrictedWeight = 0;
    let totalWeight = 0;
    counted.forEach((c, i) => {
      totalWeight += c.weight;
      if (mayReadItem(marks(c, i))) visible.push(c);
      else {
        restrictedCount += 1;
        restrictedWeight += c.weight;
      }
    });
    return { counted, visible, restrictedCount, restrictedWeight, totalWeight };
  });
}

/**
 * Benchmark pages' counted findings per view, and readers' splits of them, bounded by the findings they hold (a
 * split keeps its view's list alive): about 100 bytes a finding, so some 60 MB at most, however many views and
 * readers ask.
 */
const CACHED_FINDINGS = 600_000;
const countedLists = viewCache<{ counted: CountedFinding[]; accesses: (ReadableFields | undefined)[] }>(16, { weigh: (entry) => entry.counted.length, maxWeight: CACHED_FINDINGS / 2 });
const accessSplits = viewCache<AccessSplit>(256, { weigh: (split) => split.counted.length, maxWeight: CACHED_FINDINGS / 2 });

/** The findings that count for a benchmark at the page's as-of date, as the viewer may see them, one page of them loaded. */
export interface BenchmarkEvidence {
  /** every counted finding, newest first (by observed date, then item, then position: the engine's order reversed) */
  counted: CountedFinding[];
  /** the counted findings in items the viewer may read, newest first */
  visible: CountedFinding[];
  restrictedCount: number;
  restrictedWeight: number;
  totalWeight: number;
  /** the page shown (clamped to 1..pages), the number of pages of visible findings, and the page's findings */
  page: number;
  pages: number;
  pageSize: number;
  onPage: CountedFinding[];
  /** the items of the page's findings, by id (only these are loaded) */
  items: Map<number, EvidenceRow>;
}

/**
 * A benchmark page's evidence from `index` (any ScoringIndex of the page's view): the counted findings and their totals,
 * which of them the viewer may read (one query over the benchmark's items), and the items of page `page` only.
 */
export async function benchmarkEvidence(
  db: Kysely<Database>,
  viewer: Viewer,
  index: ScoringIndex,
  ctx: PageContext,
  code: string,
  page = 1,
  pageSize = BENCHMARK_PAGE_SIZE,
): Promise<BenchmarkEvidence> {
  const { counted, visible, restrictedCount, restrictedWeight, totalWeight } = await splitByAccess(db, viewer, index, ctx, code);
  const pages = Math.max(1, Math.ceil(visible.length / pageSize));
  const shown = Math.min(Math.max(1, Math.floor(page)), pages);
  const onPage = visible.slice((shown - 1) * pageSize, shown * pageSize);
  const rows = await findEvidenceByIds(db, onPage.map((c) => Number(c.evidenceId)));
  return { counted, visible, restrictedCount, restrictedWeight, totalWeight, page: shown, pages, pageSize, onPage, items: new Map(rows.map((r) => [r.id, r])) };
}
