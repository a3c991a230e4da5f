// `pactwatch explain` (INTERFACES.md): the explanation JSON on stdout, exit 0; 2 on bad usage before touching a
// database; 1 with a one-line reason on stderr when the request is wrong. Runs on SQLite or PostgreSQL.

import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliDatabases, runCli } from '../helpers/cli';

type Json = any;

const dbs = cliDatabases('explain');
afterAll(() => dbs.cleanup());

describe('pactwatch explain', () => {
  let db = '';
  beforeAll(async () => {
    db = dbs.newUrl();
    const seeded = await runCli(['seed', '--demo', '--db', db]);
    expect(seeded.code, seeded.stderr).toBe(0);
  });

  it('prints why the demo scores moved over a quarter, every change split exactly', async () => {
    const run = await runCli(['explain', '--from', '2026-03-31', '--to', '2026-06-30', '--from-known-at', '2026-06-30', '--to-known-at', '2026-06-30', '--perspective', 'PAK', '--db', db]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe('');
    const x = JSON.parse(run.stdout);
    expect(x).toMatchObject({
      framework: 'QUAD-2025',
      methodology: 'v1.1',
      perspective: 'PAK',
      from: { as_of: '2026-03-31', known_at: '2026-06-30T23:59:59.999Z' },
      to: { as_of: '2026-06-30', known_at: '2026-06-30T23:59:59.999Z' },
    });
    // the scorecards the explanation joins
    const card = async (asOf: string) =>
      JSON.parse((await runCli(['scorecard', '--as-of', asOf, '--known-at', '2026-06-30', '--perspective', 'PAK', '--db', db])).stdout);
    const [a, b] = [await card('2026-03-31'), await card('2026-06-30')];
    expect(x.overall.from).toBe(a.overall.score);
    expect(x.overall.to).toBe(b.overall.score);
    expect(x.pillars.map((p: Json) => p.code)).toEqual(b.pillars.map((p: Json) => p.code));
    expect(x.benchmarks.map((p: Json) => p.code)).toEqual(b.pillars.flatMap((p: Json) => p.benchmarks.map((y: Json) => y.code)));
    let findings = 0;
    for (const level of [x.overall, ...x.pillars, ...x.benchmarks]) {
      if (level.change === null) continue;
      const sum = level.contributions.reduce((s: number, c: Json) => s + c.points, 0);
      expect(Math.abs(sum - level.change)).toBeLessThan(1e-9);
    }
    for (const bench of x.benchmarks) {
      for (const c of bench.contributions) {
        findings += 1;
        // the operator's tool names every item by its ref (the demo evidence has refs)
        expect(Object.keys(c)).toEqual(['ref', 'finding', 'kind', 'points']);
        expect(typeof c.ref).toBe('string');
        expect(['new', 'aged', 'removed']).toContain(c.kind);
      }
    }
    expect(findings).toBeGreaterThan(0);
  });

  it('takes "now" for a known-at left out, the same instant for both views', async () => {
    const before = Date.now();
    const run = await runCli(['explain', '--from', '2026-06-30', '--to', '2026-06-30', '--db', db]);
    expect(run.code, run.stderr).toBe(0);
    const x = JSON.parse(run.stdout);
    expect(x.perspective).toBe('JOINT');
    expect(x.from.known_at).toBe(x.to.known_at);
    expect(Date.parse(x.to.known_at)).toBeGreaterThanOrEqual(before - 1000);
    // the same views: nothing changed
    expect(x.overall.change === null || x.overall.change === 0).toBe(true);
    for (const b of x.benchmarks) expect(b.contributions).toEqual([]);
  });

  it('exits 2 on bad usage without touching a database', async () => {
    const untouched = `${fs.mkdtempSync('/tmp/pactwatch-explain-')}/never.db`;
    for (const args of [['explain'], ['explain', '--from', '2026-03-31'], ['explain', '--to', '2026-03-31'], ['explain', '--from', '2026-03-31', '--to', '2026-06-30', '--bogus']]) {
      const run = await runCli([...args, '--db', untouched]);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.split('\n')[0]).toMatch(/^pactwatch: /);
    }
    expect(fs.existsSync(untouched)).toBe(false);
  });

  it('exits 1 with a one-line reason for a bad date, perspective or framework', async () => {
    const cases: [string[], RegExp][] = [
      [['--from', '2026-02-30', '--to', '2026-06-30'], /^pactwatch explain: from: must be a date YYYY-MM-DD\n$/],
      [['--from', '2026-03-31', '--to', '2026-06-30', '--to-known-at', 'soon'], /^pactwatch explain: to_known_at: .+\n$/],
      [['--from', '2026-03-31', '--to', '2026-06-30', '--perspective', 'XYZ'], /^pactwatch explain: perspective: must be one of JOINT, .+\n$/],
      [['--from', '2026-03-31', '--to', '2026-06-30', '--framework', 'NOPE'], /^pactwatch explain: unknown framework "NOPE"\n$/],
    ];
    for (const [args, stderr] of cases) {
      const run = await runCli(['explain', ...args, '--db', db]);
      expect(run.code, args.join(' ')).toBe(1);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(stderr);
    }
  });
});
