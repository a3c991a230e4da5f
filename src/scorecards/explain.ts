// Explanations from the database (METHODOLOGY.md v1.1 section 9, INTERFACES.md "Explanation"): resolves the
// framework, the two views and the perspective, lets the pure engine split every change, and names each finding's
// item by its ref. For a reader (the API, the pages), items the reader may not see keep their points but lose
// their identity: no ref, no id, no title, no position.

import type { Kysely } from 'kysely';
import type { Database, EvidenceRow } from '../db/schema';
import { problem, validationError, type FieldProblem } from '../errors';
import { isIsoDate, nowIso, systemClock, type Clock } from '../time';
import type { ScoringModel } from '../scoring/model';
import type { ChangeKind, Explanation, KindSums } from '../scoring/types';
import { JOINT, accessLookup, loadFrameworkTree, resolveFramework, type EvidenceAccess, type FrameworkTree } from '../framework/repository';
import { scoringModelFor } from '../framework/read-model';
import { liveEvidence } from '../framework/live-evidence';
import { chunks } from '../db/chunks';
import { mayRead, readerVerdicts, type Viewer } from '../evidence/policy';
import { viewCache } from './view-cache';
import { parseKnownAt } from './service';

export interface ExplainRequest {
  framework?: string | null;
  perspective?: string | null;
  /** as-of date of view A (YYYY-MM-DD) */
  from?: string | null;
  /** as-of date of view B */
  to?: string | null;
  /** known-at of view A: a date (end of that day UTC) or an instant; absent means now */
  fromKnownAt?: string | null;
  toKnownAt?: string | null;
}

/** A finding's contribution as printed: its item named by ref (and, when the item has no ref, by id). */
export interface FindingContributionJson {
  ref?: string | null;
  finding?: number;
  kind: ChangeKind;
  points: number;
  /** the item's id: always for a reader who may see it, else only for items without a ref (the CLI) */
  evidence_id?: number;
  /** the item's title, for a reader who may see it */
  title?: string;
  /** set when the reader may not see the item: its points count, its identity is withheld */
  restricted?: true;
  /** a reader's summary (summarizeForReader) only: how many findings the entry stands for (absent: one) */
  count?: number;
  /** a reader's summary only: the visible findings not named, summed (no identity) */
  rest?: true;
}

export interface BenchmarkExplanationJson {
  code: string;
  from: number;
  to: number;
  change: number;
  by_kind: KindSums;
  contributions: FindingContributionJson[];
}

export type ExplanationJson = Omit<Explanation, 'benchmarks'> & { benchmarks: BenchmarkExplanationJson[] };

export interface ExplanationContext {
  tree: FrameworkTree;
  model: ScoringModel;
  explanation: ExplanationJson;
}

export interface ResolvedExplainQuery {
  from: { asOf: string; knownAt: string };
  to: { asOf: string; knownAt: string };
  perspective: string;
}

/** Both views and the perspective, or a validation error listing every bad field. "Now" is one instant for both. */
export function resolveExplainQuery(req: ExplainRequest, tree: FrameworkTree, clock: Clock = systemClock): ResolvedExplainQuery {
  const problems: FieldProblem[] = [];
  const now = nowIso(clock);
  const fixed: Clock = () => new Date(now);
  const date = (raw: string | null | undefined, path: string): string => {
    if (raw == null || raw === '') problems.push({ path, message: 'is required: a date YYYY-MM-DD' });
    else if (!isIsoDate(raw)) problems.push({ path, message: 'must be a date YYYY-MM-DD' });
    return raw ?? '';
  };
  const knownAt = (raw: string | null | undefined, path: string): string => {
    const parsed = parseKnownAt(raw, fixed);
    if (typeof parsed === 'string') return parsed;
    problems.push({ path, message: parsed.message });
    return '';
  };
  const from = { asOf: date(req.from, 'from'), knownAt: knownAt(req.fromKnownAt, 'from_known_at') };
  const to = { asOf: date(req.to, 'to'), knownAt: knownAt(req.toKnownAt, 'to_known_at') };
  const perspective = req.perspective == null || req.perspective === '' ? JOINT : req.perspective;
  if (perspective !== JOINT && !tree.perspectives.some((p) => p.code === perspective)) {
    problems.push(problem('perspective', 'must be one of {choices}', { choices: [JOINT, ...tree.perspectives.map((p) => p.code)].join(', ') }));
  }
  if (problems.length) throw validationError(problems);
  return { from, to, perspective };
}

