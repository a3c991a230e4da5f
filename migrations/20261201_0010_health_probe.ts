// One row that GET /health rewrites to prove the database accepts writes (a full disk or a read-only database
// fails it); kept apart from the data so a health check never touches anything else.

import type { MigrationContext } from './helpers';

export async function up(ctx: MigrationContext): Promise<void> {
  await ctx.db.schema
    .createTable('health_probe')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('checked_at', 'text', (c) => c.notNull())
    .addColumn('instance', 'text', (c) => c.notNull())
    .execute();
}
