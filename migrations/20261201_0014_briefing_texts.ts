// What a briefing needs from the framework file beyond the scores: the framework's caveat (what its scores are not,
// printed beside them) and, per benchmark, the recommended actions that would move it (FATF's "priority actions").
// Null means the file did not say.

import type { MigrationContext } from './helpers';

export async function up(ctx: MigrationContext): Promise<void> {
  await ctx.db.schema.alterTable('frameworks').addColumn('caveat', 'text').execute();
  // JSON array of strings
  await ctx.db.schema.alterTable('benchmarks').addColumn('recommended_actions', 'text').execute();
}
