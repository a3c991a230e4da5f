// What `pactwatch backup` costs a server that keeps writing, on SQLite: a database of ITEMS generated evidence
// items, a writer process creating and verifying items through the services (tests/integration/fixtures/
// evidence-writer.ts, one JSON line per item with the milliseconds its two transactions took), and the backup run
// as its own process in the middle. Prints the backup's own duration and the writer's item times before and
// during the backup. Not part of `npm run bench`: it measures a process pair, not a function.
//   node --import tsx benchmarks/backup-stall.ts [ITEMS]        (default 20000)

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../src/db/connect';
import { migrateToLatest } from '../src/db/migrate';
import { seedDefault } from '../src/seed/index';
import { importFile } from '../src/framework/import-service';
import { createUser } from '../src/users/service';
import { defaultImportFramework, importEvidenceFile } from './generate';

const items = Number(process.argv[2] ?? 20_000);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pactwatch-backup-stall-'));
const live = path.join(dir, 'live.db');
const file = path.join(dir, 'backup.db');

const db = await openDatabase(live);
await migrateToLatest(db);
await seedDefault(db.kysely, { demo: false });
const framework = defaultImportFramework();
for (let done = 0, seed = 1; done < items; done += 5000, seed += 1) {
  const chunk = importEvidenceFile(framework, Math.min(5000, items - done), seed) as { evidence: { ref: string }[] };
  for (const e of chunk.evidence) e.ref = `chunk${seed}-${e.ref}`;
  const result = await importFile(db.kysely, chunk, { dryRun: false });
  if (!result.ok) throw new Error(`generated evidence did not import: ${result.errors[0]?.message}`);
}
const password = 'a long benchmark passphrase 1';
await createUser(db.kysely, { email: 'writer@example.org', role: 'evaluator', delegation: 'PAK', name: null, password });
await createUser(db.kysely, { email: 'reviewer@example.org', role: 'reviewer', delegation: 'PAK', name: null, password });
await db.close();
const size = fs.statSync(live).size;

const samples: { at: number; ms: number }[] = [];
const writer = spawn(process.execPath, ['--import', 'tsx', 'tests/integration/fixtures/evidence-writer.ts', live, 'writer@example.org', 'reviewer@example.org'], { stdio: 'pipe' });
let pending = '';
writer.stdout.on('data', (d: Buffer) => {
  pending += d.toString('utf8');
  const lines = pending.split('\n');
  pending = lines.pop()!;
  for (const line of lines) samples.push({ at: Date.now(), ms: JSON.parse(line).ms });
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
await sleep(4000);

const backupStart = Date.now();
const backup = spawn(process.execPath, ['bin/pactwatch.js', 'backup', file, '--db', live], { stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
backup.stdout.on('data', (d) => (out += d));
const code = await new Promise<number>((resolve) => backup.on('close', (c) => resolve(c ?? 1)));
const backupEnd = Date.now();
await sleep(2000);
writer.stdin.end();
await new Promise((r) => writer.on('close', r));

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return `${s.length} items, median ${at(0.5)} ms, p99 ${at(0.99)} ms, max ${s[s.length - 1]} ms`;
};
const summary = JSON.parse(out);
console.log(`database: ${items} generated items + writer, ${(size / 2 ** 20).toFixed(1)} MiB at start`);
console.log(`backup: exit ${code}, copy ${summary.copy_ms} ms, ${summary.duration_ms} ms inside the command (copy + check), ${((backupEnd - backupStart) / 1000).toFixed(1)} s as a process, ${(summary.bytes / 2 ** 20).toFixed(1)} MiB`);
console.log(`writer before the backup: ${stats(samples.filter((s) => s.at < backupStart).map((s) => s.ms))}`);
console.log(`writer while the backup process ran: ${stats(samples.filter((s) => s.at >= backupStart && s.at <= backupEnd).map((s) => s.ms))}`);
const slowest = samples.filter((s) => s.at >= backupStart && s.at <= backupEnd).sort((a, b) => b.ms - a.ms).slice(0, 5);
console.log(`slowest items while it ran (ms, at ms after the backup process started): ${slowest.map((s) => `${s.ms} at ${s.at - backupStart}`).join(', ')}`);
fs.rmSync(dir, { recursive: true, force: true });
