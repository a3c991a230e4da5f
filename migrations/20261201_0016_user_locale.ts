// The language each account reads pactwatch in (issue 14): a locale tag from src/i18n/messages.ts LOCALES, or null
// to follow the browser's Accept-Language.

import type { MigrationContext } from './helpers';

export async function up(ctx: MigrationContext): Promise<void> {
  await ctx.db.schema.alterTable('users').addColumn('locale', 'text').execute();
}
