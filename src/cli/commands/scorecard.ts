// `pactwatch scorecard --as-of DATE ...`: print the scorecard JSON of INTERFACES.md.

import { buildScorecard } from '../../scorecards/service';
import { defineCommand, UsageError } from '../command';
import { withDatabase } from '../database';

export const scorecard = defineCommand({
  usage: 'scorecard --as-of DATE [--known-at DATE] [--perspective CODE] [--framework CODE]',
  summary: ['print the scorecard JSON'],
  options: {
    'as-of': { type: 'string' },
    'known-at': { type: 'string' },
    perspective: { type: 'string' },
    framework: { type: 'string' },
  },
  async run({ values }, io) {
    const asOf = values['as-of'];
    if (!asOf) throw new UsageError('scorecard needs --as-of DATE');
    const { scorecard } = await withDatabase(values.db, (db) =>
      buildScorecard(db.kysely, { framework: values.framework, asOf, knownAt: values['known-at'], perspective: values.perspective }),
    );
    io.stdout(`${JSON.stringify(scorecard, null, 2)}\n`);
    return 0;
  },
});
