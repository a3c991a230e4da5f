// Frozen periodic reports (one per framework, kind and period, enforced here; the database refuses UPDATE
// and DELETE on them) and the record of every scheduler run.

import { sql } from 'kysely';
import { withId, notNull, type MigrationContext } from './helpers';

export async function up(ctx: MigrationContext): Promise<void> {
  const { db, dialect } = ctx;

  await withId(ctx, db.schema.createTable('reports'))
    .addColumn('framework_id', 'integer', (c) => c.notNull().references('frameworks.id'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('weekly', 'monthly', 'quarterly')`))
    .addColumn('period', 'text', notNull)
    .addColumn('period_start', 'text', notNull)
    .addColumn('period_end', 'text', notNull)
    .addColumn('generated_at', 'text', notNull)
    .addColumn('methodology', 'text', notNull)
    .addColumn('audit_head_seq', 'integer')
    .addColumn('audit_head_hash', 'text')
    .addColumn('content', 'text', notNull)
    .addColumn('sha256', 'text', notNull)
    .addUniqueConstraint('reports_once_per_period', ['framework_id', 'kind', 'period'])
    .execute();

  if (dialect === 'sqlite') {
    await sql`create trigger reports_no_update before update on reports begin select raise(abort, 'reports are immutable'); end`.execute(db);
    await sql`create trigger reports_no_delete before delete on reports begin select raise(abort, 'reports are immutable'); end`.execute(db);
  } else {
    await sql`create or replace function pactwatch_reports_immutable() returns trigger language plpgsql as $$
      begin raise exception 'reports are immutable'; end $$`.execute(db);
    await sql`create trigger reports_no_change before update or delete on reports for each row execute function pactwatch_reports_immutable()`.execute(db);
    await sql`create trigger reports_no_truncate before truncate on reports for each statement execute function pactwatch_reports_immutable()`.execute(db);
  }

  await withId(ctx, db.schema.createTable('report_runs'))
    .addColumn('framework_id', 'integer', (c) => c.references('frameworks.id'))
    .addColumn('kind', 'text', notNull)
    .addColumn('period', 'text', notNull)
    .addColumn('trigger', 'text', notNull)
    .addColumn('attempt', 'integer', notNull)
    .addColumn('instance', 'text', notNull)
    .addColumn('started_at', 'text', notNull)
    .addColumn('finished_at', 'text')
    .addColumn('duration_ms', 'integer')
    .addColumn('outcome', 'text', notNull)
    .addColumn('report_id', 'integer')
    .addColumn('error', 'text')
    .execute();
  await db.schema.createIndex('report_runs_started').on('report_runs').column('started_at').execute();
}
