import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliDatabases, runCli as run } from '../helpers/cli';
import { openDatabase } from '../../src/db/connect';
import { verifyPassword } from '../../src/security/password';
import { withProductionPasswordCost } from '../helpers/passwords';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pactwatch-cli-'));
const databases = cliDatabases('cli');
const newDbUrl = () => databases.newUrl();

afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await databases.cleanup();
});

describe('pactwatch CLI', () => {
  it('migrates, seeds the demo, and prints a scorecard as JSON', async () => {
    const db = newDbUrl();
    expect((await run(['migrate', '--db', db])).code).toBe(0);
    const seeded = await run(['seed', '--demo', '--db', db]);
    expect(seeded.code).toBe(0);
    expect(seeded.stderr).toMatch(/framework QUAD-2025 created/);
    const card = await run(['scorecard', '--as-of', '2026-06-30', '--known-at', '2026-06-30', '--perspective', 'CHN', '--db', db]);
    expect(card.code).toBe(0);
    const json = JSON.parse(card.stdout);
    expect(json).toMatchObject({ framework: 'QUAD-2025', methodology: 'v1.1', as_of: '2026-06-30', known_at: '2026-06-30T23:59:59.999Z', perspective: 'CHN' });
    expect(json.pillars.map((p: { code: string }) => p.code)).toEqual(['INTEL', 'DISRUPT', 'BORDER']);
    // defaults: JOINT and known-at now
    const joint = JSON.parse((await run(['scorecard', '--as-of', '2026-06-30', '--db', db])).stdout);
    expect(joint.perspective).toBe('JOINT');
    expect(Date.parse(joint.known_at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('imports a file, refuses a bad one with path: message lines, and supports --dry-run', async () => {
    const db = newDbUrl();
    const good = path.join(dir, 'good.json');
    fs.writeFileSync(good, JSON.stringify({
      framework: { code: 'F1', name: 'F', pillars: [{ code: 'P', name: 'P', benchmarks: [{ code: 'B', title: 'B', kind: 'assessment' }] }] },
      evidence: [{ ref: 'r1', title: 't', observed_on: '2026-01-01', source_reliability: 'A', credibility: 1, findings: [{ benchmark: 'B', stance: 2 }], verified_at: '2026-01-02T00:00:00Z' }],
    }));
    const bad = path.join(dir, 'bad.json');
    fs.writeFileSync(bad, JSON.stringify({
      framework_code: 'F1',
      evidence: [{ ref: 'r2', title: 't', observed_on: '2026-13-01', source_reliability: 'A', credibility: 9, findings: [{ benchmark: 'B', value: 3 }] }],
    }));

    const dry = await run(['import', good, '--dry-run', '--db', db]);
    expect(dry.code).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ dryRun: true, evidence: { created: 1 } });
    expect((await run(['scorecard', '--as-of', '2026-01-05', '--db', db])).code).toBe(1);

    const first = await run(['import', good, '--db', db]);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ dryRun: false, framework: { code: 'F1', change: 'created' }, evidence: { created: 1, updated: 0, unchanged: 0 } });
    const second = await run(['import', good, '--db', db]);
    expect(JSON.parse(second.stdout)).toEqual({ dryRun: false, framework: { code: 'F1', change: 'unchanged' }, evidence: { created: 0, updated: 0, unchanged: 1 } });

    const refused = await run(['import', bad, '--db', db]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^evidence\[0\]\.observed_on: /m);
    expect(refused.stderr).toMatch(/^evidence\[0\]\.credibility: /m);
    expect(refused.stderr).toMatch(/^evidence\[0\]\.findings\[0\]\.value: /m);
    expect(refused.stderr).toMatch(/nothing was written/);

    const card = JSON.parse((await run(['scorecard', '--as-of', '2026-01-05', '--db', db])).stdout);
    expect(card.pillars[0].benchmarks[0].findings).toBe(1);

    const missing = await run(['import', path.join(dir, 'nope.json'), '--db', db]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no such file/);
  });

  it('adds a user with the password from stdin, hashed with scrypt', async () => {
    const db = newDbUrl();
    // at the production cost, which is under test here
    const added = await withProductionPasswordCost(() => run(['user', 'add', '--email', 'Eva@Example.org', '--role', 'evaluator', '--delegation', 'PAK', '--name', 'Eva', '--db', db], 'a long enough passphrase\n'));
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ email: 'eva@example.org', role: 'evaluator', delegation: 'PAK' });
    const handle = await openDatabase(db);
    try {
      const user = await handle.kysely.selectFrom('users').selectAll().executeTakeFirstOrThrow();
      expect(user.password_hash).toMatch(/^scrypt\$17\$8\$1\$/);
      expect(await verifyPassword('a long enough passphrase', user.password_hash)).toBe(true);
    } finally {
      await handle.close();
    }
    const short = await run(['user', 'add', '--email', 'x@example.org', '--role', 'viewer', '--db', db], 'short\n');
    expect(short.code).toBe(1);
    expect(short.stderr).toMatch(/password: must be at least 12 characters/);
    const role = await run(['user', 'add', '--email', 'y@example.org', '--role', 'king', '--db', db], 'a long enough passphrase');
    expect(role.code).toBe(1);
    expect(role.stderr).toMatch(/role: must be one of/);
    const dup = await run(['user', 'add', '--email', 'eva@example.org', '--role', 'viewer', '--db', db], 'a long enough passphrase');
    expect(dup.code).toBe(1);
    expect(dup.stderr).toMatch(/already exists/);
  });

  it('exits 2 on bad usage', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['scorecard'])).code).toBe(2);
    expect((await run(['import'])).code).toBe(2);
    expect((await run(['seed', '--bogus'])).code).toBe(2);
    for (const cmd of [['backup'], ['restore'], ['backup', 'a.db', 'b.db'], ['restore', 'x.db', '--bogus']]) {
      const r = await run(cmd);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^pactwatch: (backup needs a FILE|restore needs a FILE|unexpected argument|Unknown option)/);
    }
  });

  it('exits 1 with a one-line reason on failure', async () => {
    const db = newDbUrl();
    const r = await run(['scorecard', '--as-of', '2026-01-01', '--db', db]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no framework/);
    const badDate = await run(['seed', '--db', db]).then(() => run(['scorecard', '--as-of', '2026-02-30', '--db', db]));
    expect(badDate.code).toBe(1);
    expect(badDate.stderr).toMatch(/as_of: must be a date/);
    const badPerspective = await run(['scorecard', '--as-of', '2026-02-01', '--perspective', 'XYZ', '--db', db]);
    expect(badPerspective.code).toBe(1);
    expect(badPerspective.stderr).toMatch(/perspective: must be one of JOINT, PAK/);
  });
});

describe('the installed command', () => {
  it('runs from bin/pactwatch.js through node with no build step', async () => {
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync(process.execPath, ['bin/pactwatch.js', 'help'], { encoding: 'utf8' });
    expect(out).toMatch(/usage: pactwatch/);
  });
});
