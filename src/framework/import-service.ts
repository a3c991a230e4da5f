// Loading an import file: validate it whole, then upsert the framework (by code) and evidence (by ref) in one
// transaction. A file with any error writes nothing; importing the same file twice changes nothing.

import type { Kysely, Transaction } from 'kysely';
import type { Database, EvidenceStatus } from '../db/schema';
import { AppError, type FieldProblem } from '../errors';
import { nowIso, systemClock, type Clock } from '../time';
import { METHODOLOGY_VERSION } from '../scoring/index';
import { evidenceContentColumns, type ImportEvidence, type ImportFramework } from './import-types';
import { frameworkCodeOf, validateImport } from './validate-import';
import { appendAudit, CLI_ACTOR, type Actor } from '../audit/log';
import { findFrameworkByCode, frameworkCodeById, frameworkRefsOf, loadFrameworkTree } from './repository';

export interface ImportOptions {
  dryRun?: boolean;
  clock?: Clock;
  /** who imports, for the audit log (default: the command line) */
  actor?: Actor;
}

export type ChangeKind = 'created' | 'updated' | 'unchanged';

export interface ImportSummary {
  dryRun: boolean;
  framework: { code: string; change: ChangeKind } | null;
  evidence: { created: number; updated: number; unchanged: number };
}

export type ImportResult = { ok: true; summary: ImportSummary } | { ok: false; errors: FieldProblem[] };

class ImportConflict extends Error {
  constructor(readonly problems: FieldProblem[]) {
    super('import conflicts with stored data');
  }
}
class DryRunRollback extends Error {}

export async function importFile(
  db: Kysely<Database>,
  raw: unknown,
  options: ImportOptions = {},
): Promise<ImportResult> {
  const clock = options.clock ?? systemClock;
  const actor = options.actor ?? CLI_ACTOR;
  const dryRun = options.dryRun ?? false;
  const code = frameworkCodeOf(raw);
  const stored = code ? await findFrameworkByCode(db, code) : undefined;
  const existing = stored ? frameworkRefsOf(await loadFrameworkTree(db, stored)) : null;
  const validation = validateImport(raw, existing);
  if (!validation.ok) return { ok: false, errors: validation.errors };
  const file = validation.value;

  let summary: ImportSummary | null = null;
  try {
    await db.transaction().execute(async (trx) => {
      const now = nowIso(clock);
      const frameworkChange = file.framework ? await upsertFramework(trx, file.framework, now, actor) : null;
      const evidence = { created: 0, updated: 0, unchanged: 0 };
      if (file.evidence.length > 0) {
        const fw = await findFrameworkByCode(trx, file.frameworkCode!);
        if (!fw) throw new ImportConflict([{ path: 'framework_code', message: `unknown framework "${file.frameworkCode}"` }]);
        const problems: FieldProblem[] = [];
        const refs = await codeIds(trx, fw.id);
        for (const [i, item] of file.evidence.entries()) {
          const change = await upsertEvidence(trx, fw.id, refs, item, now, `evidence[${i}]`, problems, actor);
          if (change) evidence[change] += 1;
        }
        if (problems.length) throw new ImportConflict(problems);
      }
      summary = {
        dryRun,
        framework: file.framework && frameworkChange ? { code: file.framework.code, change: frameworkChange } : null,
        evidence,
      };
      if (dryRun) throw new DryRunRollback();
    });
  } catch (err) {
    if (err instanceof ImportConflict) return { ok: false, errors: err.problems };
    if (!(err instanceof DryRunRollback)) throw err;
  }
  return { ok: true, summary: summary! };
}

/** Throws AppError(VALIDATION) listing every problem; for callers that want an exception. */
export async function importFileOrThrow(db: Kysely<Database>, raw: unknown, options: ImportOptions = {}) {
  const result = await importFile(db, raw, options);
  if (!result.ok) throw new AppError('VALIDATION', `the file has ${result.errors.length} error(s)`, result.errors);
  return result.summary;
}

const stableJson = (value: unknown) => JSON.stringify(value);

