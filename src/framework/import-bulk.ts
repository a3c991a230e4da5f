// The rows of an import, written many at a time with the least work while the write lock is held: statements
// prepared once and run with many rows each (SQLite: multi-row VALUES; PostgreSQL: unnest of one array per
// column), ids taken up front instead of read back, and the log's entries chained in one loop.
//
// Everything that does not depend on the moment of writing is done before the transaction: the canonical JSON of
// each entry's content, and that JSON as a JSON string (the part of an entry's hashed body that is most of it).
// What has to wait for the lock: the time (reports' barrier), the ids, the chain's head and so the hashes.
//
// The hash chain is the one audit/log.ts defines (entryHash): bodyOf below writes the same canonical JSON without
// the generic walk (tests/unit/import/import-bulk.test.ts holds the two equal), and canonicalItem the same JSON
// as canonicalJson for a validated item, falling back to it for anything else.

import crypto from 'node:crypto';
import { CompiledQuery, type Transaction } from 'kysely';
import type { AuditRow, Database } from '../db/schema';
import { isPostgres } from '../db/dialect';
import { canonicalJson, GENESIS_HASH, type Actor } from '../audit/log';
import type { ImportEvidence, ImportFinding } from './import-types';

type Cell = string | number | null;
type Trx = Transaction<Database>;

const str = JSON.stringify;

// ---------------------------------------------------------------- canonical JSON, before the transaction

/** An ImportEvidence's keys, sorted as canonicalJson sorts them. */
const ITEM_KEYS = ['credibility', 'findings', 'groups', 'location', 'observedOn', 'ref', 'retractedAt', 'source', 'sourceReliability', 'summary', 'title', 'tlp', 'url', 'verifiedAt'] as const;
const hasOwn = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);
const isStrOrNull = (v: unknown) => v === null || typeof v === 'string';
const isNumOrNull = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));

/** Exactly the shape the validator produces (else canonicalItem takes the generic path). */
function isPlainItem(item: ImportEvidence): boolean {
  if (Object.getPrototypeOf(item) !== Object.prototype || Object.keys(item).length !== ITEM_KEYS.length) return false;
  for (const k of ITEM_KEYS) if (!hasOwn(item, k)) return false;
  if (typeof item.title !== 'string' || typeof item.ref !== 'string' || typeof item.observedOn !== 'string' || typeof item.sourceReliability !== 'string' || typeof item.tlp !== 'string') return false;
  if (!isStrOrNull(item.summary) || !isStrOrNull(item.source) || !isStrOrNull(item.url) || !isStrOrNull(item.location) || !isStrOrNull(item.verifiedAt) || !isStrOrNull(item.retractedAt)) return false;
  if (typeof item.credibility !== 'number' || !Number.isFinite(item.credibility)) return false;
  if (!Array.isArray(item.groups) || !item.groups.every((g) => typeof g === 'string')) return false;
  if (!Array.isArray(item.findings)) return false;
  for (const f of item.findings as ImportFinding[]) {
    if (Object.getPrototypeOf(f) !== Object.prototype || Object.keys(f).length !== 3 || !hasOwn(f, 'benchmark') || !hasOwn(f, 'stance') || !hasOwn(f, 'value')) return false;
    if (typeof f.benchmark !== 'string' || !isNumOrNull(f.stance) || !isNumOrNull(f.value)) return false;
  }
  return true;
}

/** canonicalJson(item) for a validated item, without the generic walk. */
export function canonicalItem(item: ImportEvidence): string {
  if (!isPlainItem(item)) return canonicalJson(item);
  let findings = '';
  for (let i = 0; i < item.findings.length; i += 1) {
    const f = item.findings[i];
    findings += `${i ? ',' : ''}{"benchmark":${str(f.benchmark)},"stance":${str(f.stance)},"value":${str(f.value)}}`;
  }
  let groups = '';
  for (let i = 0; i < item.groups.length; i += 1) groups += `${i ? ',' : ''}${str(item.groups[i])}`;
  return (
    `{"credibility":${str(item.credibility)},"findings":[${findings}],"groups":[${groups}],"location":${str(item.location)},` +
    `"observedOn":${str(item.observedOn)},"ref":${str(item.ref)},"retractedAt":${str(item.retractedAt)},"source":${str(item.source)},` +
    `"sourceReliability":${str(item.sourceReliability)},"summary":${str(item.summary)},"title":${str(item.title)},"tlp":${str(item.tlp)},` +
    `"url":${str(item.url)},"verifiedAt":${str(item.verifiedAt)}}`
  );
}

