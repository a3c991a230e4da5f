// Loading an import file: validate it whole, plan what changes (reads only), then write. The file is a source read
// in passes (import-reader.ts: a file on disk is never held whole): the first pass checks every item and plans it
// against what is stored; a file with any error stops there, every error listed, nothing written.
//
// A small change is written in one short transaction. A large one is staged: a second pass reads the items
// again and writes the new ones in short transactions as rows of an unpublished import batch, invisible to every
// reader, and one short transaction publishes them together with the framework and any changed items
// (import-batches.ts). So no transaction holds the write lock (SQLite) or the log's append lock (PostgreSQL) for
// long, whatever the file's size; a failure or a crash part-way leaves nothing visible; importing the same file
// twice changes nothing. Rows are written by prepared multi-row statements, their log entries' content made
// canonical before the transaction (import-bulk.ts).
//
// Changed items (re-imports) are applied in the publishing transaction, not staged: a stored row can only change
// in place, and that has to be at once to stay all-or-nothing. Their number per import is bounded
// (MAX_PUBLISHED_ITEMS) so the publishing transaction stays short; a file changing more is refused, whole.

import type { Kysely, Transaction } from 'kysely';
import type { Database } from '../db/schema';
import { AppError, problem, type FieldProblem } from '../errors';
import { msg } from '../i18n/messages';
import { nowIso, systemClock, type Clock } from '../time';
import { METHODOLOGY_VERSION } from '../scoring/index';
import type { ImportEvidence, ImportFramework } from './import-types';
import { checkEvidenceIsArray, EvidenceChecker, frameworkCodeOf, validateImportHeader, type EvidenceRefs } from './validate-import';
import { appendAudit, auditHead, CLI_ACTOR, lockAuditLog, type Actor, type AuditHead } from '../audit/log';
import { findFrameworkByCode, frameworkRefsOf, loadFrameworkTree } from './repository';
import { isUniqueViolation } from '../db/dialect';
import { codeIds, evidenceShape, ID_CHUNK, loadImportedByRef, StaleImportUpdate, updateImportedItems, usesOnlyStoredCodes, type CodeIds, type PlannedUpdate } from './import-writes';
import { appendLogLines, canonicalItem, insertNewItems, newItem, type LogLine, type NewItem } from './import-bulk';
import { abortBatch, claimBatchWaiting, IMPORT_OWNER, publishBatch, recoverImports, releaseEmptyBatch, stageStream } from './import-batches';
import { fileSource, memorySource, type ImportSource, type ItemSpill, type RawItem } from './import-reader';

export { ImportFileError } from './import-reader';

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
  /** after each batch of items the first pass (validation) has read */
  onChecked?: (items: number) => void;
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

/** The top level of a valid file: its framework, the framework its items belong to, what they may refer to. */
interface FileFacts {
  framework: ImportFramework | null;
  frameworkCode: string | null;
  refs: EvidenceRefs | null;
  /** the file has an evidence array (its items come from the source) */
  hasItems: boolean;
}

/** An item of the file and its position there (log entries follow the file's order). */
interface Indexed {
  index: number;
  item: ImportEvidence;
  /** canonicalItem(item), when known */
  canonical?: string;
}
type IndexedUpdate = PlannedUpdate & { index: number };

/** What importing the file would change, decided on the stored state (reads only). */
interface ImportPlan {
  framework: { code: string; change: ChangeKind } | null;
  /** new items whose benchmarks and groups are all stored: can be staged before the framework changes */
  stageable: number;
  /** new items that need the file's framework written first: written at publication */
  direct: number;
  updates: number;
  unchanged: number;
  problems: FieldProblem[];
  /** the items to write, kept while few enough for one transaction (null: more, read again to write) */
  retained: { creations: Indexed[]; updates: IndexedUpdate[] } | null;
}

const nothingToWrite = (plan: ImportPlan) =>
  plan.stageable + plan.direct + plan.updates === 0 && (plan.framework === null || plan.framework.change === 'unchanged');

