// The rows an import reads and changes, many at a time: stored imported items by ref with the shape of their
// content (to tell unchanged from changed), and multi-row updates of changed items with their findings and tags
// (new items are written by import-bulk.ts). No per-item round trips.

import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database } from '../db/schema';
import { isLiveEvidence } from './live-evidence';
import { evidenceContentColumns, type ImportEvidence } from './import-types';
import { importedStatus, importUpdatedContent, insertFindingsAndTagRows, logLine, type LogLine } from './import-bulk';

import { findingsOfItems, groupsOfItems } from './evidence-links';
import { chunks, ID_CHUNK } from '../db/chunks';

export { importedStatus } from './import-bulk';
export { chunks, ID_CHUNK };

const stableJson = (value: unknown) => JSON.stringify(value);

/** Canonical content of an imported item, to tell whether a stored one differs. */
export function evidenceShape(item: ImportEvidence): string {
  return stableJson([
    item.title, item.summary, item.source, item.url, item.observedOn, item.sourceReliability, item.credibility,
    item.tlp, item.location, [...item.groups].sort(), item.findings.map((f) => [f.benchmark, f.stance, f.value]),
    item.verifiedAt, item.retractedAt,
  ]);
}

export interface StoredImported {
  id: number;
  origin: string;
  /** the row's updated_at when read: an update applies only if it is unchanged (nobody reviewed it meanwhile) */
  updatedAt: string;
  shape: string;
}

/** The visible items without a creator (imports share that namespace of refs) of a framework, by ref, with their shapes. */
export async function loadImportedByRef(db: Kysely<Database>, frameworkId: number, refs: string[]): Promise<Map<string, StoredImported>> {
  const out = new Map<string, StoredImported>();
  for (const part of chunks(refs, ID_CHUNK)) {
    const rows = await db
      .selectFrom('evidence')
      .selectAll()
      .where('framework_id', '=', frameworkId)
      // "created_by is null" as the unique index on (framework_id, coalesce(created_by, 0), ref) spells it, so the
      // lookup is a probe per ref rather than a scan of the framework's items (user ids start at 1)
      .where((eb) => eb(eb.fn.coalesce('created_by', sql.lit(0)), '=', 0))
      .where('ref', 'in', part)
      .where(isLiveEvidence)
      .execute();
    if (rows.length === 0) continue;
    const ids = rows.map((r) => r.id);
    const groupsOf = await groupsOfItems(db, ids);
    const findingsOf = await findingsOfItems(db, ids);
    for (const e of rows) {
      const shape = stableJson([
        e.title, e.summary, e.source, e.url, e.observed_on, e.source_reliability, Number(e.credibility), e.tlp, e.location,
        [...(groupsOf.get(e.id) ?? [])].sort(),
        (findingsOf.get(e.id) ?? []).map((f) => [f.benchmark, f.stance, f.value]),
        e.verified_at, e.retracted_at,
      ]);
      out.set(e.ref!, { id: e.id, origin: e.origin, updatedAt: e.updated_at, shape });
    }
  }
  return out;
}

/** Benchmark and group ids of a framework by code. */
export interface CodeIds {
  benchmarks: Map<string, number>;
  groups: Map<string, number>;
}

export async function codeIds(db: Kysely<Database>, frameworkId: number): Promise<CodeIds> {
  const [benchmarks, groups] = await Promise.all([
    db.selectFrom('benchmarks').select(['id', 'code']).where('framework_id', '=', frameworkId).execute(),
    db.selectFrom('framework_groups').select(['id', 'code']).where('framework_id', '=', frameworkId).execute(),
  ]);
  return { benchmarks: new Map(benchmarks.map((b) => [b.code, b.id])), groups: new Map(groups.map((g) => [g.code, g.id])) };
}

/** Whether every benchmark and group the item names exists already. */
export function usesOnlyStoredCodes(item: ImportEvidence, ids: CodeIds): boolean {
  return item.findings.every((f) => ids.benchmarks.has(f.benchmark)) && item.groups.every((g) => ids.groups.has(g));
}

function changeableColumns(item: ImportEvidence, now: string) {
  const { ref: _ref, ...content } = evidenceContentColumns(item);
  return {
    ...content,
    status: importedStatus(item),
    verified_at: item.verifiedAt,
    retracted_at: item.retractedAt,
    submitted_at: item.verifiedAt ?? now,
    updated_at: now,
  };
}

