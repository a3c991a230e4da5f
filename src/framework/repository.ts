// Reading frameworks and evidence out of the database as plain trees for the scoring engine and the pages.

import type { Kysely } from 'kysely';
import type { Database, EvidenceRow, FrameworkRow } from '../db/schema';
import type { ScoringEvidence, ScoringFramework, BenchmarkKind, SourceReliability } from '../scoring/types';
import type { FrameworkRefs, FrameworkTexts, ImportBenchmark, ImportDelegation, ImportGroup, ImportPerspective, ImportPillar, Translations } from './import-types';
import { AppError, problem, validationError } from '../errors';
import { msg } from '../i18n/messages';
import { isLiveEvidence } from './live-evidence';
import { chunks } from '../db/chunks';
import { inReadSnapshot } from '../db/snapshot';

/** A stored benchmark: what the import file said, plus its row id. */
export interface BenchmarkNode extends Omit<ImportBenchmark, 'recommendedActions'> {
  id: number;
  /** as the framework file gave them ([]: none) */
  recommendedActions: string[];
}

export interface PillarNode extends Omit<ImportPillar, 'benchmarks'> {
  id: number;
  benchmarks: BenchmarkNode[];
}

export interface GroupNode extends ImportGroup {
  id: number;
}

export type PerspectiveNode = ImportPerspective;

export interface FrameworkTree {
  id: number;
  code: string;
  name: string;
  subject: string | null;
  description: string | null;
  priorStrength: number;
  assessedThreshold: number;
  methodology: string;
  updatedAt: string;
  groups: GroupNode[];
  pillars: PillarNode[];
  /** as stored: JOINT is not among them */
  perspectives: PerspectiveNode[];
  /** as the framework file gave them (null: not given; see jointNameOf, delegationsOf, locationsOf) */
  jointName: string | null;
  delegations: ImportDelegation[] | null;
  locations: string[] | null;
  /** what the scores are not (null: the file gave no caveat) */
  caveat: string | null;
  /** the framework's texts in other languages (absent: none; see localizeTree) */
  translations?: Translations<FrameworkTexts>;
}

/** The monitoring secretariat's delegation, there for every framework that does not list its own. */
export const SECRETARIAT: ImportDelegation = { code: 'SEC', name: 'Monitoring secretariat' };

/** What the JOINT perspective is called in this framework. */
export const jointNameOf = (tree: Pick<FrameworkTree, 'jointName'>) => tree.jointName ?? 'Joint';

/** The delegations users of this framework belong to: as listed, else the perspectives and the secretariat. */
export function delegationsOf(tree: Pick<FrameworkTree, 'delegations' | 'perspectives'>): ImportDelegation[] {
  return tree.delegations ?? [...tree.perspectives.map((p) => ({ code: p.code, name: p.name })), SECRETARIAT];
}

export const locationsOf = (tree: Pick<FrameworkTree, 'locations'>) => tree.locations ?? [];

export const JOINT = 'JOINT';

export async function listFrameworks(db: Kysely<Database>): Promise<FrameworkRow[]> {
  return db.selectFrom('frameworks').selectAll().orderBy('id').execute();
}

export async function frameworkCodeById(db: Kysely<Database>, id: number): Promise<string> {
  return (await db.selectFrom('frameworks').select('code').where('id', '=', id).executeTakeFirstOrThrow()).code;
}

export async function findFrameworkByCode(db: Kysely<Database>, code: string): Promise<FrameworkRow | undefined> {
  return db.selectFrom('frameworks').selectAll().where('code', '=', code).executeTakeFirst();
}

function parseWeights(json: string): Record<string, number> {
  const parsed = JSON.parse(json) as Record<string, number>;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(parsed)) out[k] = Number(v);
  return out;
}

/** The framework a request names, or the only one when none is named. */
export async function resolveFramework(db: Kysely<Database>, code: string | null | undefined): Promise<FrameworkRow> {
  if (code) {
    const fw = await findFrameworkByCode(db, code);
    if (!fw) throw new AppError('NOT_FOUND', msg('unknown framework "{frameworkCode}"', { frameworkCode: code }));
    return fw;
  }
  const all = await listFrameworks(db);
  if (all.length === 0) throw new AppError('NOT_FOUND', 'no framework is loaded yet (run `pactwatch seed` or `pactwatch import FILE`)');
  if (all.length > 1) {
    throw validationError([problem('framework', 'required while several frameworks exist ({choices})', { choices: all.map((f) => f.code).join(', ') })]);
  }
  return all[0];
}

