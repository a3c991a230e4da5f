// `pactwatch migrate`: apply pending migrations and exit.

import { migrateToLatest } from '../../db/migrate';
import { defineCommand } from '../command';
import { withDatabase } from '../database';

export const migrate = defineCommand({
  usage: 'migrate',
  summary: ['apply database migrations'],
  options: {},
  async run({ values }, io) {
    const applied = await withDatabase(values.db, async (db) => migrateToLatest(db));
    io.stderr(applied.length ? `applied ${applied.join(', ')}\n` : 'database is up to date\n');
    return 0;
  },
});
