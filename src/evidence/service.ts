// The evidence desk's state changes: logging (draft or submitted), four-eyes review, corrections and retractions.
// Who may do each is decided by policy.ts; every state change runs in one transaction together with its entry in
// the tamper-evident log.

import { inTransaction } from '../db/transaction';
import type { Kysely, Transaction } from 'kysely';
import type { Database, EvidenceRow, EvidenceStatus, UserRow } from '../db/schema';
import { conflict, notFound, problem, validationError, type AppError, type FieldProblem } from '../errors';
import { msg } from '../i18n/messages';
import { lockAuditLog, appendAudit, type Actor } from '../audit/log';
import { validateImport } from '../framework/validate-import';
import { frameworkCodeById, frameworkRefsOf, loadFrameworkTree, resolveFramework } from '../framework/repository';
import { evidenceContentColumns, type FrameworkRefs, type ImportEvidence } from '../framework/import-types';
import { nowIso, todayUtc, systemClock, type Clock } from '../time';
import { assertAllowed, assertMayLog, assertReadable, mayRead } from './policy';
import { isUniqueViolation, lockingRows } from '../db/dialect';
import { liveEvidence } from '../framework/live-evidence';

export type EvidenceInput = Record<string, unknown>;

/**
 * Run inside a state change's transaction, after the change, with the changed row: whatever must commit together
 * with the change or not at all (the API's stored answer to an Idempotency-Key, a web form's one-time token).
 */
export type InTransaction = (trx: Transaction<Database>, row: EvidenceRow) => Promise<void>;

export interface TransactionHook {
  inTransaction?: InTransaction;
}

const PLACEHOLDER_REF = 'desk-item';
const ACTION_KEYS = new Set(['framework', 'submit']);

export function actorOf(user: Pick<UserRow, 'id' | 'email'>): Actor {
  return { id: user.id, label: user.email };
}

/**
 * Validates one evidence object (the import format without verified_at / retracted_at) against a framework;
 * paths are relative to the object (e.g. `findings[0].stance`).
 */
export async function validateEvidenceInput(
  db: Kysely<Database>,
  frameworkId: number,
  input: EvidenceInput,
  clock: Clock,
  preloaded?: FrameworkRefs,
): Promise<{ ok: true; value: ImportEvidence } | { ok: false; errors: FieldProblem[] }> {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, errors: [{ path: '', message: 'must be an object' }] };
  const errors: FieldProblem[] = [];
  const item: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(input)) {
    if (ACTION_KEYS.has(key)) continue;
    if (key === 'verified_at' || key === 'retracted_at') {
      errors.push({ path: key, message: 'is set by review, not by the submitter' });
      continue;
    }
    item[key] = value;
  }
  const hasRef = item.ref !== undefined && item.ref !== null && item.ref !== '';
  if (!hasRef) item.ref = PLACEHOLDER_REF;
  const refs = preloaded ?? (await frameworkRefsById(db, frameworkId));
  const result = validateImport({ framework_code: refs.code, evidence: [item] }, refs);
  if (!result.ok) {
    for (const e of result.errors) errors.push({ ...e, path: e.path.replace(/^evidence\[0\]\.?/, '') });
  } else {
    const value = result.value.evidence[0];
    if (value.observedOn > todayUtc(clock)) errors.push({ path: 'observed_on', message: 'must not be in the future' });
    if (!errors.length) return { ok: true, value: { ...value, ref: hasRef ? value.ref : '' } };
  }
  return { ok: false, errors };
}

export async function frameworkRefsById(db: Kysely<Database>, frameworkId: number): Promise<FrameworkRefs> {
  const fw = await db.selectFrom('frameworks').selectAll().where('id', '=', frameworkId).executeTakeFirstOrThrow();
  return frameworkRefsOf(await loadFrameworkTree(db, fw));
}

/** The item, locked until the transaction ends (PostgreSQL), so the state a change is decided on cannot move. */
async function loadForUpdate(trx: Transaction<Database>, id: number): Promise<EvidenceRow> {
  const row = await lockingRows(trx, liveEvidence(trx).selectAll().where('id', '=', id)).executeTakeFirst();
  if (!row) throw notFound('No such evidence item');
  return row;
}

/** Changes an item's columns only if it is still in the status the change was decided on. */
async function transition(trx: Transaction<Database>, row: EvidenceRow, changes: Partial<EvidenceRow>): Promise<EvidenceRow> {
  const updated = await trx
    .updateTable('evidence')
    .set(changes)
    .where('id', '=', row.id)
    .where('status', '=', row.status)
    .returningAll()
    .executeTakeFirst();
  if (!updated) throw conflict(msg('Item {id} changed meanwhile; reload it and try again', { id: String(row.id) }));
  return updated;
}

