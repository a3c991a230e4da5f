// `pactwatch explain --from DATE --to DATE ...`: print the explanation JSON of INTERFACES.md (METHODOLOGY.md section 9).

import { buildExplanation } from '../../scorecards/explain';
import { defineCommand, UsageError } from '../command';
import { withDatabase } from '../database';

export const explain = defineCommand({
  usage: 'explain --from DATE --to DATE [--from-known-at D] [--to-known-at D] [--perspective P] [--framework F]',
  summary: ['print why scores changed between two views (explanation JSON)'],
  options: {
    from: { type: 'string' },
    to: { type: 'string' },
    'from-known-at': { type: 'string' },
    'to-known-at': { type: 'string' },
    perspective: { type: 'string' },
    framework: { type: 'string' },
  },
  async run({ values }, io) {
    if (!values.from) throw new UsageError('explain needs --from DATE');
    if (!values.to) throw new UsageError('explain needs --to DATE');
    const { explanation } = await withDatabase(values.db, (db) =>
      buildExplanation(db.kysely, {
        framework: values.framework,
        perspective: values.perspective,
        from: values.from,
        to: values.to,
        fromKnownAt: values['from-known-at'],
        toKnownAt: values['to-known-at'],
      }),
    );
    io.stdout(`${JSON.stringify(explanation, null, 2)}\n`);
    return 0;
  },
});
