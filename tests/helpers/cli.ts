// Running the `pactwatch` command in-process with captured output, on databases it can open itself (a file on
// SQLite, a schema of its own on PostgreSQL), removed when the suite ends.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { main } from '../../src/cli';
import { dropTestSchema, freshDatabaseUrl, onPostgres } from './db';

export async function runCli(args: string[], stdin = '') {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { stdout: (s) => out.push(s), stderr: (s) => err.push(s), stdin: async () => stdin });
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** New database URLs the CLI can open too (not :memory:); `cleanup` removes them all. */
export function cliDatabases(prefix: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `pactwatch-${prefix}-`));
  const schemas: string[] = [];
  return {
    newUrl(): string {
      const url = freshDatabaseUrl(path.join(dir, `${crypto.randomBytes(6).toString('hex')}.db`));
      if (onPostgres) schemas.push(new URL(url).searchParams.get('schema')!);
      return url;
    },
    async cleanup(): Promise<void> {
      fs.rmSync(dir, { recursive: true, force: true });
      for (const s of schemas) await dropTestSchema(s);
    },
  };
}