const TLP_ORDER = ['CLEAR', 'GREEN', 'AMBER', 'RED'] as const;

/** A correction keeps the original's marking or raises it: lowering it would release what was restricted. */
function assertTlpFloor(item: ImportEvidence, original: EvidenceRow): void {
  if (TLP_ORDER.indexOf(item.tlp) < TLP_ORDER.indexOf(original.tlp)) {
    throw validationError([problem('tlp', "must be {tlp} or more restrictive: a correction keeps the original's TLP:{tlp} marking or raises it", { tlp: original.tlp })]);
  }
}

/** The submitter's own item with this ref, if any (refs are per submitter: nobody else's item is ever named). */
async function ownItemWithRef(db: Kysely<Database>, frameworkId: number, createdBy: number, ref: string, exceptId?: number) {
  let query = liveEvidence(db).select('id').where('framework_id', '=', frameworkId).where('created_by', '=', createdBy).where('ref', '=', ref);
  if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
  return query.executeTakeFirst();
}

/** 409 naming the submitter's own item that has the ref, so a client retrying a create can tell it succeeded. */
function refConflict(ref: string, refPath: string, existingId: number): AppError {
  const clash = problem(refPath, '"{ref}" is already used by your item #{id}', { ref, id: String(existingId) });
  return conflict({ key: clash.key!, params: clash.params }, [clash], { id: existingId });
}

/** Refuses a ref the submitter already used for another of their own items. */
async function assertRefFree(trx: Transaction<Database>, frameworkId: number, createdBy: number, ref: string, refPath: string, exceptId?: number) {
  const clash = await ownItemWithRef(trx, frameworkId, createdBy, ref, exceptId);
  if (clash) throw refConflict(ref, refPath, clash.id);
}

async function pendingCorrectionOf(db: Kysely<Database>, originalId: number): Promise<EvidenceRow | undefined> {
  return liveEvidence(db).selectAll().where('supersedes_id', '=', originalId).where('status', 'in', ['draft', 'submitted']).executeTakeFirst();
}

/** Names the pending correction only to those who may see it; it is the "existing" item only for its own author. */
function pendingCorrectionConflict(user: UserRow, pending: EvidenceRow): AppError {
  const visible = mayRead(user, pending);
  const why = visible ? msg('A correction of this item is already pending (item #{id})', { id: String(pending.id) }) : msg('A correction of this item is already pending (by another user)');
  return conflict(why, undefined, visible && pending.created_by === user.id ? { id: pending.id } : undefined);
}

/**
 * The 409 for a write the database's unique keys refused after a concurrent request passed the same checks: names
 * the submitter's own item with the ref, or the pending correction, when that is what clashed.
 */
async function uniqueViolationConflict(
  db: Kysely<Database>,
  user: UserRow,
  frameworkId: number,
  ref: string,
  options: { exceptId?: number; supersedes?: number } = {},
): Promise<AppError> {
  if (ref) {
    const clash = await ownItemWithRef(db, frameworkId, user.id, ref, options.exceptId);
    if (clash) return refConflict(ref, 'ref', clash.id);
  }
  if (options.supersedes !== undefined) {
    const pending = await pendingCorrectionOf(db, options.supersedes);
    if (pending) return pendingCorrectionConflict(user, pending);
  }
  return conflict('A concurrent request created the same item or correction; reload and check before trying again');
}

async function writeFindingsAndGroups(trx: Transaction<Database>, frameworkId: number, evidenceId: number, item: ImportEvidence) {
  await trx.deleteFrom('findings').where('evidence_id', '=', evidenceId).execute();
  await trx.deleteFrom('evidence_groups').where('evidence_id', '=', evidenceId).execute();
  const benchmarks = new Map(
    (await trx.selectFrom('benchmarks').select(['id', 'code']).where('framework_id', '=', frameworkId).execute()).map((b) => [b.code, b.id]),
  );
  const groups = new Map(
    (await trx.selectFrom('framework_groups').select(['id', 'code']).where('framework_id', '=', frameworkId).execute()).map((g) => [g.code, g.id]),
  );
  for (const [position, f] of item.findings.entries()) {
    await trx.insertInto('findings').values({ evidence_id: evidenceId, benchmark_id: benchmarks.get(f.benchmark)!, stance: f.stance, value: f.value, position }).execute();
  }
  for (const code of item.groups) await trx.insertInto('evidence_groups').values({ evidence_id: evidenceId, group_id: groups.get(code)! }).execute();
}

