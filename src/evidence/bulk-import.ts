// Bulk import of evidence by evaluators from CSV or the JSON import format: every row is checked first and
// every error listed (a dry run stops there); only a file without errors is written, all or nothing: in one short
// transaction when it is small, else staged in short transactions and published at once (framework/import-batches.ts),
// so the request never holds the write lock for long. Items arrive as submitted, awaiting review by someone else:
// review dates can't be imported from here.

import { inTransaction } from '../db/transaction';
import type { Kysely, Transaction } from 'kysely';
import type { Database, UserRow } from '../db/schema';
import { conflict, problem, type FieldProblem } from '../errors';
import { frameworkRefsOf, loadFrameworkTree, resolveFramework } from '../framework/repository';
import { evidenceContentColumns, type ImportEvidence } from '../framework/import-types';
import { nowIso, systemClock, type Clock } from '../time';
import { actorOf, validateEvidenceInput } from './service';
import { assertMayLog } from './policy';
import { appendAuditEntries, canonicalJson, lockAuditLog, type Actor, type PreparedAuditInput } from '../audit/log';
import { isUniqueViolation } from '../db/dialect';
import { codeIds, insertFindingsAndTags, type CodeIds } from '../framework/import-writes';
import { chunks } from '../db/chunks';
import { abortBatch, claimBatchWaiting, IMPORT_OWNER, publishBatch, stageInParts } from '../framework/import-batches';
import { liveEvidence } from '../framework/live-evidence';

export const CSV_HEADER = ['ref', 'title', 'summary', 'source', 'url', 'observed_on', 'source_reliability', 'credibility', 'groups', 'tlp', 'location', 'findings'] as const;
export const MAX_BULK_ROWS = 2000;
/** Up to this many items, a bulk import is written in one transaction; more are staged. */
export const BULK_SINGLE_TRANSACTION_ITEMS = 300;
/** How long a bulk import (a request) waits for another import to finish staging before it gives up (409). */
const BULK_CLAIM_WAIT_MS = 5_000;

