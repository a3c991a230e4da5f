// `pactwatch import FILE` streams the file: a file of many chunks imports exactly as the same content parsed
// whole; an error anywhere in a large file (item N) writes nothing and is listed with its path; a file that is
// not JSON deep inside writes nothing either; and memory does not grow with the file (a child process with a heap
// far too small to hold the file imports it).

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect';
import { openDatabase } from '../../src/db/connect';
import { migrateToLatest } from '../../src/db/migrate';
import { importFile, importSource } from '../../src/framework/import-service';
import { fileSource } from '../../src/framework/import-reader';
import { auditHead } from '../../src/audit/log';
import { verifyAudit } from '../../src/audit/verify';
import { seedDefault } from '../../src/seed/index';
import { closeTestDb, openTestDb } from '../helpers/db';
import { cliDatabases, runCli } from '../helpers/cli';
import { writeImportFile } from './fixtures/import-file';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pactwatch-import-stream-'));
const databases = cliDatabases('import-stream');
afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await databases.cleanup();
});

/** What readers see of the evidence, without ids or times. */
async function content(db: Db) {
  const rows = await db.kysely
    .selectFrom('evidence')
    .select(['id', 'ref', 'title', 'summary', 'source', 'url', 'observed_on', 'source_reliability', 'credibility', 'tlp', 'location', 'status', 'origin', 'verified_at', 'retracted_at'])
    .orderBy('ref')
    .execute();
  const findings = await db.kysely.selectFrom('findings').innerJoin('benchmarks', 'benchmarks.id', 'findings.benchmark_id').select(['findings.evidence_id', 'benchmarks.code', 'findings.stance', 'findings.value', 'findings.position']).execute();
  const tags = await db.kysely.selectFrom('evidence_groups').innerJoin('framework_groups', 'framework_groups.id', 'evidence_groups.group_id').select(['evidence_groups.evidence_id', 'framework_groups.code']).execute();
  const byId = new Map(rows.map((r) => [r.id, { ...r, id: undefined, credibility: Number(r.credibility), findings: [] as unknown[], groups: [] as string[] }]));
  for (const f of [...findings].sort((a, b) => Number(a.position) - Number(b.position))) byId.get(f.evidence_id)!.findings.push([f.code, f.stance === null ? null : Number(f.stance), f.value === null ? null : Number(f.value)]);
  for (const t of tags) byId.get(t.evidence_id)!.groups.push(t.code);
  for (const r of byId.values()) r.groups.sort();
  return [...byId.values()];
}