function summaryOf(plan: ImportPlan, dryRun: boolean): ImportSummary {
  return {
    dryRun,
    framework: plan.framework,
    evidence: { created: plan.stageable + plan.direct, updated: plan.updates, unchanged: plan.unchanged },
  };
}

/** Imports a parsed import file (seeds, tests, the web). */
export async function importFile(db: Kysely<Database>, raw: unknown, options: ImportOptions = {}): Promise<ImportResult> {
  return importSource(db, memorySource(raw), options);
}

/**
 * Imports the import file at `path`, streamed: memory stays bounded whatever its size. Throws ImportFileError
 * when it is not readable JSON (nothing written).
 */
export async function importFromFile(db: Kysely<Database>, path: string, options: ImportOptions = {}): Promise<ImportResult> {
  return importSource(db, fileSource(path), options);
}

export async function importSource(db: Kysely<Database>, source: ImportSource, options: ImportOptions = {}): Promise<ImportResult> {
  const clock = options.clock ?? systemClock;
  const actor = options.actor ?? CLI_ACTOR;
  const dryRun = options.dryRun ?? false;
  // an import that died before publishing leaves rows that hold refs: clean them up first
  if (!dryRun) await recoverImports(db, { clock, actor });
  const checked = await checkHeader(db, source);
  if ('errors' in checked) return { ok: false, errors: checked.errors };
  const file = checked.file;
  const context: WriteContext = { clock, actor, onProgress: options.onProgress, stageBatchItems: options.stageBatchItems, stageable: 0 };
  const retain = options.singleTransactionItems ?? SINGLE_TRANSACTION_ITEMS;

  for (let attempt = 1; ; attempt += 1) {
    // the checked items, kept for the writing pass (when not few enough to keep in the plan)
    const spill = dryRun ? null : source.spill();
    try {
      // every change is logged: an unchanged head later means the plan was made on what is still stored
      const headBefore = await auditHead(db);
      const first = await checkAndPlan(db, source, file, { clock, actor, retain, spill, headerErrors: checked.headerErrors, onChecked: options.onChecked });
      if ('errors' in first) return { ok: false, errors: first.errors };
      const plan = first.plan;
      if (plan.problems.length) return { ok: false, errors: plan.problems };
      if (dryRun || nothingToWrite(plan)) return { ok: true, summary: summaryOf(plan, dryRun) };
      if (plan.direct + plan.updates > MAX_PUBLISHED_ITEMS && !plan.retained) return { ok: false, errors: [tooManyPublished(plan.updates, plan.direct)] };
      context.stageable = plan.stageable;
      // when every item was new and stageable, the writing pass need not look them up again if nothing changed since
      const allNew = plan.direct + plan.updates + plan.unchanged === 0 ? headBefore : undefined;
      try {
        if (plan.retained) await writeInOneTransaction(db, file, plan.retained, context);
        else return await importStaged(db, spill!, file, context, allNew);
        return { ok: true, summary: summaryOf(plan, false) };
      } catch (err) {
        if (err instanceof ImportConflict) return { ok: false, errors: err.problems };
        if (err instanceof ImportInProgress) return await importStaged(db, spill!, file, context, allNew);
        // the stored items changed after planning: plan again on what is stored now
        if ((err instanceof StaleImportUpdate || isUniqueViolation(err)) && attempt < WRITE_ATTEMPTS) continue;
        if (err instanceof StaleImportUpdate || isUniqueViolation(err)) throw changedMeanwhile();
        throw err;
      }
    } finally {
      await spill?.dispose();
    }
  }
}

const changedMeanwhile = () => new AppError('CONFLICT', 'Stored items changed while the file was being imported; nothing was written; import it again');

const tooManyPublished = (updates: number, added: number) =>
  problem('evidence', "changes {updates} stored item(s) and adds {added} that need the file's framework change first; at most {max} per import (they are applied at once): split the file", { updates, added, max: MAX_PUBLISHED_ITEMS });

