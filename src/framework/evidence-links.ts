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

/** The findings of many items, each item's in their order, by item id. */
export async function findingsOfItems(db: Kysely<Database>, ids: readonly number[]): Promise<Map<number, LinkedFinding[]>> {
  const out = new Map<number, LinkedFinding[]>();
  for (const part of chunks(ids)) {
    const rows = await findingsWithBenchmarks(db)
      .select(['findings.evidence_id', 'benchmarks.code', 'benchmarks.title', 'benchmarks.kind', 'benchmarks.unit', 'benchmarks.baseline', 'benchmarks.target', 'findings.stance', 'findings.value'])
      .where('findings.evidence_id', 'in', part)
      .orderBy('findings.evidence_id')
      .orderBy('findings.position')
      .execute();
    for (const f of rows) {
      pushTo(out, f.evidence_id, {
        benchmark: f.code,
        benchmarkTitle: f.title,
        kind: f.kind,
        unit: f.unit,
        baseline: numberOrNull(f.baseline),
        target: numberOrNull(f.target),
        stance: numberOrNull(f.stance),
        value: numberOrNull(f.value),
      });
    }
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
