// SIGKILL under concurrent writers that retry with Idempotency-Key (issue 10): the server is killed three times
// while four clients log evidence, each retrying the same key and body until it gets an answer. Afterwards every
// acknowledged item is there exactly once, no key created two items (a retry of a request that had committed
// before the kill gets the stored answer), the database is intact, and `pactwatch audit verify` says so.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connect';
import { migrateToLatest } from '../../src/db/migrate';
import { seedDefault } from '../../src/seed/index';
import { createUser } from '../../src/users/service';
import { createApiToken } from '../../src/auth/tokens';
import { CLI_ACTOR } from '../../src/audit/log';
import { dropTestSchema } from '../helpers/db';
import { PG_URL, ROOT, postgresReachable, request, startServer, until, type Server } from './helpers';
import { freePort } from './harness';

const WRITERS = 4;
const KILLS = 3;

const reachable = await postgresReachable();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pactwatch-kill-'));
const pgSchema = `fault_kill_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
const targets: [string, string, boolean][] = [
  ['SQLite', path.join(dir, 'pactwatch.db'), true],
  ['PostgreSQL', (() => { const u = new URL(PG_URL); u.searchParams.set('schema', pgSchema); return u.toString(); })(), reachable],
];

afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  if (reachable) await dropTestSchema(pgSchema).catch(() => undefined);
});

describe.each(targets)('SIGKILL under concurrent writers on %s', (_name, url, available) => {
  it.skipIf(!available)('keeps every acknowledged item exactly once, no key twice, and the log intact', async () => {
    const db = await openDatabase(url);
    await migrateToLatest(db);
    await seedDefault(db.kysely, { demo: false });
    const user = await createUser(db.kysely, { email: 'writer@faults.example', role: 'evaluator', delegation: 'PAK', password: 'fault suite writer password' });
    const token = (await createApiToken(db.kysely, user, 'faults', CLI_ACTOR)).token;
    await db.close();

    const port = String(await freePort());
    const env = { DEMO_ON_FIRST_START: 'false', PORT: port };
    let server: Server = await startServer(url, { env });
    const base = server.url;
    const acknowledged = new Map<string, number>();
    const sent = new Set<string>();
    const refusals: string[] = [];
    let running = true;

    const writer = async (w: number) => {
      let n = 0;
      while (running) {
        n += 1;
        const key = `w${w}-${n}-${crypto.randomBytes(4).toString('hex')}`;
        const body = JSON.stringify({ title: `Kill test ${key}`, observed_on: '2026-03-01', source_reliability: 'B', credibility: 2, tlp: 'GREEN', findings: [{ benchmark: 'BORDER-1', stance: 1 }], submit: true });
        sent.add(key);
        // the same key and body until an answer comes (the client cannot tell whether a lost try committed)
        for (let attempt = 0; ; attempt += 1) {
          const res = await request(base, 'write', { path: '/api/v1/evidence', method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key }, body }, 10_000);
          if (res.status === 201) {
            acknowledged.set(key, (JSON.parse(res.body) as { id: number }).id);
            break;
          }
          if (res.status !== 0 && res.status !== 503) {
            refusals.push(`${key}: ${res.status} ${res.body.slice(0, 160)}`);
            break;
          }
          await new Promise((r) => setTimeout(r, 50 + Math.random() * 100));
          if (attempt > 2_000) throw new Error(`${key}: no answer after ${attempt} tries`);
        }
      }
    };
    const writers = Array.from({ length: WRITERS }, (_, w) => writer(w));

    for (let kill = 0; kill < KILLS; kill += 1) {
      const before = acknowledged.size;
      await until(`writes acknowledged before kill ${kill + 1}`, () => acknowledged.size >= before + 20 + Math.floor(Math.random() * 30), 60_000);
      server.child.kill('SIGKILL');
      await server.exited;
      server = await startServer(url, { env });
    }
    const last = acknowledged.size;
    await until('writes after the last restart', () => acknowledged.size >= last + 20, 60_000);
    running = false;
    await Promise.all(writers);
    server.child.kill('SIGTERM');
    await server.exited;

    expect(refusals).toEqual([]);
    const check = await openDatabase(url);
    try {
      const rows = await check.kysely.selectFrom('evidence').select(['id', 'title']).where('title', 'like', 'Kill test %').execute();
      const byKey = new Map<string, number[]>();
      for (const r of rows) {
        const key = r.title.slice('Kill test '.length);
        byKey.set(key, [...(byKey.get(key) ?? []), r.id]);
      }
      // no key made two items
      expect([...byKey].filter(([, ids]) => ids.length > 1)).toEqual([]);
      // every acknowledged item is there, under its key, with the id the client was given
      const missing = [...acknowledged].filter(([key, id]) => byKey.get(key)?.[0] !== id);
      expect(missing).toEqual([]);
      // nothing appeared that was never sent
      expect([...byKey.keys()].filter((k) => !sent.has(k))).toEqual([]);
      if (check.dialect === 'sqlite') {
        const { rows: integrity } = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(check.kysely);
        expect(integrity.map((r) => r.integrity_check)).toEqual(['ok']);
      }
    } finally {
      await check.close();
    }
    const verify = spawnSync(process.execPath, [path.join(ROOT, 'bin/pactwatch.js'), 'audit', 'verify', '--db', url], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect({ status: verify.status, stderr: verify.stderr.trim().split('\n').pop() }).toMatchObject({ status: 0, stderr: expect.stringMatching(/intact/) });
    expect(acknowledged.size).toBeGreaterThan(80);
  }, 300_000);
});