/** Throws AppError(VALIDATION) listing every problem; for callers that want an exception. */
export async function importFileOrThrow(db: Kysely<Database>, raw: unknown, options: ImportOptions = {}): Promise<ImportSummary> {
  const result = await importFile(db, raw, options);
  if (!result.ok) throw new AppError('VALIDATION', msg('the file has {count} error(s)', { count: String(result.errors.length) }), result.errors);
  return result.summary;
}

/** Validators must never throw; if one does on an exotic input (a proxy, a throwing getter), the file is unreadable. */
function guarded<T>(errors: FieldProblem[], fn: () => T): T | undefined {
  try {
    return fn();
  } catch {
    errors.push({ path: '', message: 'could not be read as an import file' });
    return undefined;
  }
}

/** The file's top level, validated against the stored framework it names (when it has none of its own). */
async function checkHeader(db: Kysely<Database>, source: ImportSource): Promise<{ file: FileFacts; headerErrors: FieldProblem[] } | { errors: FieldProblem[] }> {
  const header = await source.header();
  const code = guarded([], () => frameworkCodeOf(header.root)) ?? null;
  const stored = code ? await findFrameworkByCode(db, code) : undefined;
  const existing = stored ? frameworkRefsOf(await loadFrameworkTree(db, stored)) : null;
  const errors: FieldProblem[] = [];
  const head = guarded(errors, () => validateImportHeader(errors, header.root, existing));
  if (head === undefined) return { errors };
  if (head.hasEvidence && header.evidence.kind === 'value') checkEvidenceIsArray(errors, header.evidence.value);
  return {
    file: { framework: head.framework ?? null, frameworkCode: head.frameworkCode, refs: head.refs, hasItems: head.hasEvidence && header.evidence.kind === 'array' },
    headerErrors: errors,
  };
}

/** Reads the items, validating each (errors recorded); yields the valid ones normalised, in batches. */
async function* checkedItems(source: ImportSource, file: FileFacts, errors: FieldProblem[]): AsyncGenerator<{ batch: Indexed[]; read: number }> {
  if (!file.hasItems) return;
  const checker = new EvidenceChecker(file.refs);
  for await (const raws of source.items()) {
    const batch: Indexed[] = [];
    for (const { index, value } of raws as RawItem[]) {
      const before = errors.length;
      let item: ImportEvidence | undefined;
      try {
        item = checker.check(errors, value, index);
      } catch {
        // validators never throw; an exotic input (a proxy, a throwing getter) makes the file unreadable
        errors.push({ path: '', message: 'could not be read as an import file' });
      }
      if (item !== undefined && errors.length === before) batch.push({ index, item });
    }
    yield { batch, read: raws.length };
  }
}

/** The items a first pass kept, in file order (line k is evidence[k]: the writing pass only runs when all were valid). */
async function* spilledItems(spill: ItemSpill): AsyncGenerator<Indexed[]> {
  let index = 0;
  for await (const lines of spill.lines()) {
    const batch: Indexed[] = new Array(lines.length);
    for (let i = 0; i < lines.length; i += 1) batch[i] = { index: index++, item: JSON.parse(lines[i]) as ImportEvidence, canonical: lines[i] };
    yield batch;
  }
}

/** How the items of a file divide against the stored items of its framework. */
interface Division {
  stageable: Indexed[];
  direct: Indexed[];
  updates: IndexedUpdate[];
  unchanged: number;
  problems: FieldProblem[];
}

/** Sorts items into new (stageable or not), changed and unchanged, against what is stored and visible. */
async function divide(db: Kysely<Database>, frameworkId: number | null, ids: CodeIds | null, items: Indexed[]): Promise<Division> {
  const out: Division = { stageable: [], direct: [], updates: [], unchanged: 0, problems: [] };
  if (frameworkId === null || ids === null) {
    out.direct = items;
    return out;
  }
  const stored = await loadImportedByRef(db, frameworkId, items.map((i) => i.item.ref));
  for (const entry of items) {
    const { item, index } = entry;
    const existing = stored.get(item.ref);
    if (!existing) {
      (usesOnlyStoredCodes(item, ids) ? out.stageable : out.direct).push(entry);
    } else if (existing.shape === evidenceShape(item)) {
      out.unchanged += 1;
    } else if (existing.origin !== 'import') {
      out.problems.push(problem(`evidence[${index}].ref`, '"{ref}" names an item logged in pactwatch; import cannot overwrite it', { ref: item.ref }));
    } else {
      out.updates.push({ id: existing.id, updatedAt: existing.updatedAt, item, index });
    }
  }
  return out;
}

