// `pactwatch import FILE [--dry-run]`: load a framework and/or evidence from a JSON file (INTERFACES.md). A file
// with any error writes nothing, and every error is printed as `path: message`.

import fs from 'node:fs';
import { importFile } from '../../framework/import-service';
import { defineCommand, UsageError } from '../command';
import { withDatabase } from '../database';
import { describeImport } from '../text';

export const importCommand = defineCommand({
  usage: 'import FILE [--dry-run]',
  summary: ['load a framework and/or evidence from a JSON file'],
  options: { 'dry-run': { type: 'boolean' } },
  positionals: 1,
  async run({ values, positionals }, io) {
    const file = positionals[0];
    if (!file) throw new UsageError('import needs a FILE');
    // read before the database is opened: an unreadable file touches nothing
    let raw: unknown;
    try {
      raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
      io.stderr(`import: ${file}: ${reason}\n`);
      return 1;
    }
    const result = await withDatabase(values.db, (db) => importFile(db.kysely, raw, { dryRun: values['dry-run'] ?? false }));
    if (!result.ok) {
      for (const e of result.errors) io.stderr(`${e.path || '(file)'}: ${e.message}\n`);
      io.stderr(`import: ${file} has ${result.errors.length} error(s); nothing was written\n`);
      return 1;
    }
    io.stdout(`${JSON.stringify(result.summary)}\n`);
    io.stderr(`${describeImport(result.summary)}\n`);
    return 0;
  },
});