/** The framework's definition as stored, in the import-normalised shape, to compare with a file. */
export async function storedFrameworkShape(trx: Kysely<Database>, id: number): Promise<ImportFramework | null> {
  const row = await trx.selectFrom('frameworks').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) return null;
  const tree = await loadFrameworkTree(trx, row);
  return {
    code: tree.code,
    name: tree.name,
    subject: tree.subject,
    description: tree.description,
    priorStrength: tree.priorStrength,
    assessedThreshold: tree.assessedThreshold,
    groups: tree.groups.map((g) => ({ code: g.code, name: g.name, description: g.description })),
    pillars: tree.pillars.map((p) => ({
      code: p.code,
      name: p.name,
      description: p.description,
      benchmarks: p.benchmarks.map((b) => ({
        code: b.code,
        title: b.title,
        description: b.description,
        kind: b.kind,
        weight: b.weight,
        halfLifeDays: b.halfLifeDays,
        baseline: b.baseline,
        target: b.target,
        unit: b.unit,
      })),
    })),
    perspectives: tree.perspectives.map((p) => ({
      code: p.code,
      name: p.name,
      description: p.description,
      pillarWeights: p.pillarWeights,
      groupWeights: p.groupWeights,
    })),
  };
}

async function upsertFramework(trx: Transaction<Database>, fw: ImportFramework, now: string, actor: Actor): Promise<ChangeKind> {
  const existing = await findFrameworkByCode(trx, fw.code);
  const fields = {
    name: fw.name,
    subject: fw.subject,
    description: fw.description,
    prior_strength: fw.priorStrength,
    assessed_threshold: fw.assessedThreshold,
    methodology: METHODOLOGY_VERSION,
    updated_at: now,
  };
  let frameworkId: number;
  if (existing) {
    const before = await storedFrameworkShape(trx, existing.id);
    if (stableJson(before) === stableJson(fw)) return 'unchanged';
    await trx.updateTable('frameworks').set(fields).where('id', '=', existing.id).execute();
    frameworkId = existing.id;
  } else {
    const row = await trx
      .insertInto('frameworks')
      .values({ code: fw.code, created_at: now, ...fields })
      .returning('id')
      .executeTakeFirstOrThrow();
    frameworkId = row.id;
  }
  const problems: FieldProblem[] = [];

  // groups
  const groups = await trx.selectFrom('framework_groups').selectAll().where('framework_id', '=', frameworkId).execute();
  for (const [position, g] of fw.groups.entries()) {
    const found = groups.find((x) => x.code === g.code);
    if (found) {
      await trx.updateTable('framework_groups').set({ name: g.name, description: g.description, position }).where('id', '=', found.id).execute();
    } else {
      await trx.insertInto('framework_groups').values({ framework_id: frameworkId, code: g.code, name: g.name, description: g.description, position }).execute();
    }
  }
  for (const old of groups.filter((x) => !fw.groups.some((g) => g.code === x.code))) {
    const used = await trx.selectFrom('evidence_groups').select('group_id').where('group_id', '=', old.id).executeTakeFirst();
    if (used) problems.push({ path: 'framework.groups', message: `group "${old.code}" is tagged on stored evidence and cannot be removed` });
    else await trx.deleteFrom('framework_groups').where('id', '=', old.id).execute();
  }

  // pillars and benchmarks
  const pillars = await trx.selectFrom('pillars').selectAll().where('framework_id', '=', frameworkId).execute();
  const benchmarks = await trx.selectFrom('benchmarks').selectAll().where('framework_id', '=', frameworkId).execute();
  let benchmarkPosition = 0;
  for (const [position, p] of fw.pillars.entries()) {
    let pillarId = pillars.find((x) => x.code === p.code)?.id;
    if (pillarId !== undefined) {
      await trx.updateTable('pillars').set({ name: p.name, description: p.description, position }).where('id', '=', pillarId).execute();
    } else {
      pillarId = (
        await trx.insertInto('pillars').values({ framework_id: frameworkId, code: p.code, name: p.name, description: p.description, position }).returning('id').executeTakeFirstOrThrow()
      ).id;
    }
    for (const [bi, b] of p.benchmarks.entries()) {
      const values = {
        pillar_id: pillarId,
        title: b.title,
        description: b.description,
        kind: b.kind,
        weight: b.weight,
        half_life_days: b.halfLifeDays,
        baseline: b.baseline,
        target: b.target,
        unit: b.unit,
        position: benchmarkPosition++,
      };
      const found = benchmarks.find((x) => x.code === b.code);
      if (found) {
        if (found.kind !== b.kind && (await benchmarkHasFindings(trx, found.id))) {
          problems.push({ path: `framework.pillars[${position}].benchmarks[${bi}].kind`, message: `benchmark "${b.code}" has findings as ${found.kind} and cannot change kind` });
          continue;
        }
        await trx.updateTable('benchmarks').set(values).where('id', '=', found.id).execute();
      } else {
        await trx.insertInto('benchmarks').values({ framework_id: frameworkId, code: b.code, ...values }).execute();
      }
    }
  }
  const keptBenchmarks = new Set(fw.pillars.flatMap((p) => p.benchmarks.map((b) => b.code)));
  for (const old of benchmarks.filter((b) => !keptBenchmarks.has(b.code))) {
    if (await benchmarkHasFindings(trx, old.id)) {
      problems.push({ path: 'framework.pillars', message: `benchmark "${old.code}" has findings on stored evidence and cannot be removed` });
    } else {
      await trx.deleteFrom('benchmarks').where('id', '=', old.id).execute();
    }
  }
  for (const old of pillars.filter((x) => !fw.pillars.some((p) => p.code === x.code))) {
    const left = await trx.selectFrom('benchmarks').select('id').where('pillar_id', '=', old.id).executeTakeFirst();
    if (!left) await trx.deleteFrom('pillars').where('id', '=', old.id).execute();
  }

  // perspectives (JOINT is implicit and never stored)
  await trx.deleteFrom('perspectives').where('framework_id', '=', frameworkId).execute();
  for (const [position, p] of fw.perspectives.entries()) {
    await trx
      .insertInto('perspectives')
      .values({
        framework_id: frameworkId,
        code: p.code,
        name: p.name,
        description: p.description,
        pillar_weights: JSON.stringify(p.pillarWeights),
        group_weights: JSON.stringify(p.groupWeights),
        position,
      })
      .execute();
  }
  if (problems.length) throw new ImportConflict(problems);
  const change = existing ? 'updated' : 'created';
  await appendAudit(trx, { actor, action: `framework.${change}`, entityType: 'framework', entityId: fw.code, content: fw, at: now });
  return change;
}

