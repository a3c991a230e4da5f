// A framework's texts in other languages (issue 14): the framework file's optional "translations" of the framework,
// its groups, pillars, benchmarks and perspectives, stored as given (normalised) beside the English texts. Each
// column is a JSON object locale -> {field: text} (src/framework/import-types.ts Translations); null: none given,
// so pages show the English text.

import type { MigrationContext } from './helpers';

export async function up(ctx: MigrationContext): Promise<void> {
  for (const table of ['frameworks', 'framework_groups', 'pillars', 'benchmarks', 'perspectives']) {
    await ctx.db.schema.alterTable(table).addColumn('translations', 'text').execute();
  }
}
