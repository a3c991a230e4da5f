// `pactwatch backup FILE [--force]`: a consistent, checked copy of the database while the server runs (SQLite: a
// file; PostgreSQL: a pg_dump archive). Prints the summary on stdout and the audit head to keep on stderr.
// src/ops/backup.ts opens (and migrates) the database its own way, so this command only passes the URL on.

import { backupDatabase, type BackupSummary } from '../../ops/backup';
import { defineCommand, UsageError } from '../command';
import { databaseUrl } from '../database';
import { counted, headText } from '../text';

function describeBackup(s: BackupSummary): string {
  const keep = s.head
    ? `Keep this head somewhere other than the server: after a restore, \`pactwatch audit verify --expect-head ${s.head}\` checks against it`
    : 'The audit log is empty: there is no head to keep yet';
  return (
    `backup: ${s.file} written and checked (${s.bytes} bytes, sha256 ${s.sha256}, ${counted(s.counts.evidence, 'evidence item', 'evidence items')}, ` +
    `audit log intact with ${counted(s.entries, 'entry', 'entries')}) in ${(s.duration_ms / 1000).toFixed(1)} s; head ${headText(s.head)}. ${keep}`
  );
}

export const backup = defineCommand({
  usage: 'backup FILE [--force]',
  summary: [
    'write a consistent, checked copy of the database while the server runs',
    "(SQLite: a file; PostgreSQL: a pg_dump archive); prints the log's head",
  ],
  options: { force: { type: 'boolean' } },
  positionals: 1,
  async run({ values, positionals }, io) {
    const file = positionals[0];
    if (!file) throw new UsageError('backup needs a FILE');
    const summary = await backupDatabase(databaseUrl(values.db), file, { force: values.force ?? false, log: (line) => io.stderr(`${line}\n`) });
    io.stdout(`${JSON.stringify(summary)}\n`);
    io.stderr(`${describeBackup(summary)}\n`);
    return 0;
  },
});
