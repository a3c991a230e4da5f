// Loading an import file: validate it whole, plan what changes (reads only), then write. A small change is written
// in one short transaction. A large one is staged: its new items are written in short transactions as rows of an
// unpublished import batch, invisible to every reader, and one short transaction publishes them together with the
// framework and any changed items (import-batches.ts). So no transaction holds the write lock (SQLite) or the
// log's append lock (PostgreSQL) for long, whatever the file's size; a file with any error writes nothing; a
// failure or a crash part-way leaves nothing visible; importing the same file twice changes nothing.
//
// Changed items (re-imports) are applied in the publishing transaction, not staged: a stored row can only change
// in place, and that has to be at once to stay all-or-nothing. Their number per import is bounded
// (MAX_PUBLISHED_ITEMS) so the publishing transaction stays short; a file changing more is refused, whole.

import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema';
import { AppError, problem, type FieldProblem } from '../errors';
import { nowIso, systemClock, type Clock } from '../time';
import { METHODOLOGY_VERSION } from '../scoring/index';
import type { ImportEvidence, ImportFile, ImportFramework } from './import-types';
import { frameworkCodeOf, validateImport } from './validate-import';
import { appendAudit, appendAuditEntries, CLI_ACTOR, lockAuditLog, type Actor, type PreparedAuditInput } from '../audit/log';
import { findFrameworkByCode, frameworkRefsOf, loadFrameworkTree } from './repository';
import { isUniqueViolation } from '../db/dialect';
import {
  codeIds,
  evidenceShape,
  insertImportedItems,
  loadImportedByRef,
  prepareCreation,
  StaleImportUpdate,
  updateImportedItems,
  usesOnlyStoredCodes,
  type CodeIds,
  type PlannedUpdate,
  type PreparedCreation,
} from './import-writes';
import { abortBatch, claimBatchWaiting, IMPORT_OWNER, publishBatch, recoverImports, releaseEmptyBatch, stageInParts, timedTransaction } from './import-batches';

/** Up to this many items written, the import is one transaction (measured: well under 100 ms on SQLite, synchronous=FULL). */
export const SINGLE_TRANSACTION_ITEMS = 300;
/** Most changed stored items (plus new items that need a framework change first) one import applies at publication. */
export const MAX_PUBLISHED_ITEMS = 500;
/** Attempts when the stored items changed between planning and writing (a review, another import). */
const WRITE_ATTEMPTS = 3;

export interface ImportProgress {
  /** 'staged': a batch of new items written, unpublished; 'published': the import is visible; 'written': a one-transaction import */
  phase: 'staged' | 'published' | 'written';
  batchId: number | null;
  /** items in this transaction */
  items: number;
  /** new items staged so far, of `stageable` */
  staged: number;
  stageable: number;
  /** how long the transaction held the write lock (SQLite) or the log's append lock (PostgreSQL), from BEGIN to COMMIT */
  lockMs: number;
}

