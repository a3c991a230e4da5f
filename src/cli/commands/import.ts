// `pactwatch import FILE [--dry-run]`: load a framework and/or evidence from a JSON file (INTERFACES.md). A file
// with any error writes nothing, and every error is printed as `path: message`. The file is streamed
// (framework/import-reader.ts): never read whole, so its size is bounded by the disk alone; a long import says
// how far it got on stderr every few seconds.

import { fileSource, ImportFileError } from '../../framework/import-reader';
import { importSource, type ImportProgress } from '../../framework/import-service';
import { defineCommand, UsageError } from '../command';
import { withDatabase } from '../database';
import { describeImport } from '../text';

/** Progress lines at most this often (a short import prints none). */
const PROGRESS_EVERY_MS = 5_000;

export const importCommand = defineCommand({
  usage: 'import FILE [--dry-run]',
  summary: ['load a framework and/or evidence from a JSON file'],
  options: { 'dry-run': { type: 'boolean' } },
  positionals: 1,
  async run({ values, positionals }, io) {
    const file = positionals[0];
    if (!file) throw new UsageError('import needs a FILE');
    const fail = (reason: string) => {
      io.stderr(`import: ${file}: ${reason}\n`);
      return 1;
    };
    const source = fileSource(file);
    // the top level is read before the database is opened: an unreadable file touches nothing
    try {
      await source.header();
    } catch (err) {
      if (err instanceof ImportFileError) return fail(err.message);
      const code = (err as NodeJS.ErrnoException).code;
      return fail(code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (err as Error).message);
    }
    const started = performance.now();
    let said = started;
    const say = (line: string) => {
      const now = performance.now();
      if (now - said < PROGRESS_EVERY_MS) return;
      said = now;
      io.stderr(`import: ${line} (${Math.round((now - started) / 1000)} s)\n`);
    };
    const onChecked = (items: number) => say(`${items} items checked`);
    const held: number[] = [];
    const onProgress = (p: ImportProgress) => {
      held.push(p.lockMs);
      if (p.phase === 'staged') say(`${p.staged} of ${p.stageable} new items written (not yet visible)`);
    };
    let result: Awaited<ReturnType<typeof importSource>>;
    try {
      result = await withDatabase(values.db, (db) => importSource(db.kysely, source, { dryRun: values['dry-run'] ?? false, onChecked, onProgress }));
    } catch (err) {
      if (err instanceof ImportFileError) return fail(`${err.message}; nothing was written`);
      throw err;
    }
    if (!result.ok) {
      for (const e of result.errors) io.stderr(`${e.path || '(file)'}: ${e.message}\n`);
      io.stderr(`import: ${file} has ${result.errors.length} error(s); nothing was written\n`);
      return 1;
    }
    io.stdout(`${JSON.stringify(result.summary)}\n`);
    io.stderr(`${describeImport(result.summary)}\n`);
    if (held.length > 1) {
      const sorted = [...held].sort((a, b) => a - b);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      io.stderr(`import: ${held.length} write transactions in ${seconds} s, each holding the write lock ${Math.round(sorted[sorted.length >> 1])} ms (median), ${Math.round(sorted[sorted.length - 1])} ms at most\n`);
    }
    return 0;
  },
});