/**
 * The log content of a new imported item: canonicalJson({ref, item, framework, origin, created_by,
 * owner_delegation, batch?}); `canonical` is canonicalItem(item) when already known.
 */
export function importedContent(item: ImportEvidence, frameworkCode: string, batchId: number | null, canonical = canonicalItem(item)): string {
  return `{${batchId !== null ? `"batch":${str(batchId)},` : ''}"created_by":null,"framework":${str(frameworkCode)},"item":${canonical},"origin":"import","owner_delegation":null,"ref":${str(item.ref)}}`;
}

/** The log content of a changed imported item: canonicalJson({ref, item}). */
export function importUpdatedContent(item: ImportEvidence): string {
  return `{"item":${canonicalItem(item)},"ref":${str(item.ref)}}`;
}

/** A log entry to append, its content already canonical JSON, and that JSON as a JSON string (for the hash). */
export interface LogLine {
  action: string;
  entityType: string;
  /** null: filled in under the lock (the id of the row the entry is about) */
  entityId: string | null;
  content: string;
  /** str(content): computed with the content, outside the transaction */
  contentLiteral: string;
}

export function logLine(action: string, entityType: string, entityId: string | null, content: string): LogLine {
  return { action, entityType, entityId, content, contentLiteral: str(content) };
}

// ---------------------------------------------------------------- the hash chain, under the lock

const sha256Hex: (data: string) => string =
  typeof (crypto as { hash?: unknown }).hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'hex')
    : (data) => crypto.createHash('sha256').update(data).digest('hex');

/** The canonical JSON entryHash hashes (keys sorted: action, actor, actor_id, at, content, entity_id, entity_type, seq). */
export function bodyOf(seq: number, at: string, actor: Actor, action: string, entityType: string, entityId: string | null, contentLiteral: string): string {
  const actorId = actor.id === null ? 'null' : str(Number(actor.id));
  return `{"action":${str(action)},"actor":${str(actor.label ?? null)},"actor_id":${actorId},"at":${str(at)},"content":${contentLiteral},"entity_id":${entityId === null ? 'null' : str(entityId)},"entity_type":${str(entityType)},"seq":${seq}}`;
}

/** The rows of `lines` appended after `head`, hashed as entryHash hashes them. */
export function chainRows(head: { seq: number; hash: string } | null, lines: LogLine[], at: string, actor: Actor): AuditRow[] {
  let seq = head ? head.seq : 0;
  let prev = head ? head.hash : GENESIS_HASH;
  const rows: AuditRow[] = new Array(lines.length);
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i];
    seq += 1;
    const hash = sha256Hex(`${prev}\n${bodyOf(seq, at, actor, line.action, line.entityType, line.entityId, line.contentLiteral)}`);
    rows[i] = { seq, at, actor_id: actor.id, actor: actor.label, action: line.action, entity_type: line.entityType, entity_id: line.entityId, content: line.content, prev_hash: prev, hash };
    prev = hash;
  }
  return rows;
}

// ---------------------------------------------------------------- multi-row statements

interface TableSpec {
  name: string;
  columns: readonly string[];
  /** PostgreSQL array types, one per column (unnest) */
  pgTypes: readonly string[];
}

const EVIDENCE: TableSpec = {
  name: 'evidence',
  columns: ['id', 'framework_id', 'ref', 'title', 'summary', 'source', 'url', 'observed_on', 'source_reliability', 'credibility', 'tlp', 'location', 'status', 'origin', 'created_by', 'owner_delegation', 'created_at', 'updated_at', 'submitted_at', 'verified_at', 'retracted_at', 'import_batch_id'],
  pgTypes: ['integer', 'integer', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'integer', 'text', 'text', 'text', 'text', 'integer', 'text', 'text', 'text', 'text', 'text', 'text', 'integer'],
};
const FINDINGS: TableSpec = {
  name: 'findings',
  columns: ['evidence_id', 'benchmark_id', 'stance', 'value', 'position'],
  pgTypes: ['integer', 'integer', 'integer', 'double precision', 'integer'],
};
const TAGS: TableSpec = { name: 'evidence_groups', columns: ['evidence_id', 'group_id'], pgTypes: ['integer', 'integer'] };
const AUDIT: TableSpec = {
  name: 'audit_log',
  columns: ['seq', 'at', 'actor_id', 'actor', 'action', 'entity_type', 'entity_id', 'content', 'prev_hash', 'hash'],
  pgTypes: ['integer', 'text', 'integer', 'text', 'text', 'text', 'text', 'text', 'text', 'text'],
};