/** Findings and tags of items just written (multi-row inserts). */
export async function insertFindingsAndTags(trx: Transaction<Database>, ids: CodeIds, items: { id: number; item: ImportEvidence }[]): Promise<void> {
  await insertFindingsAndTagRows(trx, ids, items);
}

export interface PlannedUpdate {
  id: number;
  /** updated_at as planned: the row is changed only if still so */
  updatedAt: string;
  item: ImportEvidence;
}

/** The stored item changed between planning and writing (e.g. reviewed meanwhile). */
export class StaleImportUpdate extends Error {
  constructor(readonly ref: string) {
    super(`imported item "${ref}" changed while the import ran`);
  }
}

/** The evidence columns an import changes on a stored item, with their PostgreSQL types (VALUES lists need them). */
const CHANGEABLE: [column: keyof ReturnType<typeof changeableColumns>, pgType: string][] = [
  ['title', 'text'], ['summary', 'text'], ['source', 'text'], ['url', 'text'], ['observed_on', 'text'], ['source_reliability', 'text'],
  ['credibility', 'integer'], ['tlp', 'text'], ['location', 'text'], ['status', 'text'], ['verified_at', 'text'], ['retracted_at', 'text'],
  ['submitted_at', 'text'], ['updated_at', 'text'],
];
const UPDATE_CHUNK = 250;

/**
 * `UPDATE evidence SET … FROM (VALUES …)`: many rows in one statement (both databases name the VALUES columns
 * column1, column2, …). A row changes only if its updated_at is still the planned one; returns how many did.
 */
async function updateRows(trx: Transaction<Database>, updates: PlannedUpdate[], now: string): Promise<number> {
  let changed = 0;
  for (const part of chunks(updates, UPDATE_CHUNK)) {
    const rows = part.map((u, rowIndex) => {
      const values = changeableColumns(u.item, now);
      const cells = [[u.id, 'integer'], [u.updatedAt, 'text'], ...CHANGEABLE.map(([c, type]) => [values[c], type])] as [unknown, string][];
      // the first row's casts type the columns of the VALUES list (PostgreSQL would otherwise take untyped text)
      return sql`(${sql.join(cells.map(([value, type]) => (rowIndex === 0 ? sql`cast(${value} as ${sql.raw(type)})` : sql`${value}`)))})`;
    });
    const result = await sql`update evidence set ${sql.join(CHANGEABLE.map(([c], i) => sql`${sql.ref(c)} = v.${sql.ref(`column${i + 3}`)}`))}
      from (values ${sql.join(rows)}) as v
      where evidence.id = v.column1 and evidence.updated_at = v.column2`.execute(trx);
    changed += Number(result.numAffectedRows ?? 0);
  }
  return changed;
}

/** Replaces the content of stored imported items, with findings and tags; returns the log entries to append. */
export async function updateImportedItems(trx: Transaction<Database>, args: { ids: CodeIds; updates: PlannedUpdate[]; now: string }): Promise<LogLine[]> {
  if (args.updates.length === 0) return [];
  if ((await updateRows(trx, args.updates, args.now)) !== args.updates.length) {
    // reviewed (or re-imported) after planning: which one, for the message
    const current = new Map<number, string>();
    for (const part of chunks(args.updates.map((u) => u.id), ID_CHUNK)) {
      for (const r of await trx.selectFrom('evidence').select(['id', 'updated_at']).where('id', 'in', part).execute()) current.set(r.id, r.updated_at);
    }
    const stale = args.updates.find((u) => current.get(u.id) !== args.now) ?? args.updates[0];
    throw new StaleImportUpdate(stale.item.ref);
  }
  for (const part of chunks(args.updates.map((u) => u.id), ID_CHUNK)) {
    await trx.deleteFrom('findings').where('evidence_id', 'in', part).execute();
    await trx.deleteFrom('evidence_groups').where('evidence_id', 'in', part).execute();
  }
  await insertFindingsAndTagRows(trx, args.ids, args.updates);
  return args.updates.map((u) => logLine('evidence.import_updated', 'evidence', String(u.id), importUpdatedContent(u.item)));
}
