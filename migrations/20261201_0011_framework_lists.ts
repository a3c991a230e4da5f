// What was hard-coded for the first framework now comes with each framework file: what its JOINT perspective is
// called, the delegations its users belong to, and the places offered on the evidence form. Null means the file
// did not say (the defaults stand in: "Joint"; the perspectives plus the secretariat; no places).

import type { MigrationContext } from './helpers';

export async function up(ctx: MigrationContext): Promise<void> {
  await ctx.db.schema.alterTable('frameworks').addColumn('joint_name', 'text').execute();
  await ctx.db.schema.alterTable('frameworks').addColumn('delegations', 'text').execute();
  await ctx.db.schema.alterTable('frameworks').addColumn('locations', 'text').execute();
}