const itemFields = evidenceContentColumns;

/** What the audit log keeps of an item's content: everything the submitter said. */
function auditContent(item: ImportEvidence) {
  return { ...itemFields(item), groups: item.groups, findings: item.findings };
}

export interface CreateOptions {
  submit: boolean;
  /** the verified item this one corrects */
  supersedes?: number;
}

export async function createEvidence(
  db: Kysely<Database>,
  user: UserRow,
  frameworkCode: string | null | undefined,
  input: EvidenceInput,
  options: CreateOptions & TransactionHook,
  clock: Clock = systemClock,
): Promise<EvidenceRow> {
  assertMayLog(user);
  const fw = await resolveFramework(db, frameworkCode);
  const checked = await validateEvidenceInput(db, fw.id, input, clock);
  if (!checked.ok) throw validationError(checked.errors);
  try {
    return await inTransaction(db, async (trx) => {
      const row = await insertEvidence(trx, user, fw.id, checked.value, options, nowIso(clock));
      await options.inTransaction?.(trx, row);
      return row;
    });
  } catch (err) {
    // two requests raced past the checks above; the database's unique keys decided
    if (isUniqueViolation(err)) throw await uniqueViolationConflict(db, user, fw.id, checked.value.ref, { supersedes: options.supersedes });
    throw err;
  }
}