type ItemFacts = Pick<EvidenceRow, 'id' | 'ref' | 'title' | 'tlp' | 'status' | 'created_by' | 'owner_delegation' | 'verified_by' | 'rejected_by' | 'retracted_by'>;

/**
 * What naming needs of the items behind a model's explanations, kept per model until its next change: the facts
 * (marking, status, who handled it) of a verified item can only change with an update of its row, which the
 * model's change log records, so a model of the same version has the same facts.
 */
const factsByModel = viewCache<Map<number, ItemFacts>>(1);

async function itemsById(db: Kysely<Database>, ids: number[], model?: ScoringModel): Promise<Map<number, ItemFacts>> {
  if (!model) return loadFacts(db, ids, new Map());
  const known = factsByModel.get(model, 'facts', () => new Map());
  return loadFacts(db, ids.filter((id) => !known.has(id)), known);
}

async function loadFacts(db: Kysely<Database>, ids: number[], out: Map<number, ItemFacts>): Promise<Map<number, ItemFacts>> {
  // chunks keep the statement within every driver's parameter limit
  for (const part of chunks(ids)) {
    const rows = await liveEvidence(db)
      .select(['id', 'ref', 'title', 'tlp', 'status', 'created_by', 'owner_delegation', 'verified_by', 'rejected_by', 'retracted_by'])
      .where('id', 'in', part)
      .execute();
    for (const row of rows) out.set(row.id, row);
  }
  return out;
}

/**
 * Names the items of an engine explanation. viewer null: every item by ref (the CLI, an operator's tool); a viewer:
 * items they may see by ref, id and title, the others only as restricted points.
 */
export async function nameContributions(db: Kysely<Database>, explanation: Explanation, viewer: Viewer | null, model?: ScoringModel): Promise<ExplanationJson> {
  const ids = [...new Set(explanation.benchmarks.flatMap((b) => b.contributions.map((c) => Number(c.evidence))))];
  const items = ids.length ? await itemsById(db, ids, model) : new Map<number, ItemFacts>();
  const benchmarks = explanation.benchmarks.map((b) => ({
    ...b,
    contributions: b.contributions.map((c): FindingContributionJson => {
      const item = items.get(Number(c.evidence));
      if (viewer === null) {
        const named: FindingContributionJson = { ref: item?.ref ?? null, finding: c.finding, kind: c.kind, points: c.points };
        if (named.ref === null) named.evidence_id = Number(c.evidence);
        return named;
      }
      if (item && mayRead(viewer, item)) {
        return { ref: item.ref, finding: c.finding, kind: c.kind, points: c.points, evidence_id: item.id, title: item.title };
      }
      return { kind: c.kind, points: c.points, restricted: true };
    }),
  }));
  return { ...explanation, benchmarks };
}

/** In a reader's summary, the first this many visible contributions of each kind of a benchmark are named. */
export const NAMED_PER_KIND = 3;

/**
 * What pages say of an explanation to one reader, without naming every finding (at 300,000 items an explanation
 * has about a million contributions): per benchmark and kind, the first NAMED_PER_KIND contributions of items
 * the reader may see, named and in their order, then one entry summing the reader's other visible ones (`rest`)
 * and one summing those restricted from the reader (`restricted`), each with its `count`. Points, counts and the
 * order of the named ones are those of the full naming (nameContributions). Who may see an item comes from the
 * read model's items (their access fields); only the named items are read from the database.
 */