async function benchmarkHasFindings(trx: Transaction<Database>, benchmarkId: number): Promise<boolean> {
  return !!(await trx.selectFrom('findings').select('id').where('benchmark_id', '=', benchmarkId).executeTakeFirst());
}

function importedStatus(item: ImportEvidence): EvidenceStatus {
  if (item.retractedAt) return 'retracted';
  return item.verifiedAt ? 'verified' : 'submitted';
}

/** Canonical content of an imported item, to tell whether a stored one differs. */
function evidenceShape(item: ImportEvidence) {
  return stableJson([
    item.title, item.summary, item.source, item.url, item.observedOn, item.sourceReliability, item.credibility,
    item.tlp, item.location, [...item.groups].sort(), item.findings.map((f) => [f.benchmark, f.stance, f.value]),
    item.verifiedAt, item.retractedAt,
  ]);
}

async function storedEvidenceShape(trx: Transaction<Database>, evidenceId: number): Promise<{ shape: string; origin: string }> {
  const e = await trx.selectFrom('evidence').selectAll().where('id', '=', evidenceId).executeTakeFirstOrThrow();
  const groups = await trx
    .selectFrom('evidence_groups')
    .innerJoin('framework_groups', 'framework_groups.id', 'evidence_groups.group_id')
    .select('framework_groups.code')
    .where('evidence_id', '=', evidenceId)
    .execute();
  const findings = await trx
    .selectFrom('findings')
    .innerJoin('benchmarks', 'benchmarks.id', 'findings.benchmark_id')
    .select(['benchmarks.code', 'findings.stance', 'findings.value'])
    .where('evidence_id', '=', evidenceId)
    .orderBy('findings.position')
    .execute();
  const shape = stableJson([
    e.title, e.summary, e.source, e.url, e.observed_on, e.source_reliability, Number(e.credibility), e.tlp, e.location,
    groups.map((g) => g.code).sort(),
    findings.map((f) => [f.code, f.stance === null ? null : Number(f.stance), f.value === null ? null : Number(f.value)]),
    e.verified_at, e.retracted_at,
  ]);
  return { shape, origin: e.origin };
}