/** The tree of the framework a request names, or of the only one when none is named. */
export async function frameworkTreeFor(db: Kysely<Database>, code: string | null | undefined): Promise<FrameworkTree> {
  return loadFrameworkTree(db, await resolveFramework(db, code));
}

/**
 * The framework's tree. Every change to a framework's groups, pillars, benchmarks or perspectives rewrites its row
 * (the import sets updated_at, in the same transaction), so a tree is kept per database connection under its
 * framework row as read (frozen: shared by every request), and read again when the row differs.
 */
export async function loadFrameworkTree(db: Kysely<Database>, framework: FrameworkRow): Promise<FrameworkTree> {
  if (db.isTransaction) return readFrameworkTree(db, framework);
  const key = JSON.stringify(framework);
  let cache = treeCache.get(db);
  if (!cache) treeCache.set(db, (cache = new Map()));
  const hit = cache.get(key);
  if (hit) return hit;
  const tree = deepFreeze(await readFrameworkTree(db, framework));
  for (const [k, t] of cache) if (t.id === tree.id) cache.delete(k); // the framework's older trees
  if (cache.size >= TREE_CACHE) cache.delete(cache.keys().next().value!);
  cache.set(key, tree);
  return tree;
}

const TREE_CACHE = 32;
const treeCache = new WeakMap<Kysely<Database>, Map<string, FrameworkTree>>();

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

async function readFrameworkTree(db: Kysely<Database>, framework: FrameworkRow): Promise<FrameworkTree> {
  const [groups, pillars, benchmarks, perspectives] = await Promise.all([
    db.selectFrom('framework_groups').selectAll().where('framework_id', '=', framework.id).orderBy('position').execute(),
    db.selectFrom('pillars').selectAll().where('framework_id', '=', framework.id).orderBy('position').execute(),
    db.selectFrom('benchmarks').selectAll().where('framework_id', '=', framework.id).orderBy('position').execute(),
    db.selectFrom('perspectives').selectAll().where('framework_id', '=', framework.id).orderBy('position').execute(),
  ]);
  return {
    id: framework.id,
    code: framework.code,
    name: framework.name,
    subject: framework.subject,
    description: framework.description,
    priorStrength: Number(framework.prior_strength),
    assessedThreshold: Number(framework.assessed_threshold),
    methodology: framework.methodology,
    updatedAt: framework.updated_at,
    groups: groups.map((g) => ({ id: g.id, code: g.code, name: g.name, description: g.description, ...translationsOf(g.translations) })),
    pillars: pillars.map((p) => ({
      id: p.id,
      code: p.code,
      name: p.name,
      description: p.description,
      ...translationsOf(p.translations),
      benchmarks: benchmarks
        .filter((b) => b.pillar_id === p.id)
        .map((b) => ({
          id: b.id,
          code: b.code,
          title: b.title,
          description: b.description,
          kind: b.kind,
          weight: Number(b.weight),
          halfLifeDays: Number(b.half_life_days),
          baseline: b.baseline === null ? null : Number(b.baseline),
          target: b.target === null ? null : Number(b.target),
          unit: b.unit,
          recommendedActions: b.recommended_actions ? (JSON.parse(b.recommended_actions) as string[]) : [],
          ...translationsOf(b.translations),
        })),
    })),
    perspectives: perspectives.map((p) => ({
      code: p.code,
      name: p.name,
      description: p.description,
      pillarWeights: parseWeights(p.pillar_weights),
      groupWeights: parseWeights(p.group_weights),
      ...translationsOf(p.translations),
    })),
    jointName: framework.joint_name ?? null,
    delegations: framework.delegations === null || framework.delegations === undefined ? null : (JSON.parse(framework.delegations) as ImportDelegation[]),
    locations: framework.locations === null || framework.locations === undefined ? null : (JSON.parse(framework.locations) as string[]),
    caveat: framework.caveat ?? null,
    ...translationsOf(framework.translations),
  };
}

/** A stored translations column as a part's `translations` (left out when none). */
function translationsOf<T>(json: string | null | undefined): { translations?: Translations<T> } {
  return json ? { translations: JSON.parse(json) as Translations<T> } : {};
}

