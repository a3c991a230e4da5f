// Stored PDFs of frozen reports: printed once per report and reader's view (the SHA-256 of exactly what the page
// shows that reader), so a download serves stored bytes instead of starting Chromium again.

import { notNull, type MigrationContext } from './helpers';

export async function up(ctx: MigrationContext): Promise<void> {
  const { db, dialect } = ctx;

  await db.schema
    .createTable('report_pdfs')
    .addColumn('report_id', 'integer', (c) => c.notNull().references('reports.id'))
    .addColumn('view_sha256', 'text', notNull)
    .addColumn('pdf', dialect === 'postgres' ? 'bytea' : 'blob', notNull)
    .addColumn('sha256', 'text', notNull)
    .addColumn('created_at', 'text', notNull)
    .addPrimaryKeyConstraint('report_pdfs_pk', ['report_id', 'view_sha256'])
    .execute();
}