/** The stored framework the items belong to (if stored) and its codes' ids. */
async function storedTarget(db: Kysely<Database>, frameworkCode: string | null): Promise<{ id: number; code: string; ids: CodeIds } | null> {
  const fw = frameworkCode ? await findFrameworkByCode(db, frameworkCode) : undefined;
  return fw ? { id: fw.id, code: fw.code, ids: await codeIds(db, fw.id) } : null;
}

/**
 * The first pass: every item validated, every error listed; while there is none, the items are planned against
 * what is stored, a chunk of refs at a time. Reads only.
 */
async function checkAndPlan(
  db: Kysely<Database>,
  source: ImportSource,
  file: FileFacts,
  args: { clock: Clock; actor: Actor; retain: number; spill: ItemSpill | null; headerErrors: FieldProblem[]; onChecked?: (items: number) => void },
): Promise<{ plan: ImportPlan } | { errors: FieldProblem[] }> {
  const errors = [...args.headerErrors];
  const plan: ImportPlan = { framework: null, stageable: 0, direct: 0, updates: 0, unchanged: 0, problems: [], retained: { creations: [], updates: [] } };
  // an invalid file is not planned: planning stops at the first error, validation goes on
  let planning = errors.length === 0;
  if (planning && file.framework) {
    const fw = await planFramework(db, file.framework, args.clock, args.actor);
    if ('problems' in fw) plan.problems.push(...fw.problems);
    else plan.framework = { code: file.framework.code, change: fw.change };
  }
  let target: Awaited<ReturnType<typeof storedTarget>> = null;
  let planItems = planning && file.hasItems;
  if (planItems) {
    target = await storedTarget(db, file.frameworkCode);
    if (!target && !file.framework) {
      plan.problems.push(problem('framework_code', 'unknown framework "{frameworkCode}"', { frameworkCode: String(file.frameworkCode) }));
      planItems = false;
    }
  }
  let pending: Indexed[] = [];
  const flush = async () => {
    const part = pending;
    pending = [];
    if (!planning || !planItems || part.length === 0) return;
    const d = await divide(db, target?.id ?? null, target?.ids ?? null, part);
    plan.stageable += d.stageable.length;
    plan.direct += d.direct.length;
    plan.updates += d.updates.length;
    plan.unchanged += d.unchanged;
    plan.problems.push(...d.problems);
    if (plan.retained) {
      plan.retained.creations.push(...d.stageable, ...d.direct);
      plan.retained.updates.push(...d.updates);
      if (plan.retained.creations.length + plan.retained.updates.length > args.retain) plan.retained = null;
    }
  };
  let read = 0;
  for await (const { batch, read: n } of checkedItems(source, file, errors)) {
    if (errors.length > 0) planning = false;
    if (planning) {
      pending.push(...batch);
      // every item, in order: the writing pass plans them all again under its claim
      if (args.spill) for (const { item } of batch) args.spill.add(canonicalItem(item));
    }
    if (pending.length >= ID_CHUNK) await flush();
    read += n;
    args.onChecked?.(read);
  }
  if (errors.length > 0) return { errors };
  await flush();
  if (plan.retained) plan.retained.creations.sort((a, b) => a.index - b.index);
  return { plan };
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

/** The file's framework (if it changes) and the given items, with their log entries in file order, in the caller's transaction. */
async function writeFrameworkAndItems(
  trx: Transaction<Database>,
  file: FileFacts,
  args: { creations: NewItem[]; updates: IndexedUpdate[]; now: string; actor: Actor; batchId: number | null },
): Promise<void> {
  if (file.framework) await upsertFramework(trx, file.framework, args.now, args.actor);
  if (args.creations.length + args.updates.length === 0) return;
  const fw = await findFrameworkByCode(trx, file.frameworkCode!);
  if (!fw) throw new ImportConflict([problem('framework_code', 'unknown framework "{frameworkCode}"', { frameworkCode: String(file.frameworkCode) })]);
  const ids: CodeIds = await codeIds(trx, fw.id);
  const created = await insertNewItems(trx, { frameworkId: fw.id, ids, items: args.creations, now: args.now, batchId: args.batchId });
  const updated = await updateImportedItems(trx, { ids, updates: args.updates, now: args.now });
  // one entry per item, in the order of the file, as before imports were batched
  const entries: [number, LogLine][] = [
    ...created.lines.map((line, i): [number, LogLine] => [args.creations[i].index, line]),
    ...updated.map((line, i): [number, LogLine] => [args.updates[i].index, line]),
  ];
  await appendLogLines(trx, entries.sort((a, b) => a[0] - b[0]).map(([, line]) => line), args.now, args.actor);
}

interface WriteContext {
  clock: Clock;
  actor: Actor;
  onProgress?: ImportOptions['onProgress'];
  stageBatchItems?: number;
  /** new items the plan expects to stage (for progress) */
  stageable: number;
}

/** A small import: everything in one short transaction, as long as no other import is staging. */
async function writeInOneTransaction(db: Kysely<Database>, file: FileFacts, retained: NonNullable<ImportPlan['retained']>, ctx: WriteContext): Promise<void> {
  let lockMs = 0;
  // the log entries' canonical JSON before the transaction, not while holding the lock
  const creations = retained.creations.map((c) => newItem(c.item, c.index, file.frameworkCode!, null));
  await db.transaction().execute(async (trx) => {
    const began = performance.now();
    // before choosing the time, so entries are appended in time order (reports' barrier)
    await lockAuditLog(trx);
    const now = nowIso(ctx.clock);
    const staging = await trx.selectFrom('import_batches').select('id').where('state', '=', 'staging').executeTakeFirst();
    if (staging) throw new ImportInProgress();
    await writeFrameworkAndItems(trx, file, { creations, updates: retained.updates, now, actor: ctx.actor, batchId: null });
    lockMs = performance.now() - began;
  });
  await ctx.onProgress?.({ phase: 'written', batchId: null, items: creations.length + retained.updates.length, staged: 0, stageable: 0, lockMs });
}

/**
 * A large import: claim a batch, read the items again and stage the new ones in short transactions, publish in
 * one. Planned again under the claim, part by part as the items are read: no other import can change imported
 * items until it is released. `allNew`: the log's head before the first pass, which found every item new and
 * stageable; if the head is still there under the claim, nothing was written since, and the items are not looked
 * up again.
 */
async function importStaged(db: Kysely<Database>, spill: ItemSpill, file: FileFacts, ctx: WriteContext, allNew?: AuditHead | null): Promise<ImportResult> {
  const batchId = await claimBatchWaiting(db, { frameworkCode: file.frameworkCode, actor: ctx.actor, clock: ctx.clock });
  try {
    const now = allNew !== undefined ? await auditHead(db) : undefined;
    const planned = allNew !== undefined && now?.seq === allNew?.seq && now?.hash === allNew?.hash;
    let framework: ImportPlan['framework'] = null;
    if (file.framework) {
      const fw = await planFramework(db, file.framework, ctx.clock, ctx.actor);
      if ('problems' in fw) throw new ImportConflict(fw.problems);
      framework = { code: file.framework.code, change: fw.change };
    }
    const target = await storedTarget(db, file.frameworkCode);
    if (!target && !file.framework) throw new ImportConflict([problem('framework_code', 'unknown framework "{frameworkCode}"', { frameworkCode: String(file.frameworkCode) })]);
    const atPublication = { direct: [] as Indexed[], updates: [] as IndexedUpdate[] };
    const problems: FieldProblem[] = [];
    let unchanged = 0;

    // the new stageable items, read back as checked, divided and made ready to write, a part at a time
    const reading = spilledItems(spill)[Symbol.asyncIterator]();
    let ready: NewItem[] = [];
    let exhausted = false;
    const next = async (size: number): Promise<NewItem[] | null> => {
      while (ready.length < size && !exhausted) {
        const step = await reading.next();
        if (step.done) {
          exhausted = true;
          break;
        }
        if (planned && target) {
          for (const s of step.value) ready.push(newItem(s.item, s.index, file.frameworkCode!, batchId, s.canonical));
          continue;
        }
        for (let from = 0; from < step.value.length; from += ID_CHUNK) {
          const d = await divide(db, target?.id ?? null, target?.ids ?? null, step.value.slice(from, from + ID_CHUNK));
          for (const s of d.stageable) ready.push(newItem(s.item, s.index, file.frameworkCode!, batchId, s.canonical));
          atPublication.direct.push(...d.direct);
          atPublication.updates.push(...d.updates);
          unchanged += d.unchanged;
          problems.push(...d.problems);
        }
        if (problems.length) throw new ImportConflict(problems);
        if (atPublication.direct.length + atPublication.updates.length > MAX_PUBLISHED_ITEMS) throw new TooManyPublished(atPublication.updates.length, atPublication.direct.length);
      }
      if (ready.length === 0) return null;
      const part = ready.length <= size ? ready : ready.slice(0, size);
      ready = ready.length <= size ? [] : ready.slice(size);
      return part;
    };
    const staged = await stageStream(db, {
      batchId,
      clock: ctx.clock,
      fixedSize: ctx.stageBatchItems,
      next,
      count: (part) => part.length,
      write: async (trx, part, now) => {
        const { lines } = await insertNewItems(trx, { frameworkId: target!.id, ids: target!.ids, items: part, now, batchId });
        await appendLogLines(trx, lines, now, ctx.actor);
      },
      afterPart: (p) => ctx.onProgress?.({ phase: 'staged', batchId, items: p.items, staged: p.staged, stageable: Math.max(ctx.stageable, p.staged), lockMs: p.lockMs }),
    });

    let plan: ImportPlan = {
      framework,
      stageable: staged,
      direct: atPublication.direct.length,
      updates: atPublication.updates.length,
      unchanged,
      problems: [],
      retained: null,
    };
    if (nothingToWrite(plan)) {
      // another import did the work meanwhile: give the claim back, no trace left
      await releaseEmptyBatch(db, batchId);
      return { ok: true, summary: summaryOf(plan, false) };
    }
    // written in the publishing transaction itself: their entries name no batch (as before imports were staged)
    const direct = atPublication.direct.map((d) => newItem(d.item, d.index, file.frameworkCode!, null));
    let updates = atPublication.updates;
    for (let attempt = 1; ; attempt += 1) {
      try {
        const { lockMs } = await publishBatch(db, {
          batchId,
          clock: ctx.clock,
          actor: ctx.actor,
          summary: { created: plan.stageable + plan.direct, updated: plan.updates },
          beforePublish: (trx, now) => writeFrameworkAndItems(trx, file, { creations: direct, updates, now, actor: ctx.actor, batchId }),
        });
        await ctx.onProgress?.({ phase: 'published', batchId, items: direct.length + updates.length, staged, stageable: staged, lockMs });
        break;
      } catch (err) {
        // a changed item was reviewed meanwhile: plan the changed items again (the staged new ones stay valid)
        if (!(err instanceof StaleImportUpdate) || attempt >= WRITE_ATTEMPTS) throw err;
        const again = await divide(db, target?.id ?? null, target?.ids ?? null, updates.map((u) => ({ index: u.index, item: u.item })));
        if (again.problems.length) throw new ImportConflict(again.problems);
        updates = again.updates;
        plan = { ...plan, updates: again.updates.length, unchanged: plan.unchanged + again.unchanged };
      }
    }
    return { ok: true, summary: summaryOf(plan, false) };
  } catch (err) {
    // nothing of the batch is visible; its rows go now (or, if this fails too, at the next import or start)
    const reason =
      err instanceof ImportConflict ? 'the stored data conflicts with the file' : err instanceof TooManyPublished ? 'too many changes to apply at once' : `failed: ${(err as Error).message ?? String(err)}`;
    await abortBatch(db, batchId, { reason, owner: IMPORT_OWNER, clock: ctx.clock, actor: ctx.actor }).catch(() => undefined);
    if (err instanceof ImportConflict) return { ok: false, errors: err.problems };
    if (err instanceof TooManyPublished) return { ok: false, errors: [tooManyPublished(err.updates, err.added)] };
    if (err instanceof StaleImportUpdate) throw changedMeanwhile();
    throw err;
  }
}

class TooManyPublished extends Error {
  constructor(
    readonly updates: number,
    readonly added: number,
  ) {
    super('too many changes to apply at publication');
  }
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
    groups: tree.groups.map((g) => ({ code: g.code, name: g.name, description: g.description, ...(g.translations ? { translations: g.translations } : {}) })),
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
        ...(b.recommendedActions.length ? { recommendedActions: b.recommendedActions } : {}),
        ...(b.translations ? { translations: b.translations } : {}),
      })),
      ...(p.translations ? { translations: p.translations } : {}),
    })),
    perspectives: tree.perspectives.map((p) => ({
      code: p.code,
      name: p.name,
      description: p.description,
      pillarWeights: p.pillarWeights,
      groupWeights: p.groupWeights,
      ...(p.translations ? { translations: p.translations } : {}),
    })),
    // in the order, and left out when absent, exactly as the validator gives them
    ...(tree.jointName !== null ? { jointName: tree.jointName } : {}),
    ...(tree.delegations !== null ? { delegations: tree.delegations } : {}),
    ...(tree.locations !== null ? { locations: tree.locations } : {}),
    ...(tree.caveat !== null ? { caveat: tree.caveat } : {}),
    ...(tree.translations ? { translations: tree.translations } : {}),
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
    caveat: fw.caveat ?? null,
    translations: translationsColumn(fw.translations),
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
      await trx.updateTable('framework_groups').set({ name: g.name, description: g.description, translations: translationsColumn(g.translations), position }).where('id', '=', found.id).execute();
    } else {
      await trx.insertInto('framework_groups').values({ framework_id: frameworkId, code: g.code, name: g.name, description: g.description, translations: translationsColumn(g.translations), position }).execute();
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
      await trx.updateTable('pillars').set({ name: p.name, description: p.description, translations: translationsColumn(p.translations), position }).where('id', '=', pillarId).execute();
    } else {
      pillarId = (
        await trx
          .insertInto('pillars')
          .values({ framework_id: frameworkId, code: p.code, name: p.name, description: p.description, translations: translationsColumn(p.translations), position })
          .returning('id')
          .executeTakeFirstOrThrow()
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
        recommended_actions: b.recommendedActions?.length ? JSON.stringify(b.recommendedActions) : null,
        translations: translationsColumn(b.translations),
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
        translations: translationsColumn(p.translations),
        position,
      })
      .execute();
  }
  if (problems.length) throw new ImportConflict(problems);
  const change = existing ? 'updated' : 'created';
  await appendAudit(trx, { actor, action: `framework.${change}`, entityType: 'framework', entityId: fw.code, content: fw, at: now });
  return change;
}

/** A part's translations as its column: JSON as normalised by the validator, null when none. */
const translationsColumn = (translations: object | undefined) => (translations ? JSON.stringify(translations) : null);

async function benchmarkHasFindings(trx: Transaction<Database>, benchmarkId: number): Promise<boolean> {
  return !!(await trx.selectFrom('findings').select('id').where('benchmark_id', '=', benchmarkId).executeTakeFirst());
}