/** Inserts one validated item with its findings, tags and log entry, in the caller's transaction. */
export async function insertEvidence(
  trx: Transaction<Database>,
  user: UserRow,
  frameworkId: number,
  item: ImportEvidence,
  options: CreateOptions,
  now: string,
  refPath = 'ref',
): Promise<EvidenceRow> {
  if (item.ref) await assertRefFree(trx, frameworkId, user.id, item.ref, refPath);
  // a correction stays with the original's delegation and is marked at least as restrictively
  let ownerDelegation = user.delegation;
  if (options.supersedes !== undefined) {
    const original = await loadForUpdate(trx, options.supersedes);
    assertAllowed(user, original, 'correct');
    if (original.framework_id !== frameworkId) throw conflict('A correction belongs to the same framework as the original');
    const pending = await pendingCorrectionOf(trx, original.id);
    if (pending) throw pendingCorrectionConflict(user, pending);
    assertTlpFloor(item, original);
    ownerDelegation = original.owner_delegation;
  }
  const status: EvidenceStatus = options.submit ? 'submitted' : 'draft';
  const row = await trx
    .insertInto('evidence')
    .values({
      framework_id: frameworkId,
      ...itemFields(item),
      status,
      origin: 'desk',
      created_by: user.id,
      owner_delegation: ownerDelegation,
      created_at: now,
      updated_at: now,
      submitted_at: options.submit ? now : null,
      supersedes_id: options.supersedes ?? null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  await writeFindingsAndGroups(trx, frameworkId, row.id, item);
  const action = options.supersedes !== undefined ? 'evidence.correction_created' : 'evidence.created';
  await appendAudit(trx, {
    actor: actorOf(user),
    action,
    entityType: 'evidence',
    entityId: row.id,
    content: {
      status,
      supersedes: options.supersedes ?? null,
      item: auditContent(item),
      // log format 2: what `audit verify` needs to replay the row, as written (not recomputed from the actor)
      framework: await frameworkCodeById(trx, frameworkId),
      origin: row.origin,
      created_by: row.created_by,
      owner_delegation: row.owner_delegation,
    },
    at: now,
  });
  if (options.supersedes !== undefined) {
    await appendAudit(trx, { actor: actorOf(user), action: 'evidence.correction_proposed', entityType: 'evidence', entityId: options.supersedes, content: { correction: row.id }, at: now });
  }
  return row;
}

/** The author edits a draft; nothing else is ever edited. */
export async function updateDraft(
  db: Kysely<Database>,
  user: UserRow,
  id: number,
  input: EvidenceInput,
  submit: boolean,
  clock: Clock = systemClock,
  hook: TransactionHook = {},
): Promise<EvidenceRow> {
  const existing = await liveEvidence(db).selectAll().where('id', '=', id).executeTakeFirst();
  if (!existing) throw notFound('No such evidence item');
  assertReadable(user, existing);
  const checked = await validateEvidenceInput(db, existing.framework_id, input, clock);
  if (!checked.ok) throw validationError(checked.errors);
  const item = checked.value;
  return inTransaction(db, async (trx) => {
    const row = await loadForUpdate(trx, id);
    assertAllowed(user, row, 'edit');
    if (item.ref && item.ref !== row.ref) await assertRefFree(trx, row.framework_id, user.id, item.ref, 'ref', row.id);
    if (row.supersedes_id !== null) {
      const original = await loadForUpdate(trx, row.supersedes_id);
      assertTlpFloor(item, original);
    }
    const now = nowIso(clock);
    const status: EvidenceStatus = submit ? 'submitted' : 'draft';
    const updated = await transition(trx, row, { ...itemFields(item), status, updated_at: now, submitted_at: submit ? now : null });
    await writeFindingsAndGroups(trx, row.framework_id, id, item);
    await appendAudit(trx, { actor: actorOf(user), action: 'evidence.draft_updated', entityType: 'evidence', entityId: id, content: { item: auditContent(item) }, at: now });
    if (submit) await appendAudit(trx, { actor: actorOf(user), action: 'evidence.submitted', entityType: 'evidence', entityId: id, content: {}, at: now });
    await hook.inTransaction?.(trx, updated);
    return updated;
  }).catch(async (err: unknown) => {
    // a concurrent request took the ref first (or stored the answer of the hook's key)
    throw isUniqueViolation(err) ? await uniqueViolationConflict(db, user, existing.framework_id, item.ref, { exceptId: id }) : err;
  });
}

type ReviewAction = 'submit' | 'verify' | 'reject' | 'retract';

/** Runs one review action: the rules of who, from which status, and what it changes. */
export async function reviewEvidence(
  db: Kysely<Database>,
  user: UserRow,
  id: number,
  action: ReviewAction,
  reason: string | null,
  clock: Clock = systemClock,
  hook: TransactionHook = {},
): Promise<EvidenceRow> {
  const trimmed = reason?.trim() ?? '';
  if ((action === 'reject' || action === 'retract') && trimmed.length === 0) throw validationError([{ path: 'reason', message: 'is required' }]);
  if (trimmed.length > 2000) throw validationError([{ path: 'reason', message: 'must be at most 2000 characters' }]);
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(trimmed)) throw validationError([{ path: 'reason', message: 'must not contain control characters' }]);
  return inTransaction(db, async (trx) => {
    // review times decide what a report counts: take the log's lock before choosing the time, so times follow
    // commit order and a report's barrier (reports/service.ts) sees every change dated before it
    await lockAuditLog(trx);
    const row = await loadForUpdate(trx, id);
    assertAllowed(user, row, action);
    const now = nowIso(clock);
    const changes: Partial<EvidenceRow> = {
      submit: { status: 'submitted', submitted_at: now },
      verify: { status: 'verified', verified_at: now, verified_by: user.id },
      reject: { status: 'rejected', rejected_at: now, rejected_by: user.id, reject_reason: trimmed },
      retract: { status: 'retracted', retracted_at: now, retracted_by: user.id, retract_reason: trimmed },
    }[action] as Partial<EvidenceRow>;
    const updated = await transition(trx, row, { ...changes, updated_at: now });
    const pastTense = { submit: 'submitted', verify: 'verified', reject: 'rejected', retract: 'retracted' }[action];
    await appendAudit(trx, { actor: actorOf(user), action: `evidence.${pastTense}`, entityType: 'evidence', entityId: id, content: trimmed ? { reason: trimmed } : {}, at: now });

    if (action === 'verify' && row.supersedes_id !== null) {
      // a verified correction replaces the original from now on (known-at semantics keep the past reproducible)
      const original = await loadForUpdate(trx, row.supersedes_id);
      if (original.status === 'verified') {
        await transition(trx, original, { status: 'superseded', superseded_at: now, updated_at: now });
        await appendAudit(trx, { actor: actorOf(user), action: 'evidence.superseded', entityType: 'evidence', entityId: original.id, content: { by: id }, at: now });
      }
    }
    if (action === 'retract') {
      // a pending correction of a retracted item has nothing left to correct
      const pending = await liveEvidence(trx).select('id').where('supersedes_id', '=', id).where('status', 'in', ['draft', 'submitted']).execute();
      if (pending.length) throw conflict(msg('Item {ids} is a pending correction of this item: reject it first', { ids: pending.map((p) => p.id).join(', ') }));
    }
    await hook.inTransaction?.(trx, updated);
    return updated;
  }).catch((err: unknown) => {
    // a concurrent change committed first (or stored the answer of the hook's key)
    throw isUniqueViolation(err) ? conflict(msg('Item {id} changed meanwhile; reload it and try again', { id: String(id) })) : err;
  });
}
