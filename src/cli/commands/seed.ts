// `pactwatch seed [--demo]`: load the default four-state framework, and with --demo the demo evidence.

import { seedDefault } from '../../seed/index';
import { defineCommand } from '../command';
import { withDatabase } from '../database';
import { describeImport } from '../text';

export const seed = defineCommand({
  usage: 'seed [--demo]',
  summary: ['load the default four-state framework (--demo: and demo evidence)'],
  options: { demo: { type: 'boolean' } },
  async run({ values }, io) {
    const summary = await withDatabase(values.db, (db) => seedDefault(db.kysely, { demo: values.demo ?? false }));
    io.stderr(`${describeImport(summary.framework)}\n`);
    if (summary.demo) io.stderr(`demo: ${describeImport(summary.demo)}\n`);
    return 0;
  },
});