const count = async (db: Db, table: 'evidence' | 'findings' | 'evidence_groups' | 'import_batches' | 'audit_log') =>
  Number((await db.kysely.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

describe('streamed import', () => {
  it('imports a file of many chunks (framework code after the array) exactly as the same content parsed whole', async () => {
    const file = path.join(dir, 'chunks.json');
    // evidence first, its framework named after it: the reader reads the top level before the items
    writeImportFile(file, { count: 1200, seed: 5, head: {}, tail: { framework_code: 'QUAD-2025' }, pretty: true });
    const streamed = await openTestDb();
    const whole = await openTestDb();
    try {
      await seedDefault(streamed.kysely, { demo: true });
      await seedDefault(whole.kysely, { demo: true });
      const a = await importSource(streamed.kysely, fileSource(file, { chunkBytes: 4096 }));
      const b = await importFile(whole.kysely, JSON.parse(fs.readFileSync(file, 'utf8')));
      expect(a).toEqual({ ok: true, summary: { dryRun: false, framework: null, evidence: { created: 1200, updated: 0, unchanged: 0 } } });
      expect(b).toEqual(a);
      expect(await content(streamed)).toEqual(await content(whole));
      expect(await count(streamed, 'audit_log')).toBe(await count(whole, 'audit_log'));
      for (const db of [streamed, whole]) expect(await verifyAudit(db.kysely)).toMatchObject({ chain: { ok: true }, live: { ok: true, staging: { batches: 0, rows: 0 } } });
      // the same file again changes nothing
      expect(await importSource(streamed.kysely, fileSource(file, { chunkBytes: 4096 }))).toMatchObject({ ok: true, summary: { evidence: { created: 0, unchanged: 1200 } } });
    } finally {
      await closeTestDb(streamed);
      await closeTestDb(whole);
    }
  });

  it('lists every error of a large file with its path, the last item included, and writes nothing', async () => {
    const url = databases.newUrl();
    expect((await runCli(['seed', '--db', url])).code).toBe(0);
    const file = path.join(dir, 'errors.json');
    const N = 20_000;
    writeImportFile(file, {
      count: N,
      mutate: (i, item) => {
        if (i === 3000) item.ref = 'gen-0000011';
        if (i === 14_321) item.credibility = 9;
        if (i === N - 1) item.findings = [{ benchmark: 'NOPE', stance: 1 }];
        return item;
      },
    });
    expect(fs.statSync(file).size).toBeGreaterThan(8 << 20);
    const db = await openDatabase(url);
    try {
      const head = await auditHead(db.kysely);
      const before = await count(db, 'evidence');
      const r = await runCli(['import', file, '--db', url]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr.split('\n').filter((l) => l.startsWith('evidence'))).toEqual([
        'evidence[3000].ref: duplicate ref "gen-0000011" (first at evidence[10])',
        'evidence[14321].credibility: must be an integer from 1 to 6',
        `evidence[${N - 1}].findings[0].benchmark: unknown benchmark "NOPE"`,
      ]);
      expect(r.stderr).toMatch(/has 3 error\(s\); nothing was written/);
      expect(await count(db, 'evidence')).toBe(before);
      expect(await count(db, 'import_batches')).toBe(0);
      expect(await auditHead(db.kysely)).toEqual(head);

      // broken JSON deep in the file: named by its item and byte, nothing written
      const broken = path.join(dir, 'broken.json');
      writeImportFile(broken, { count: 5000, mutate: (i, item) => (i === 4321 ? { ...item, tlp: 'MARKER' } : item) });
      const text = fs.readFileSync(broken, 'utf8').replace('"tlp":"MARKER"', '"tlp":GREEN');
      fs.writeFileSync(broken, text);
      const bad = await runCli(['import', broken, '--db', url]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(new RegExp(`^import: ${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON: evidence\\[4321\\] \\(at byte ${Buffer.byteLength(text.slice(0, text.indexOf('{"ref":"gen-0004322"')))}\\): .*; nothing was written$`, 'm'));
      expect(await count(db, 'evidence')).toBe(before);
      expect(await auditHead(db.kysely)).toEqual(head);
    } finally {
      await db.close();
    }
  }, 300_000);

  it('imports a 200,000-item file in a process whose heap could not hold it (memory does not grow with the file)', async () => {
    const file = path.join(dir, 'large.json');
    const ITEMS = 200_000;
    writeImportFile(file, { count: ITEMS, seed: 9 });
    const HEAP_MB = 96;
    const node = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, [`--max-old-space-size=${HEAP_MB}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (d) => (stdout += d));
        child.stderr.on('data', (d) => (stderr += d));
        child.on('close', (code) => resolve({ code, stdout, stderr }));
      });
    // the control: reading the file whole, as import did, does not fit in that heap
    const whole = await node(['-e', `JSON.parse(require('fs').readFileSync(${JSON.stringify(file)}, 'utf8'))`]);
    expect(whole.code).not.toBe(0);
    expect(whole.stderr).toMatch(/heap out of memory|Invalid string length|Cannot create a string/);

    const url = databases.newUrl();
    const setup = await openDatabase(url);
    try {
      await migrateToLatest(setup);
      await seedDefault(setup.kysely, { demo: false });
    } finally {
      await setup.close();
    }
    const r = await node(['bin/pactwatch.js', 'import', file, '--db', url]);
    expect(r.stderr).not.toMatch(/heap out of memory/);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ dryRun: false, framework: null, evidence: { created: ITEMS, updated: 0, unchanged: 0 } });
    const db = await openDatabase(url);
    try {
      expect(await count(db, 'evidence')).toBe(ITEMS);
      expect((await db.kysely.selectFrom('import_batches').select(['state', 'items']).execute())).toEqual([{ state: 'published', items: ITEMS }]);
    } finally {
      await db.close();
    }
  }, 900_000);
});