/** RFC 4180 CSV: quoted fields, doubled quotes, CRLF or LF. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  let i = 0;
  const src = text.replace(/^\uFEFF/, '');
  while (i < src.length) {
    const c = src[i];
    if (quoted) {
      if (c === '"' && src[i + 1] === '"') {
        field += '"';
        i += 2;
        continue;
      }
      if (c === '"') quoted = false;
      else field += c;
      i += 1;
      continue;
    }
    if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i += 1;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
    i += 1;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0].trim() === ''));
}

export interface BulkResult {
  ok: boolean;
  dryRun: boolean;
  rows: number;
  created: number;
  errors: FieldProblem[];
}

type RawItem = Record<string, unknown>;

function csvToItems(text: string, kinds: Record<string, string>, errors: FieldProblem[]): RawItem[] {
  const rows = parseCsv(text);
  if (rows.length === 0) {
    errors.push({ path: 'file', message: 'is empty' });
    return [];
  }
  // a column is named as in the import format, or as exports in other languages write it: "Заголовок (title)"
  const header = rows[0].map((h) => {
    const named = h.trim().toLowerCase();
    return /\(([a-z_]+)\)$/.exec(named)?.[1] ?? named;
  });
  const unknown = header.filter((h) => !(CSV_HEADER as readonly string[]).includes(h));
  const missing = ['title', 'observed_on', 'source_reliability', 'credibility', 'findings'].filter((h) => !header.includes(h));
  if (unknown.length) errors.push(problem('header', 'unknown column(s): {choices}', { choices: unknown.join(', ') }));
  if (missing.length) errors.push(problem('header', 'missing column(s): {choices}', { choices: missing.join(', ') }));
  if (unknown.length || missing.length) return [];
  return rows.slice(1).map((cells, index) => {
    const item: RawItem = {};
    header.forEach((h, col) => {
      const v = (cells[col] ?? '').trim();
      if (v === '') return;
      if (h === 'credibility') item[h] = /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v;
      else if (h === 'groups') item[h] = v.split(/[\s;]+/).filter(Boolean);
      else if (h === 'findings') {
        item[h] = v.split(/[\s;]+/).filter(Boolean).map((part) => {
          const [benchmark, raw] = part.split('=');
          const n = raw !== undefined && /^-?\d+(\.\d+)?$/.test(raw.trim()) ? Number(raw) : raw;
          return kinds[benchmark] === 'indicator' ? { benchmark, value: n } : { benchmark, stance: n };
        });
      } else item[h] = v;
    });
    if (cells.length > header.length) errors.push(problem(`row ${index + 2}`, 'has {fields} fields, the header {columns}', { fields: cells.length, columns: header.length }));
    return item;
  });
}

export async function bulkImportEvidence(
  db: Kysely<Database>,
  user: UserRow,
  input: { format: 'csv' | 'json'; text: string; dryRun: boolean; framework?: string | null },
  clock: Clock = systemClock,
): Promise<BulkResult> {
  assertMayLog(user, 'import');
  const errors: FieldProblem[] = [];
  let frameworkCode = input.framework ?? null;
  let items: RawItem[] = [];
  const fw = await resolveFramework(db, frameworkCode);
  const refs = frameworkRefsOf(await loadFrameworkTree(db, fw));
  const rowPath = (i: number) => (input.format === 'csv' ? `row ${i + 2}` : `evidence[${i}]`);
  if (input.format === 'json') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(input.text);
    } catch (err) {
      return { ok: false, dryRun: input.dryRun, rows: 0, created: 0, errors: [problem('file', 'is not valid JSON ({reason})', { reason: (err as Error).message })] };
    }
    const list = Array.isArray(parsed) ? parsed : (parsed as { evidence?: unknown })?.evidence;
    const code = Array.isArray(parsed) ? null : (parsed as { framework_code?: unknown })?.framework_code;
    if (typeof code === 'string' && code !== fw.code) errors.push(problem('framework_code', 'must be {code} (the framework chosen)', { code: fw.code }));
    if (!Array.isArray(parsed) && parsed && typeof parsed === 'object' && 'framework' in parsed) errors.push({ path: 'framework', message: 'frameworks are loaded by an administrator with pactwatch import' });
    if (!Array.isArray(list)) errors.push({ path: 'evidence', message: 'must be an array of evidence objects' });
    else items = list as RawItem[];
  } else {
    items = csvToItems(input.text, refs.benchmarks, errors);
  }
  frameworkCode = fw.code;
  if (items.length > MAX_BULK_ROWS) errors.push(problem('file', 'has {items} items; at most {max} at once', { items: items.length, max: MAX_BULK_ROWS }));
  if (items.length === 0 && errors.length === 0) errors.push({ path: 'file', message: 'has no evidence items' });

  const valid: ImportEvidence[] = [];
  const refsSeen = new Map<string, number>();
  if (errors.length === 0) {
    for (const [i, raw] of items.entries()) {
      const checked = await validateEvidenceInput(db, fw.id, raw, clock, refs);
      if (!checked.ok) {
        for (const e of checked.errors) errors.push({ ...e, path: e.path ? `${rowPath(i)}.${e.path}` : rowPath(i) });
        continue;
      }
      const ref = checked.value.ref;
      if (ref) {
        if (refsSeen.has(ref)) errors.push(problem(`${rowPath(i)}.ref`, 'duplicate ref "{ref}" (first at {first})', { ref, first: rowPath(refsSeen.get(ref)!) }));
        refsSeen.set(ref, i);
      }
      valid.push(checked.value);
    }
  }
  if (errors.length === 0) errors.push(...(await refsAlreadyUsed(db, fw.id, user, valid, rowPath)));
  if (errors.length || input.dryRun) return { ok: errors.length === 0, dryRun: input.dryRun, rows: items.length, created: 0, errors };

  const ids = await codeIds(db, fw.id);
  const args = { frameworkId: fw.id, frameworkCode: fw.code, ids, user, actor: actorOf(user) };
  try {
    if (valid.length <= BULK_SINGLE_TRANSACTION_ITEMS) {
      await inTransaction(db, async (trx) => {
        // the log's lock before the time (reports' barrier)
        await lockAuditLog(trx);
        await appendAuditEntries(trx, await insertDeskItems(trx, { ...args, items: valid, now: nowIso(clock), batchId: null }));
      });
    } else {
      await writeStaged(db, args, valid, clock);
    }
  } catch (err) {
    // a concurrent request used one of the refs after the check above; the database's unique key decided
    if (isUniqueViolation(err)) throw conflict('A concurrent request used one of these refs meanwhile; nothing was imported. Check your items and try again');
    throw err;
  }
  return { ok: true, dryRun: false, rows: items.length, created: valid.length, errors: [] };
}

/** Refs of the file the submitter already gave one of their own items (refs are per submitter). */
async function refsAlreadyUsed(db: Kysely<Database>, frameworkId: number, user: UserRow, items: ImportEvidence[], rowPath: (i: number) => string): Promise<FieldProblem[]> {
  const rowOf = new Map(items.flatMap((item, i) => (item.ref ? [[item.ref, i] as const] : [])));
  const problems: FieldProblem[] = [];
  for (const part of chunks([...rowOf.keys()], 500)) {
    const clashes = await liveEvidence(db).select(['id', 'ref']).where('framework_id', '=', frameworkId).where('created_by', '=', user.id).where('ref', 'in', part).execute();
    for (const c of clashes) problems.push(problem(`${rowPath(rowOf.get(c.ref!)!)}.ref`, '"{ref}" is already used by your item #{id}', { ref: c.ref!, id: String(c.id) }));
  }
  return problems;
}