export async function summarizeForReader(db: Kysely<Database>, explanation: Explanation, viewer: Viewer, model: ScoringModel): Promise<ExplanationJson> {
  const accesses = accessesOf(explanation, model);
  // items the model does not hold (none in practice) are read with their facts
  const unknown = [...new Set(explanation.benchmarks.flatMap((b, i) => b.contributions.filter((_, j) => accesses[i][j] === undefined).map((c) => Number(c.evidence))))];
  const facts = unknown.length ? await itemsById(db, unknown, model) : new Map<number, ItemFacts>();
  const mayReadItem = readerVerdicts(viewer);
  type Summed = { points: number; count: number };
  const shaped = explanation.benchmarks.map((b, i) => {
    const named: typeof b.contributions = [];
    const perKind = new Map<ChangeKind, { named: number; rest: Summed; hidden: Summed }>();
    b.contributions.forEach((c, j) => {
      let k = perKind.get(c.kind);
      if (!k) perKind.set(c.kind, (k = { named: 0, rest: { points: 0, count: 0 }, hidden: { points: 0, count: 0 } }));
      if (!mayReadItem(accesses[i][j] ?? facts.get(Number(c.evidence)))) {
        k.hidden.points += c.points;
        k.hidden.count += 1;
      } else if (k.named < NAMED_PER_KIND) {
        k.named += 1;
        named.push(c);
      } else {
        k.rest.points += c.points;
        k.rest.count += 1;
      }
    });
    return { b, named, perKind };
  });
  const namedIds = [...new Set(shaped.flatMap((x) => x.named.map((c) => Number(c.evidence))))];
  const items = namedIds.length ? await itemsById(db, namedIds, model) : new Map<number, ItemFacts>();
  const benchmarks = shaped.map(({ b, named, perKind }) => {
    const contributions: FindingContributionJson[] = named.map((c) => {
      const item = items.get(Number(c.evidence));
      return item
        ? { ref: item.ref, finding: c.finding, kind: c.kind, points: c.points, evidence_id: item.id, title: item.title }
        : { kind: c.kind, points: c.points, restricted: true }; // gone since the model read it
    });
    for (const [kind, k] of perKind) {
      if (k.rest.count) contributions.push({ kind, points: k.rest.points, count: k.rest.count, rest: true });
      if (k.hidden.count) contributions.push({ kind, points: k.hidden.points, count: k.hidden.count, restricted: true });
    }
    return { ...b, contributions };
  });
  return { ...explanation, benchmarks };
}

/**
 * The access fields of each contribution's item, per benchmark and contribution, worked out once per explanation
 * (the model keeps an explanation until its next change; every reader's summary of it reads these).
 */
function accessesOf(explanation: Explanation, model: ScoringModel): (EvidenceAccess | undefined)[][] {
  // keyed by the benchmarks' list, which the model's cached explanation shares with every copy it hands out
  let found = accessByExplanation.get(explanation.benchmarks);
  if (!found) {
    const lookup = accessLookup(model);
    found = explanation.benchmarks.map((b) => b.contributions.map((c) => lookup(c.evidence)));
    accessByExplanation.set(explanation.benchmarks, found);
  }
  return found;
}
const accessByExplanation = new WeakMap<Explanation['benchmarks'], (EvidenceAccess | undefined)[][]>();

/** The explanation of every change of one perspective's scores between two views (INTERFACES.md "Explanation"). */
export async function buildExplanation(
  db: Kysely<Database>,
  req: ExplainRequest,
  options: { clock?: Clock; viewer?: Viewer | null } = {},
): Promise<ExplanationContext> {
  const fw = await resolveFramework(db, req.framework);
  const tree = await loadFrameworkTree(db, fw);
  const query = resolveExplainQuery(req, tree, options.clock ?? systemClock);
  const model = await scoringModelFor(db, tree);
  const explanation = model.explain(query);
  return { tree, model, explanation: await nameContributions(db, explanation, options.viewer ?? null, model) };
}
