// What links evidence to a framework, written once: an item's findings joined with their benchmarks, and its group
// tags joined with the framework's groups. Pages, exports, scoring, reports and imports all read them through
// here; many items at a time are read in bounded chunks of ids, one query per chunk and table.

import type { Kysely } from 'kysely';
import type { BenchmarkRow, Database } from '../db/schema';
import { chunks } from '../db/chunks';

/** `findings` joined with their `benchmarks`. */
export function findingsWithBenchmarks(db: Kysely<Database>) {
  return db.selectFrom('findings').innerJoin('benchmarks', 'benchmarks.id', 'findings.benchmark_id');
}

/** `evidence_groups` (an item's tags) joined with their `framework_groups`. */
export function groupTags(db: Kysely<Database>) {
  return db.selectFrom('evidence_groups').innerJoin('framework_groups', 'framework_groups.id', 'evidence_groups.group_id');
}

export interface LinkedFinding {
  benchmark: string;
  benchmarkTitle: string;
  kind: BenchmarkRow['kind'];
  unit: string | null;
  baseline: number | null;
  target: number | null;
  stance: number | null;
  value: number | null;
}

// PostgreSQL's numeric columns arrive as strings
const numberOrNull = (v: number | string | null) => (v === null ? null : Number(v));

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * The findings of many items, each item's in their order, by item id. The findings are read bare (no join, no
 * ORDER BY: SQLite sorted them in a temporary tree) and put in order here; their benchmarks are read once, after
 * them (a finding's benchmark cannot be deleted while the finding exists).
 */
export async function findingsOfItems(db: Kysely<Database>, ids: readonly number[]): Promise<Map<number, LinkedFinding[]>> {
  const out = new Map<number, LinkedFinding[]>();
  const rows: { evidence_id: number; benchmark_id: number; position: number; stance: number | string | null; value: number | string | null }[] = [];
  for (const part of chunks(ids)) {
    rows.push(...(await db.selectFrom('findings').select(['evidence_id', 'benchmark_id', 'position', 'stance', 'value']).where('evidence_id', 'in', part).execute()));
  }
  if (rows.length === 0) return out;
  const benchmarkIds = [...new Set(rows.map((f) => f.benchmark_id))];
  const benchmarks = new Map<number, Pick<BenchmarkRow, 'code' | 'title' | 'kind' | 'unit' | 'baseline' | 'target'>>();
  for (const part of chunks(benchmarkIds)) {
    for (const b of await db.selectFrom('benchmarks').select(['id', 'code', 'title', 'kind', 'unit', 'baseline', 'target']).where('id', 'in', part).execute()) benchmarks.set(b.id, b);
  }
  rows.sort((a, b) => a.evidence_id - b.evidence_id || a.position - b.position);
  for (const f of rows) {
    const b = benchmarks.get(f.benchmark_id);
    if (!b) continue; // removed with its finding since the findings were read
    pushTo(out, f.evidence_id, {
      benchmark: b.code,
      benchmarkTitle: b.title,
      kind: b.kind,
      unit: b.unit,
      baseline: numberOrNull(b.baseline),
      target: numberOrNull(b.target),
      stance: numberOrNull(f.stance),
      value: numberOrNull(f.value),
    });
  }
  return out;
}

/** The group codes of many items, each item's in the framework's order, by item id. */
export async function groupsOfItems(db: Kysely<Database>, ids: readonly number[]): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  for (const part of chunks(ids)) {
    const rows = await groupTags(db)
      .select(['evidence_groups.evidence_id', 'framework_groups.code'])
      .where('evidence_groups.evidence_id', 'in', part)
      .orderBy('evidence_groups.evidence_id')
      .orderBy('framework_groups.position')
      .execute();
    for (const g of rows) pushTo(out, g.evidence_id, g.code);
  }
  return out;
}
