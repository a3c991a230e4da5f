// Bulk import of evidence by evaluators from CSV or the JSON import format: every row is checked first and
// every error listed (a dry run stops there); only a file without errors is written, in one transaction.
// Items arrive as submitted, awaiting review by someone else: review dates can't be imported from here.

import type { Kysely } from 'kysely';
import type { Database, UserRow } from '../db/schema';
import { AppError, conflict, type FieldProblem } from '../errors';
import { frameworkRefsOf, loadFrameworkTree } from '../framework/repository';
import { resolveFramework } from '../scorecards/service';
import type { ImportEvidence } from '../framework/import-types';
import { nowIso, systemClock, type Clock } from '../time';
import { insertEvidence, validateEvidenceInput, EVIDENCE_WRITERS } from './service';
import { isUniqueViolation } from '../db/dialect';
import { forbidden } from '../errors';

export const CSV_HEADER = ['ref', 'title', 'summary', 'source', 'url', 'observed_on', 'source_reliability', 'credibility', 'groups', 'tlp', 'location', 'findings'] as const;
export const MAX_BULK_ROWS = 2000;

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
  const header = rows[0].map((h) => h.trim().toLowerCase());
  const unknown = header.filter((h) => !(CSV_HEADER as readonly string[]).includes(h));
  const missing = ['title', 'observed_on', 'source_reliability', 'credibility', 'findings'].filter((h) => !header.includes(h));
  if (unknown.length) errors.push({ path: 'header', message: `unknown column(s): ${unknown.join(', ')}` });
  if (missing.length) errors.push({ path: 'header', message: `missing column(s): ${missing.join(', ')}` });
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
    if (cells.length > header.length) errors.push({ path: `row ${index + 2}`, message: `has ${cells.length} fields, the header ${header.length}` });
    return item;
  });
}

export async function bulkImportEvidence(
  db: Kysely<Database>,
  user: UserRow,
  input: { format: 'csv' | 'json'; text: string; dryRun: boolean; framework?: string | null },
  clock: Clock = systemClock,
): Promise<BulkResult> {
  if (!(EVIDENCE_WRITERS as readonly string[]).includes(user.role)) throw forbidden('Only evaluators, reviewers and admins may import evidence');
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
      return { ok: false, dryRun: input.dryRun, rows: 0, created: 0, errors: [{ path: 'file', message: `is not valid JSON (${(err as Error).message})` }] };
    }
    const list = Array.isArray(parsed) ? parsed : (parsed as { evidence?: unknown })?.evidence;
    const code = Array.isArray(parsed) ? null : (parsed as { framework_code?: unknown })?.framework_code;
    if (typeof code === 'string' && code !== fw.code) errors.push({ path: 'framework_code', message: `must be ${fw.code} (the framework chosen)` });
    if (!Array.isArray(parsed) && parsed && typeof parsed === 'object' && 'framework' in parsed) errors.push({ path: 'framework', message: 'frameworks are loaded by an administrator with pactwatch import' });
    if (!Array.isArray(list)) errors.push({ path: 'evidence', message: 'must be an array of evidence objects' });
    else items = list as RawItem[];
  } else {
    items = csvToItems(input.text, refs.benchmarks, errors);
  }
  frameworkCode = fw.code;
  if (items.length > MAX_BULK_ROWS) errors.push({ path: 'file', message: `has ${items.length} items; at most ${MAX_BULK_ROWS} at once` });
  if (items.length === 0 && errors.length === 0) errors.push({ path: 'file', message: 'has no evidence items' });

  const valid: ImportEvidence[] = [];
  const refsSeen = new Map<string, number>();
  if (errors.length === 0) {
    for (const [i, raw] of items.entries()) {
      const checked = await validateEvidenceInput(db, fw.id, raw, clock, refs);
      if (!checked.ok) {
        for (const e of checked.errors) errors.push({ path: e.path ? `${rowPath(i)}.${e.path}` : rowPath(i), message: e.message });
        continue;
      }
      const ref = checked.value.ref;
      if (ref) {
        if (refsSeen.has(ref)) errors.push({ path: `${rowPath(i)}.ref`, message: `duplicate ref "${ref}" (first at ${rowPath(refsSeen.get(ref)!)})` });
        refsSeen.set(ref, i);
      }
      valid.push(checked.value);
    }
  }
  if (errors.length || input.dryRun) return { ok: errors.length === 0, dryRun: input.dryRun, rows: items.length, created: 0, errors };

  const now = nowIso(clock);
  try {
    await db.transaction().execute(async (trx) => {
      for (const [i, item] of valid.entries()) await insertEvidence(trx, user, fw.id, item, { submit: true }, now, `${rowPath(i)}.ref`);
    });
  } catch (err) {
    // a ref the submitter already used is listed like every other error in the file
    if (err instanceof AppError && err.code === 'CONFLICT' && err.fields) return { ok: false, dryRun: false, rows: items.length, created: 0, errors: err.fields };
    if (isUniqueViolation(err)) throw conflict('A concurrent request used one of these refs meanwhile; nothing was imported. Check your items and try again');
    throw err;
  }
  return { ok: true, dryRun: false, rows: items.length, created: valid.length, errors: [] };
}