export interface ImportOptions {
  dryRun?: boolean;
  clock?: Clock;
  /** who imports, for the audit log (default: the command line) */
  actor?: Actor;
  /** after every write transaction; an exception thrown here fails the import (and aborts its batch) */
  onProgress?: (progress: ImportProgress) => void | Promise<void>;
  /** tuning (tests stage small files with it): the most items written in one transaction (default SINGLE_TRANSACTION_ITEMS) */
  singleTransactionItems?: number;
  /** tuning: a fixed number of items per staging transaction instead of sizing them by the time they take */
  stageBatchItems?: number;
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
/** Another import is staging: its new items hold refs this one may need, so wait for it (the staged path waits). */
class ImportInProgress extends Error {}

/** What importing the file would change, decided on the stored state (reads only). */
interface ImportPlan {
  framework: { code: string; change: ChangeKind } | null;
  /** new items whose benchmarks and groups are all stored: can be staged before the framework changes */
  stageable: ImportEvidence[];
  /** new items that need the file's framework written first: written at publication */
  direct: ImportEvidence[];
  updates: PlannedUpdate[];
  unchanged: number;
  problems: FieldProblem[];
}

const nothingToWrite = (plan: ImportPlan) =>
  plan.stageable.length + plan.direct.length + plan.updates.length === 0 && (plan.framework === null || plan.framework.change === 'unchanged');

function summaryOf(plan: ImportPlan, dryRun: boolean): ImportSummary {
  return {
    dryRun,
    framework: plan.framework,
    evidence: { created: plan.stageable.length + plan.direct.length, updated: plan.updates.length, unchanged: plan.unchanged },
  };
}

export async function importFile(db: Kysely<Database>, raw: unknown, options: ImportOptions = {}): Promise<ImportResult> {
  const clock = options.clock ?? systemClock;
  const actor = options.actor ?? CLI_ACTOR;
  const dryRun = options.dryRun ?? false;
  // an import that died before publishing leaves rows that hold refs: clean them up first
  if (!dryRun) await recoverImports(db, { clock, actor });
  const code = frameworkCodeOf(raw);
  const stored = code ? await findFrameworkByCode(db, code) : undefined;
  const existing = stored ? frameworkRefsOf(await loadFrameworkTree(db, stored)) : null;
  const validation = validateImport(raw, existing);
  if (!validation.ok) return { ok: false, errors: validation.errors };
  const file = validation.value;
  const context: WriteContext = { clock, actor, onProgress: options.onProgress, stageBatchItems: options.stageBatchItems };

  for (let attempt = 1; ; attempt += 1) {
    const plan = await planImport(db, file, clock, actor);
    if (plan.problems.length) return { ok: false, errors: plan.problems };
    if (dryRun || nothingToWrite(plan)) return { ok: true, summary: summaryOf(plan, dryRun) };
    const written = plan.stageable.length + plan.direct.length + plan.updates.length;
    try {
      if (written <= (options.singleTransactionItems ?? SINGLE_TRANSACTION_ITEMS)) await writeInOneTransaction(db, file, plan, context);
      else return await importStaged(db, file, context);
      return { ok: true, summary: summaryOf(plan, false) };
    } catch (err) {
      if (err instanceof ImportConflict) return { ok: false, errors: err.problems };
      if (err instanceof ImportInProgress) return importStaged(db, file, context);
      // the stored items changed after planning: plan again on what is stored now
      if ((err instanceof StaleImportUpdate || isUniqueViolation(err)) && attempt < WRITE_ATTEMPTS) continue;
      if (err instanceof StaleImportUpdate || isUniqueViolation(err)) throw changedMeanwhile();
      throw err;
    }
  }
}

const changedMeanwhile = () => new AppError('CONFLICT', 'Stored items changed while the file was being imported; nothing was written; import it again');

/** Throws AppError(VALIDATION) listing every problem; for callers that want an exception. */
export async function importFileOrThrow(db: Kysely<Database>, raw: unknown, options: ImportOptions = {}) {
  const result = await importFile(db, raw, options);
  if (!result.ok) throw new AppError('VALIDATION', `the file has ${result.errors.length} error(s)`, result.errors);
  return result.summary;
}

class PlanRollback extends Error {
  constructor(readonly change: ChangeKind) {
    super('planning only');
  }
}

/** Whether the file's framework changes anything, and whether it may (checked by writing it and rolling back: it is small). */
async function planFramework(db: Kysely<Database>, fw: ImportFramework, clock: Clock, actor: Actor): Promise<{ change: ChangeKind } | { problems: FieldProblem[] }> {
  const stored = await findFrameworkByCode(db, fw.code);
  if (stored && stableJson(await storedFrameworkShape(db, stored.id)) === stableJson(fw)) return { change: 'unchanged' };
  try {
    await db.transaction().execute(async (trx) => {
      throw new PlanRollback(await upsertFramework(trx, fw, nowIso(clock), actor));
    });
  } catch (err) {
    if (err instanceof PlanRollback) return { change: err.change };
    if (err instanceof ImportConflict) return { problems: err.problems };
    throw err;
  }
  throw new Error('unreachable: the planning transaction always rolls back');
}

/** Sorts the file's items into new (stageable or not), changed and unchanged, against what is stored and visible. */
async function planEvidence(db: Kysely<Database>, frameworkId: number | null, items: ImportEvidence[], indexOf: Map<string, number>) {
  const out = { stageable: [] as ImportEvidence[], direct: [] as ImportEvidence[], updates: [] as PlannedUpdate[], unchanged: 0, problems: [] as FieldProblem[] };
  if (frameworkId === null) {
    out.direct = items;
    return out;
  }
  const ids = await codeIds(db, frameworkId);
  const stored = await loadImportedByRef(db, frameworkId, items.map((i) => i.ref));
  for (const item of items) {
    const existing = stored.get(item.ref);
    if (!existing) {
      (usesOnlyStoredCodes(item, ids) ? out.stageable : out.direct).push(item);
    } else if (existing.shape === evidenceShape(item)) {
      out.unchanged += 1;
    } else if (existing.origin !== 'import') {
      out.problems.push(problem(`evidence[${indexOf.get(item.ref)}].ref`, '"{ref}" names an item logged in pactwatch; import cannot overwrite it', { ref: item.ref }));
    } else {
      out.updates.push({ id: existing.id, updatedAt: existing.updatedAt, item });
    }
  }
  return out;
}

async function planImport(db: Kysely<Database>, file: ImportFile, clock: Clock, actor: Actor): Promise<ImportPlan> {
  const plan: ImportPlan = { framework: null, stageable: [], direct: [], updates: [], unchanged: 0, problems: [] };
  if (file.framework) {
    const fw = await planFramework(db, file.framework, clock, actor);
    if ('problems' in fw) plan.problems.push(...fw.problems);
    else plan.framework = { code: file.framework.code, change: fw.change };
  }
  if (file.evidence.length > 0) {
    const fw = await findFrameworkByCode(db, file.frameworkCode!);
    if (!fw && !file.framework) {
      plan.problems.push(problem('framework_code', 'unknown framework "{frameworkCode}"', { frameworkCode: String(file.frameworkCode) }));
      return plan;
    }
    const indexOf = new Map(file.evidence.map((item, i) => [item.ref, i]));
    const evidence = await planEvidence(db, fw?.id ?? null, file.evidence, indexOf);
    Object.assign(plan, { stageable: evidence.stageable, direct: evidence.direct, updates: evidence.updates, unchanged: evidence.unchanged });
    plan.problems.push(...evidence.problems);
  }
  return plan;
}

/** The file's framework (if it changes) and the given items, with their log entries in file order, in the caller's transaction. */
async function writeFrameworkAndItems(
  trx: Transaction<Database>,
  file: ImportFile,
  args: { creations: ImportEvidence[]; updates: PlannedUpdate[]; now: string; actor: Actor; batchId: number | null },
): Promise<void> {
  if (file.framework) await upsertFramework(trx, file.framework, args.now, args.actor);
  if (args.creations.length + args.updates.length === 0) return;
  const fw = await findFrameworkByCode(trx, file.frameworkCode!);
  if (!fw) throw new ImportConflict([problem('framework_code', 'unknown framework "{frameworkCode}"', { frameworkCode: String(file.frameworkCode) })]);
  const ids: CodeIds = await codeIds(trx, fw.id);
  const created = await insertImportedItems(trx, {
    frameworkId: fw.id,
    ids,
    creations: args.creations.map((item) => prepareCreation(item, fw.code, null)),
    now: args.now,
    actor: args.actor,
    batchId: args.batchId,
  });
  const updated = await updateImportedItems(trx, { ids, updates: args.updates, now: args.now, actor: args.actor });
  // one entry per item, in the order of the file, as before imports were batched
  const indexOf = new Map(file.evidence.map((item, i) => [item.ref, i]));
  const entries: [number, PreparedAuditInput][] = [
    ...created.entries.map((e, i): [number, PreparedAuditInput] => [indexOf.get(args.creations[i].ref)!, e]),
    ...updated.map((e, i): [number, PreparedAuditInput] => [indexOf.get(args.updates[i].item.ref)!, e]),
  ];
  await appendAuditEntries(trx, entries.sort((a, b) => a[0] - b[0]).map(([, e]) => e));
}

interface WriteContext {
  clock: Clock;
  actor: Actor;
  onProgress?: ImportOptions['onProgress'];
  stageBatchItems?: number;
}

/** A small import: everything in one short transaction, as long as no other import is staging. */
async function writeInOneTransaction(db: Kysely<Database>, file: ImportFile, plan: ImportPlan, ctx: WriteContext): Promise<void> {
  let lockMs = 0;
  await db.transaction().execute(async (trx) => {
    const began = performance.now();
    // before choosing the time, so entries are appended in time order (reports' barrier)
    await lockAuditLog(trx);
    const now = nowIso(ctx.clock);
    const staging = await trx.selectFrom('import_batches').select('id').where('state', '=', 'staging').executeTakeFirst();
    if (staging) throw new ImportInProgress();
    await writeFrameworkAndItems(trx, file, { creations: [...plan.stageable, ...plan.direct], updates: plan.updates, now, actor: ctx.actor, batchId: null });
    lockMs = performance.now() - began;
  });
  await ctx.onProgress?.({ phase: 'written', batchId: null, items: plan.stageable.length + plan.direct.length + plan.updates.length, staged: 0, stageable: 0, lockMs });
}

/** A large import: claim a batch, stage new items in short transactions, publish in one. */
async function importStaged(db: Kysely<Database>, file: ImportFile, ctx: WriteContext): Promise<ImportResult> {
  const batchId = await claimBatchWaiting(db, { frameworkCode: file.frameworkCode, actor: ctx.actor, clock: ctx.clock });
  try {
    // planned again under the claim: no other import can change imported items until it is released
    let plan = await planImport(db, file, ctx.clock, ctx.actor);
    if (plan.problems.length || nothingToWrite(plan)) {
      await releaseEmptyBatch(db, batchId);
      return plan.problems.length ? { ok: false, errors: plan.problems } : { ok: true, summary: summaryOf(plan, false) };
    }
    const published = plan.direct.length + plan.updates.length;
    if (published > MAX_PUBLISHED_ITEMS) {
      await releaseEmptyBatch(db, batchId);
      return {
        ok: false,
        errors: [problem('evidence', "changes {updates} stored item(s) and adds {added} that need the file's framework change first; at most {max} per import (they are applied at once): split the file", { updates: plan.updates.length, added: plan.direct.length, max: MAX_PUBLISHED_ITEMS })],
      };
    }
    await stageNewItems(db, file, plan.stageable, batchId, ctx);
    for (let attempt = 1; ; attempt += 1) {
      try {
        const { lockMs } = await publishBatch(db, {
          batchId,
          clock: ctx.clock,
          actor: ctx.actor,
          summary: { created: plan.stageable.length + plan.direct.length, updated: plan.updates.length },
          beforePublish: (trx, now) => writeFrameworkAndItems(trx, file, { creations: plan.direct, updates: plan.updates, now, actor: ctx.actor, batchId }),
        });
        await ctx.onProgress?.({ phase: 'published', batchId, items: plan.direct.length + plan.updates.length, staged: plan.stageable.length, stageable: plan.stageable.length, lockMs });
        break;
      } catch (err) {
        // a changed item was reviewed meanwhile: plan the changed items again (the staged new ones stay valid)
        if (!(err instanceof StaleImportUpdate) || attempt >= WRITE_ATTEMPTS) throw err;
        const fw = await findFrameworkByCode(db, file.frameworkCode!);
        const indexOf = new Map(file.evidence.map((item, i) => [item.ref, i]));
        const again = await planEvidence(db, fw?.id ?? null, plan.updates.map((u) => u.item), indexOf);
        if (again.problems.length) throw new ImportConflict(again.problems);
        plan = { ...plan, updates: again.updates, unchanged: plan.unchanged + again.unchanged };
      }
    }
    return { ok: true, summary: summaryOf(plan, false) };
  } catch (err) {
    // nothing of the batch is visible; its rows go now (or, if this fails too, at the next import or start)
    const reason = err instanceof ImportConflict ? 'the stored data conflicts with the file' : `failed: ${(err as Error).message ?? String(err)}`;
    await abortBatch(db, batchId, { reason, owner: IMPORT_OWNER, clock: ctx.clock, actor: ctx.actor }).catch(() => undefined);
    if (err instanceof ImportConflict) return { ok: false, errors: err.problems };
    if (err instanceof StaleImportUpdate) throw changedMeanwhile();
    throw err;
  }
}

/** Writes the new items as rows of the batch, in short transactions (stageInParts). */
async function stageNewItems(db: Kysely<Database>, file: ImportFile, items: ImportEvidence[], batchId: number, ctx: WriteContext): Promise<void> {
  if (items.length === 0) return;
  const fw = await findFrameworkByCode(db, file.frameworkCode!);
  if (!fw) throw new ImportConflict([problem('framework_code', 'unknown framework "{frameworkCode}"', { frameworkCode: String(file.frameworkCode) })]);
  const ids = await codeIds(db, fw.id);
  await stageInParts(db, {
    batchId,
    items,
    clock: ctx.clock,
    fixedSize: ctx.stageBatchItems,
    // the log entries' canonical JSON is computed before the transaction, not while holding the lock
    prepare: (part) => part.map((item) => prepareCreation(item, fw.code, batchId)),
    write: async (trx, _part, now, prepared) => {
      const { entries } = await insertImportedItems(trx, { frameworkId: fw.id, ids, creations: prepared as PreparedCreation[], now, actor: ctx.actor, batchId });
      await appendAuditEntries(trx, entries);
    },
    afterPart: (p) => ctx.onProgress?.({ phase: 'staged', batchId, items: p.items, staged: p.staged, stageable: items.length, lockMs: p.lockMs }),
  });
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
    // in the order, and left out when absent, exactly as the validator gives them
    ...(tree.jointName !== null ? { jointName: tree.jointName } : {}),
    ...(tree.delegations !== null ? { delegations: tree.delegations } : {}),
    ...(tree.locations !== null ? { locations: tree.locations } : {}),
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
    joint_name: fw.jointName ?? null,
    delegations: fw.delegations ? JSON.stringify(fw.delegations) : null,
    locations: fw.locations ? JSON.stringify(fw.locations) : null,
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
    if (used) problems.push(problem('framework.groups', 'group "{code}" is tagged on stored evidence and cannot be removed', { code: old.code }));
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
          problems.push(problem(`framework.pillars[${position}].benchmarks[${bi}].kind`, 'benchmark "{code}" has findings as {kind} and cannot change kind', { code: b.code, kind: found.kind }));
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
      problems.push(problem('framework.pillars', 'benchmark "{code}" has findings on stored evidence and cannot be removed', { code: old.code }));
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