/** SQLite: most bound values per statement (far below its limit of 32,766) and most rows. */
const SQLITE_MAX_VALUES = 8000;
const SQLITE_MAX_ROWS = 256;
/** PostgreSQL: most rows per statement (one array per column; keeps each message a few MB). */
const PG_MAX_ROWS = 5000;

const statementTexts = new Map<string, string>();

/** `insert into t (…) values (?,…),…` for `rows` rows: one text per size, so the driver prepares each once. */
function sqliteInsert(table: TableSpec, rows: number): string {
  const key = `${table.name}:${rows}`;
  let text = statementTexts.get(key);
  if (text === undefined) {
    const row = `(${table.columns.map(() => '?').join(',')})`;
    text = `insert into "${table.name}" (${table.columns.map((c) => `"${c}"`).join(', ')}) values ${Array(rows).fill(row).join(',')}`;
    statementTexts.set(key, text);
  }
  return text;
}

function pgInsert(table: TableSpec): string {
  const key = `${table.name}:pg`;
  let text = statementTexts.get(key);
  if (text === undefined) {
    text = `insert into "${table.name}" (${table.columns.map((c) => `"${c}"`).join(', ')}) select * from unnest(${table.pgTypes.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`;
    statementTexts.set(key, text);
  }
  return text;
}

/**
 * Inserts rows given row-major in `cells` (`table.columns.length` cells per row). SQLite: statements of a fixed
 * number of rows (the largest that fits, then powers of two for the rest, so a handful of texts is ever prepared);
 * PostgreSQL: one unnest statement per PG_MAX_ROWS rows.
 */
export async function insertRows(trx: Trx, table: TableSpec, cells: Cell[]): Promise<void> {
  const width = table.columns.length;
  const total = cells.length / width;
  if (total === 0) return;
  if (isPostgres(trx)) {
    for (let from = 0; from < total; from += PG_MAX_ROWS) {
      const to = Math.min(total, from + PG_MAX_ROWS);
      const columns: Cell[][] = table.columns.map(() => new Array(to - from));
      for (let r = from; r < to; r += 1) {
        const base = r * width;
        for (let c = 0; c < width; c += 1) columns[c][r - from] = cells[base + c];
      }
      await trx.executeQuery(CompiledQuery.raw(pgInsert(table), columns));
    }
    return;
  }
  const full = Math.max(1, Math.min(SQLITE_MAX_ROWS, Math.floor(SQLITE_MAX_VALUES / width)));
  let at = 0;
  while (at < total) {
    let rows = full;
    while (rows > total - at) rows >>= 1;
    await trx.executeQuery(CompiledQuery.raw(sqliteInsert(table, rows), cells.slice(at * width, (at + rows) * width)));
    at += rows;
  }
}

/**
 * `count` new ids for `table` (id column), taken before inserting: SQLite (whose write lock the transaction
 * holds) continues after both the largest id and the AUTOINCREMENT sequence; PostgreSQL draws them from the
 * identity's sequence.
 */
export async function takeIds(trx: Trx, table: 'evidence', count: number): Promise<number[]> {
  if (count === 0) return [];
  if (isPostgres(trx)) {
    const result = await trx.executeQuery<{ id: number }>(
      CompiledQuery.raw(`select nextval(pg_get_serial_sequence('${table}', 'id'))::integer as id from generate_series(1, $1)`, [count]),
    );
    return result.rows.map((r) => Number(r.id));
  }
  const result = await trx.executeQuery<{ last: number }>(
    CompiledQuery.raw(`select max(coalesce((select max(id) from "${table}"), 0), coalesce((select seq from sqlite_sequence where name = '${table}'), 0)) as last`),
  );
  const last = Number(result.rows[0]?.last ?? 0);
  return Array.from({ length: count }, (_, i) => last + 1 + i);
}

/** The log's head, read in the caller's transaction (which holds the log's lock). */
export async function logHead(trx: Trx): Promise<{ seq: number; hash: string } | null> {
  const result = await trx.executeQuery<{ seq: number; hash: string }>(CompiledQuery.raw('select seq, hash from audit_log order by seq desc limit 1'));
  const row = result.rows[0];
  return row ? { seq: Number(row.seq), hash: row.hash } : null;
}