/** What scoring needs of a framework: a stored tree and a validated import file both have it. */
export interface ScorableFramework {
  code: string;
  priorStrength: number;
  assessedThreshold: number;
  pillars: { code: string; benchmarks: ImportBenchmark[] }[];
  perspectives: ImportPerspective[];
}

export function toScoringFramework(tree: ScorableFramework): ScoringFramework {
  return {
    code: tree.code,
    priorStrength: tree.priorStrength,
    assessedThreshold: tree.assessedThreshold,
    pillars: tree.pillars.map((p) => ({
      code: p.code,
      benchmarks: p.benchmarks.map((b) => ({
        code: b.code,
        kind: b.kind,
        weight: b.weight,
        halfLifeDays: b.halfLifeDays,
        baseline: b.baseline,
        target: b.target,
      })),
    })),
    perspectives: tree.perspectives.map((p) => ({
      code: p.code,
      pillarWeights: p.pillarWeights,
      groupWeights: p.groupWeights,
    })),
  };
}

export function frameworkRefsOf(tree: FrameworkTree): FrameworkRefs {
  const benchmarks: Record<string, BenchmarkKind> = {};
  for (const p of tree.pillars) for (const b of p.benchmarks) benchmarks[b.code] = b.kind;
  return { code: tree.code, benchmarks, groups: tree.groups.map((g) => g.code) };
}

/**
 * What decides who may read an item (the evidence policy's ReadableFields), loaded with the scoring items: every
 * change to a verified item is a scoring change, so the read model holds these up to date for the items it holds.
 */
export type EvidenceAccess = Pick<EvidenceRow, 'tlp' | 'status' | 'created_by' | 'owner_delegation' | 'verified_by' | 'rejected_by' | 'retracted_by'>;
const ACCESS_COLUMNS = ['tlp', 'status', 'created_by', 'owner_delegation', 'verified_by', 'rejected_by', 'retracted_by'] as const satisfies readonly (keyof EvidenceAccess)[];

/** The access fields of an item the read model holds (undefined: not held, or loaded without them). */
export function accessOf(item: ScoringEvidence | undefined): EvidenceAccess | undefined {
  return (item as (ScoringEvidence & { access?: EvidenceAccess }) | undefined)?.access;
}

/**
 * The access fields of many items held by a read model, each item looked up once (an item has findings in several
 * benchmarks and both views of an explanation).
 */
export function accessLookup(model: { item(id: string | number): ScoringEvidence | undefined }): (id: string | number) => EvidenceAccess | undefined {
  const seen = new Map<string | number, EvidenceAccess | undefined>();
  return (id) => {
    if (!seen.has(id)) seen.set(id, accessOf(model.item(id)));
    return seen.get(id);
  };
}

/** Every evidence item that was ever verified (the engine applies the bitemporal rules), with findings and tags. */
export async function loadScoringEvidence(db: Kysely<Database>, frameworkId: number): Promise<ScoringEvidence[]> {
  // one snapshot (SQLite: on the file's read-only connection, so requests keep the main one), read a range of items
  // at a time: between ranges other requests are answered (better-sqlite3 blocks the process while a query runs),
  // and no query returns a million rows at once
  return inReadSnapshot(db, async (snapshot) => {
    const out: ScoringEvidence[] = [];
    let after = 0;
    for (;;) {
      const part = await loadScoringItems(snapshot, frameworkId, null, after);
      out.push(...part);
      if (part.length < LOAD_RANGE) return out;
      after = Number(part[part.length - 1].id);
      if (!db.isTransaction) await new Promise((resolve) => setImmediate(resolve));
    }
  });
}

/** Items read per range by loadScoringEvidence (with their findings and tags: about 0.1 s of SQLite a range). */
const LOAD_RANGE = 20_000;

/** loadScoringEvidence for the items with these ids only (those that are not verified or not live are left out). */
export async function loadScoringEvidenceByIds(db: Kysely<Database>, frameworkId: number, ids: readonly number[]): Promise<ScoringEvidence[]> {
  const out: ScoringEvidence[] = [];
  for (const part of chunks(ids)) out.push(...(await loadScoringItems(db, frameworkId, part)));
  return out;
}

