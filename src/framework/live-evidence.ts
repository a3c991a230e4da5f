// Which evidence rows exist for readers, in one place: every row except those of an import that is not published
// (still staging, or aborted and awaiting deletion; see import-batches.ts: the framework layer owns both). Every query that reads
// evidence, or joins it, filters with this; a staged row becomes visible to all of them at once when its import is
// published. The set of unpublished imports is tiny (usually empty), so the check costs a probe per row.

import { sql, type Kysely, type SqlBool } from 'kysely';
import type { Database } from '../db/schema';

/** `evidence` is visible: not part of an unpublished import. For `.where(...)` on any query with `evidence` in scope. */
export const isLiveEvidence = sql<SqlBool>`(${sql.ref('evidence.import_batch_id')} is null or ${sql.ref('evidence.import_batch_id')} not in (select ${sql.ref(
  'import_batches.id',
)} from ${sql.table('import_batches')} where ${sql.ref('import_batches.state')} <> 'published'))`;

/** `select … from evidence`, visible rows only. */
export function liveEvidence(db: Kysely<Database>) {
  return db.selectFrom('evidence').where(isLiveEvidence);
}