interface DeskWrite {
  frameworkId: number;
  frameworkCode: string;
  ids: CodeIds;
  user: UserRow;
  actor: Actor;
}

/** Inserts submitted items of the user (rows of `batchId` when staged) with findings and tags; returns their log entries. */
async function insertDeskItems(trx: Transaction<Database>, args: DeskWrite & { items: ImportEvidence[]; now: string; batchId: number | null }): Promise<PreparedAuditInput[]> {
  const written: { id: number; item: ImportEvidence }[] = [];
  for (const part of chunks(args.items, 400)) {
    const rows = part.map((item) => ({
      framework_id: args.frameworkId,
      ...evidenceContentColumns(item),
      status: 'submitted' as const,
      origin: 'desk' as const,
      created_by: args.user.id,
      owner_delegation: args.user.delegation,
      created_at: args.now,
      updated_at: args.now,
      submitted_at: args.now,
      supersedes_id: null,
      import_batch_id: args.batchId,
    }));
    // RETURNING order is not promised, but one INSERT numbers its rows in the order of its VALUES (both databases):
    // the i-th smallest id is the i-th row (desk items may have no ref to match them by)
    const inserted = (await trx.insertInto('evidence').values(rows).returning('id').execute()).map((r) => r.id).sort((a, b) => a - b);
    part.forEach((item, i) => written.push({ id: inserted[i], item }));
  }
  await insertFindingsAndTags(trx, args.ids, written);
  // as insertEvidence logs a new submitted item (log format 2), plus the batch when staged
  return written.map(({ id, item }): PreparedAuditInput => ({
    actor: args.actor,
    action: 'evidence.created',
    entityType: 'evidence',
    entityId: id,
    contentJson: canonicalJson({
      status: 'submitted',
      supersedes: null,
      item: { ...evidenceContentColumns(item), groups: item.groups, findings: item.findings },
      framework: args.frameworkCode,
      origin: 'desk',
      created_by: args.user.id,
      owner_delegation: args.user.delegation,
      ...(args.batchId !== null ? { batch: args.batchId } : {}),
    }),
    at: args.now,
  }));
}

/** A large bulk import: staged in short transactions, published at once; aborted (nothing visible) on any failure. */
async function writeStaged(db: Kysely<Database>, args: DeskWrite, items: ImportEvidence[], clock: Clock): Promise<void> {
  const batchId = await claimBatchWaiting(db, { frameworkCode: args.frameworkCode, actor: args.actor, clock, waitMs: BULK_CLAIM_WAIT_MS });
  try {
    await stageInParts(db, {
      batchId,
      items,
      clock,
      write: async (trx, part, now) => {
        await appendAuditEntries(trx, await insertDeskItems(trx, { ...args, items: part, now, batchId }));
      },
    });
    await publishBatch(db, { batchId, clock, actor: args.actor, summary: { created: items.length, updated: 0 } });
  } catch (err) {
    await abortBatch(db, batchId, { reason: `failed: ${(err as Error).message ?? String(err)}`, owner: IMPORT_OWNER, clock, actor: args.actor }).catch(() => undefined);
    throw err;
  }
}
