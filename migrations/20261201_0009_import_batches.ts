// Large imports are staged: their rows are written in short transactions as part of an import batch that readers
// do not see until one short transaction publishes it (src/framework/import-batches.ts). A batch left unpublished
// by a failure or a crash is aborted and its rows deleted by the next import or server start. At most one batch
// stages at a time, enforced by the database.

import { sql } from 'kysely';
import { notNull, withId, type MigrationContext } from './helpers';

export async function up(ctx: MigrationContext): Promise<void> {
  const { db } = ctx;

  await withId(ctx, db.schema.createTable('import_batches'))
    .addColumn('state', 'text', (c) => c.notNull().check(sql`state in ('staging', 'published', 'aborted')`))
    .addColumn('framework_code', 'text')
    .addColumn('actor', 'text')
    .addColumn('actor_id', 'integer')
    /** the importing process, host:pid, to tell a crashed import from a running one */
    .addColumn('owner', 'text', notNull)
    .addColumn('started_at', 'text', notNull)
    /** renewed by every staged batch: a staging batch whose heartbeat stops is abandoned */
    .addColumn('heartbeat_at', 'text', notNull)
    /** published or aborted at; for an aborted batch, set once its rows are deleted */
    .addColumn('finished_at', 'text')
    /** items staged so far */
    .addColumn('items', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('reason', 'text')
    .execute();
  await sql`create unique index import_batches_one_staging on import_batches (state) where state = 'staging'`.execute(db);
  await sql`create index import_batches_unpublished on import_batches (id) where state <> 'published'`.execute(db);

  await db.schema.alterTable('evidence').addColumn('import_batch_id', 'integer', (c) => c.references('import_batches.id')).execute();
  await sql`create index evidence_import_batch on evidence (import_batch_id) where import_batch_id is not null`.execute(db);
}
