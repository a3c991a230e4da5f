import { afterAll, describe, expect, it } from 'vitest';
import { cliDatabases, runCli } from '../helpers/cli';

const databases = cliDatabases('cli-users');
const url = databases.newUrl();
const run = (args: string[], stdin = '') => runCli([...args, '--db', url], stdin);

afterAll(() => databases.cleanup());

describe('pactwatch user: the whole lifecycle from the command line', () => {
  it('adds, lists, updates, disables, enables and issues a password link', async () => {
    expect((await run(['user', 'add', '--email', 'ops@example.org', '--role', 'admin'], 'harbour violet evening tram\n')).code).toBe(0);
    expect((await run(['user', 'add', '--email', 'eva@example.org', '--role', 'evaluator', '--delegation', 'PAK'], 'orchid winter silver canal\n')).code).toBe(0);
    const listed = (await run(['user', 'list'])).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(listed.map((u: { email: string }) => u.email)).toEqual(['eva@example.org', 'ops@example.org']);

    const updated = await run(['user', 'update', '--email', 'eva@example.org', '--role', 'reviewer', '--delegation', 'SEC', '--name', 'Eva K.']);
    expect(updated.code).toBe(0);
    expect(JSON.parse(updated.stdout)).toMatchObject({ role: 'reviewer', delegation: 'SEC', name: 'Eva K.' });
    const badRole = await run(['user', 'update', '--email', 'eva@example.org', '--role', 'emperor']);
    expect(badRole.code).toBe(1);
    expect(badRole.stderr).toMatch(/role: must be one of/);

    expect(JSON.parse((await run(['user', 'disable', '--email', 'eva@example.org'])).stdout)).toEqual({ email: 'eva@example.org', disabled: true });
    expect(JSON.parse((await run(['user', 'enable', '--email', 'eva@example.org'])).stdout)).toEqual({ email: 'eva@example.org', disabled: false });
    const link = JSON.parse((await run(['user', 'reset-password', '--email', 'eva@example.org', '--base-url', 'https://pactwatch.example'])).stdout);
    expect(link.url).toMatch(/^https:\/\/pactwatch\.example\/set-password\?code=[A-Za-z0-9_-]{20,}$/);

    const weak = await run(['user', 'add', '--email', 'weak@example.org', '--role', 'viewer'], 'password1234');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toMatch(/password: is too easy to guess/);
    expect((await run(['user', 'disable', '--email', 'nobody@example.org'])).code).toBe(1);
    expect((await run(['user', 'frobnicate'])).code).toBe(2);

    const audit = await run(['audit', 'verify']);
    expect(audit.code).toBe(0);
    expect(JSON.parse(audit.stdout).entries).toBeGreaterThanOrEqual(6);
  });

  it('creates an API token shown once', async () => {
    const created = await run(['token', 'create', '--email', 'ops@example.org', '--name', 'monitoring']);
    expect(created.code).toBe(0);
    expect(created.stdout.trim()).toMatch(/^pw_[A-Za-z0-9_-]{40,}$/);
    expect((await run(['token', 'create', '--email', 'nobody@example.org'])).code).toBe(1);
  });
});
