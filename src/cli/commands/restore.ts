// `pactwatch restore FILE [--force]`: check a backup and put it in place of the database (the server stopped
// first). src/ops/backup.ts checks the backup, swaps it in and migrates it; this command prints the head to
// compare with the one kept at backup time.

import { restoreDatabase, type RestoreSummary } from '../../ops/backup';
import { defineCommand, UsageError } from '../command';
import { databaseUrl } from '../database';
import { counted, headText } from '../text';

function describeRestore(s: RestoreSummary): string {
  const migrated = s.migrations_applied.length ? `, migrations applied: ${s.migrations_applied.join(', ')}` : '';
  return (
    `restore: ${s.from} checked and restored into ${s.into} (${counted(s.counts.evidence, 'evidence item', 'evidence items')}, ` +
    `audit log intact with ${counted(s.entries, 'entry', 'entries')}${migrated}); head ${headText(s.head)}. ` +
    `Compare it with the head kept at backup time: \`pactwatch audit verify --expect-head KEPT_HEAD\` fails unless they match`
  );
}

export const restore = defineCommand({
  usage: 'restore FILE [--force]',
  summary: [
    'check a backup and put it in place of the database (stop the server',
    "first); prints the log's head to compare with the one kept",
  ],
  options: { force: { type: 'boolean' } },
  positionals: 1,
  async run({ values, positionals }, io) {
    const file = positionals[0];
    if (!file) throw new UsageError('restore needs a FILE');
    const summary = await restoreDatabase(databaseUrl(values.db), file, { force: values.force ?? false, log: (line) => io.stderr(`${line}\n`) });
    io.stdout(`${JSON.stringify(summary)}\n`);
    io.stderr(`${describeRestore(summary)}\n`);
    return 0;
  },
});
