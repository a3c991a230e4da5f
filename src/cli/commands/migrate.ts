// `pactwatch migrate`: apply pending migrations and exit.

import { defineCommand } from '../command';
import { withDatabase } from '../database';

export const migrate = defineCommand({
  usage: 'migrate',
  summary: ['apply database migrations'],
  options: {},
  async run({ values }, io) {
    // the migrations withDatabase applied: migrating again here would find none and always say "up to date"
    const applied = await withDatabase(values.db, async (_db, names) => names);
    io.stderr(applied.length ? `applied ${applied.join(', ')}\n` : 'database is up to date\n');
    return 0;
  },
});