interface CodeIds {
  benchmarks: Map<string, number>;
  groups: Map<string, number>;
}

async function codeIds(trx: Transaction<Database>, frameworkId: number): Promise<CodeIds> {
  const [benchmarks, groups] = await Promise.all([
    trx.selectFrom('benchmarks').select(['id', 'code']).where('framework_id', '=', frameworkId).execute(),
    trx.selectFrom('framework_groups').select(['id', 'code']).where('framework_id', '=', frameworkId).execute(),
  ]);
  return { benchmarks: new Map(benchmarks.map((b) => [b.code, b.id])), groups: new Map(groups.map((g) => [g.code, g.id])) };
}

async function upsertEvidence(
  trx: Transaction<Database>,
  frameworkId: number,
  ids: CodeIds,
  item: ImportEvidence,
  now: string,
  path: string,
  problems: FieldProblem[],
  actor: Actor,
): Promise<ChangeKind | null> {
  const existing = await trx
    .selectFrom('evidence')
    .select(['id'])
    .where('framework_id', '=', frameworkId)
    .where('ref', '=', item.ref)
    // imported items share one namespace of refs; submitters' own refs are theirs (see migration 0007)
    .where('created_by', 'is', null)
    .executeTakeFirst();
  const { ref: _ref, ...content } = evidenceContentColumns(item);
  const values = {
    ...content,
    status: importedStatus(item),
    verified_at: item.verifiedAt,
    retracted_at: item.retractedAt,
    submitted_at: item.verifiedAt ?? now,
    updated_at: now,
  };
  let evidenceId: number;
  let change: ChangeKind;
  if (existing) {
    const stored = await storedEvidenceShape(trx, existing.id);
    if (stored.shape === evidenceShape(item)) return 'unchanged';
    if (stored.origin !== 'import') {
      problems.push({ path: `${path}.ref`, message: `"${item.ref}" names an item logged in pactwatch; import cannot overwrite it` });
      return null;
    }
    await trx.updateTable('evidence').set(values).where('id', '=', existing.id).execute();
    await trx.deleteFrom('findings').where('evidence_id', '=', existing.id).execute();
    await trx.deleteFrom('evidence_groups').where('evidence_id', '=', existing.id).execute();
    evidenceId = existing.id;
    change = 'updated';
  } else {
    const row = await trx
      .insertInto('evidence')
      .values({ framework_id: frameworkId, ref: item.ref, origin: 'import', created_by: null, created_at: now, ...values })
      .returning('id')
      .executeTakeFirstOrThrow();
    evidenceId = row.id;
    change = 'created';
  }
  for (const [position, f] of item.findings.entries()) {
    await trx
      .insertInto('findings')
      .values({ evidence_id: evidenceId, benchmark_id: ids.benchmarks.get(f.benchmark)!, stance: f.stance, value: f.value, position })
      .execute();
  }
  for (const code of item.groups) {
    await trx.insertInto('evidence_groups').values({ evidence_id: evidenceId, group_id: ids.groups.get(code)! }).execute();
  }
  await appendAudit(trx, {
    actor,
    action: change === 'created' ? 'evidence.imported' : 'evidence.import_updated',
    entityType: 'evidence',
    entityId: evidenceId,
    content: {
      ref: item.ref,
      item,
      // log format 2: the columns an import sets on a new row, for `audit verify` to replay
      ...(change === 'created' ? { framework: await frameworkCodeById(trx, frameworkId), origin: 'import', created_by: null, owner_delegation: null } : {}),
    },
    at: now,
  });
  return change;
}
