// `pactwatch migrate` says what it did: the migrations it applied to a new database, then that it is up to date.

import { afterAll, describe, expect, it } from 'vitest';
import { migrations } from '../../migrations/index';
import { cliDatabases, runCli } from '../helpers/cli';

const databases = cliDatabases('cli-migrate');
afterAll(() => databases.cleanup());

describe('pactwatch migrate', () => {
  it('names the migrations it applied, then says the database is up to date', async () => {
    const db = databases.newUrl();
    const first = await runCli(['migrate', '--db', db]);
    expect(first.code).toBe(0);
    expect(first.stdout).toBe('');
    expect(first.stderr).toBe(`applied ${Object.keys(migrations).join(', ')}\n`);
    const second = await runCli(['migrate', '--db', db]);
    expect(second.code).toBe(0);
    expect(second.stderr).toBe('database is up to date\n');
  });
});