/** The items with these ids, or (ids null) the next LOAD_RANGE items by id after `after`, with findings and tags. */
async function loadScoringItems(db: Kysely<Database>, frameworkId: number, ids: readonly number[] | null, after = 0): Promise<ScoringEvidence[]> {
  const items = await db
    .selectFrom('evidence')
    .select(['id', 'observed_on', 'source_reliability', 'credibility', 'verified_at', 'retracted_at', 'superseded_at', ...ACCESS_COLUMNS])
    .where('framework_id', '=', frameworkId)
    .where('verified_at', 'is not', null)
    .where(isLiveEvidence)
    .$if(ids !== null, (q) => q.where('evidence.id', 'in', ids!))
    .$if(ids === null, (q) => q.where('evidence.id', '>', after).limit(LOAD_RANGE))
    .orderBy('id')
    .execute();
  if (items.length === 0) return [];
  // the range of ids read (a range query: the items' own ids when a list was given)
  const [first, last] = [items[0].id, items[items.length - 1].id];
  // findings and tags read bare (no join, no ORDER BY): the items above decide which count, their framework's
  // benchmarks and groups name them, and each item's findings are put in their order here
  const [benchmarkCodes, groupCodes] = await Promise.all([
    db.selectFrom('benchmarks').select(['id', 'code']).where('framework_id', '=', frameworkId).execute(),
    db.selectFrom('framework_groups').select(['id', 'code']).where('framework_id', '=', frameworkId).execute(),
  ]);
  const findings = (
    await db
      .selectFrom('findings')
      .select(['evidence_id', 'benchmark_id', 'position', 'stance', 'value'])
      .$if(ids !== null, (q) => q.where('evidence_id', 'in', ids!))
      .$if(ids === null, (q) => q.where('evidence_id', '>=', first).where('evidence_id', '<=', last))
      .execute()
  ).sort((a, b) => a.evidence_id - b.evidence_id || a.position - b.position);
  const tags = await db
    .selectFrom('evidence_groups')
    .select(['evidence_id', 'group_id'])
    .$if(ids !== null, (q) => q.where('evidence_id', 'in', ids!))
    .$if(ids === null, (q) => q.where('evidence_id', '>=', first).where('evidence_id', '<=', last))
    .execute();
  const benchmarkCode = new Map(benchmarkCodes.map((b) => [b.id, b.code]));
  const groupCode = new Map(groupCodes.map((g) => [g.id, g.code]));
  const byId = new Map<number, ScoringEvidence>();
  // the access fields of many items are the same few combinations: one object each
  const accesses = new Map<string, EvidenceAccess>();
  const sharedAccess = (e: EvidenceAccess): EvidenceAccess => {
    const fields = ACCESS_COLUMNS.map((c) => e[c]) as EvidenceAccess[keyof EvidenceAccess][];
    const key = JSON.stringify(fields);
    let found = accesses.get(key);
    if (!found) accesses.set(key, (found = Object.fromEntries(ACCESS_COLUMNS.map((c, i) => [c, fields[i]])) as unknown as EvidenceAccess));
    return found;
  };
  const out = items.map((e) => {
    const item: ScoringEvidence & { access: EvidenceAccess } = {
      id: e.id,
      observedOn: e.observed_on,
      sourceReliability: e.source_reliability as SourceReliability,
      credibility: Number(e.credibility),
      groups: [],
      verifiedAt: e.verified_at,
      retractedAt: e.retracted_at,
      supersededAt: e.superseded_at,
      findings: [],
      access: sharedAccess(e),
    };
    byId.set(e.id, item);
    return item;
  });
  // one string per code, not one per row: the read model keeps these items for as long as the process runs
  const codes = new Map<string, string>();
  const intern = (code: string) => codes.get(code) ?? (codes.set(code, code), code);
  for (const f of findings) {
    const code = benchmarkCode.get(f.benchmark_id);
    if (code === undefined) continue; // not this framework's (cannot be: an item's findings are its framework's)
    byId.get(f.evidence_id)?.findings.push({
      benchmark: intern(code),
      stance: f.stance === null ? null : Number(f.stance),
      value: f.value === null ? null : Number(f.value),
    });
  }
  for (const t of tags) {
    const code = groupCode.get(t.group_id);
    if (code !== undefined) byId.get(t.evidence_id)?.groups.push(intern(code));
  }
  return out;
}