/** Appends the entries after the head, in order, in the caller's transaction (which must hold the log's lock). */
export async function appendLogLines(trx: Trx, lines: LogLine[], at: string, actor: Actor): Promise<AuditRow[]> {
  if (lines.length === 0) return [];
  const rows = chainRows(await logHead(trx), lines, at, actor);
  const cells: Cell[] = new Array(rows.length * AUDIT.columns.length);
  let k = 0;
  for (const r of rows) {
    cells[k++] = r.seq;
    cells[k++] = r.at;
    cells[k++] = r.actor_id;
    cells[k++] = r.actor;
    cells[k++] = r.action;
    cells[k++] = r.entity_type;
    cells[k++] = r.entity_id;
    cells[k++] = r.content;
    cells[k++] = r.prev_hash;
    cells[k++] = r.hash;
  }
  await insertRows(trx, AUDIT, cells);
  return rows;
}

// ---------------------------------------------------------------- new imported items

/** Benchmark and group ids of a framework by code. */
export interface CodeIdMaps {
  benchmarks: Map<string, number>;
  groups: Map<string, number>;
}

/** A new item ready to write: its log content computed outside the transaction. */
export interface NewItem {
  item: ImportEvidence;
  /** the log line, entity id left to fill in */
  line: LogLine;
  /** the item's position in the file (log entries of one transaction follow it) */
  index: number;
}

export function newItem(item: ImportEvidence, index: number, frameworkCode: string, batchId: number | null, canonical?: string): NewItem {
  return { item, index, line: logLine('evidence.imported', 'evidence', null, importedContent(item, frameworkCode, batchId, canonical)) };
}

export function importedStatus(item: ImportEvidence): 'retracted' | 'verified' | 'submitted' {
  if (item.retractedAt) return 'retracted';
  return item.verifiedAt ? 'verified' : 'submitted';
}

/** Findings and tags of items written (ids known), as multi-row inserts. */
export async function insertFindingsAndTagRows(trx: Trx, ids: CodeIdMaps, written: { id: number; item: ImportEvidence }[]): Promise<void> {
  const findings: Cell[] = [];
  const tags: Cell[] = [];
  for (const { id, item } of written) {
    for (let p = 0; p < item.findings.length; p += 1) {
      const f = item.findings[p];
      findings.push(id, ids.benchmarks.get(f.benchmark)!, f.stance, f.value, p);
    }
    for (const code of item.groups) tags.push(id, ids.groups.get(code)!);
  }
  await insertRows(trx, FINDINGS, findings);
  await insertRows(trx, TAGS, tags);
}

/**
 * Inserts new imported items (rows of `batchId` when given) with findings and tags in the caller's transaction,
 * and returns their log lines with the ids filled in (in the order given; the caller appends them).
 */
export async function insertNewItems(
  trx: Trx,
  args: { frameworkId: number; ids: CodeIdMaps; items: NewItem[]; now: string; batchId: number | null },
): Promise<{ ids: number[]; lines: LogLine[] }> {
  const { items, now } = args;
  const ids = await takeIds(trx, 'evidence', items.length);
  const cells: Cell[] = new Array(items.length * EVIDENCE.columns.length);
  let k = 0;
  for (let i = 0; i < items.length; i += 1) {
    const item = items[i].item;
    cells[k++] = ids[i];
    cells[k++] = args.frameworkId;
    cells[k++] = item.ref || null;
    cells[k++] = item.title;
    cells[k++] = item.summary;
    cells[k++] = item.source;
    cells[k++] = item.url;
    cells[k++] = item.observedOn;
    cells[k++] = item.sourceReliability;
    cells[k++] = item.credibility;
    cells[k++] = item.tlp;
    cells[k++] = item.location;
    cells[k++] = importedStatus(item);
    cells[k++] = 'import';
    cells[k++] = null;
    cells[k++] = null;
    cells[k++] = now;
    cells[k++] = now;
    cells[k++] = item.verifiedAt ?? now;
    cells[k++] = item.verifiedAt;
    cells[k++] = item.retractedAt;
    cells[k++] = args.batchId;
  }
  await insertRows(trx, EVIDENCE, cells);
  await insertFindingsAndTagRows(trx, args.ids, items.map((n, i) => ({ id: ids[i], item: n.item })));
  return { ids, lines: items.map((n, i) => ({ ...n.line, entityId: String(ids[i]) })) };
}
