// The smoke at scale (`npm run bench -- --smoke`): on the generated data set, every page, export, report, import and
// the CLI's audit verify and scorecard answer without error, each within a bounded time. Records how long each
// took; any failure makes the run exit 1.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../src/db/connect';
import { importFile } from '../src/framework/import-service';
import { produceReport } from '../src/reports/service';
import { parsePeriod } from '../src/reports/periods';
import { createApiToken } from '../src/auth/tokens';
import { findUserByEmail } from '../src/users/repository';
import { defaultImportFramework, importEvidenceFile } from './generate';
import { fetchOnce } from './load';
import { startApp } from './servers';
import { signInHttp } from './scale';
import { nowMs, progress } from './harness';
import type { WorkDb } from './workdb';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** One line for a table cell: an HTML page's title and first paragraph, or the text's first 160 characters. */
function errorText(text: string): string {
  const title = /<title>([^<]*)<\/title>/i.exec(text)?.[1];
  const para = /<p[^>]*>([^<]*)</i.exec(text)?.[1];
  return (title ? `${title}${para ? `: ${para}` : ''}` : text).replace(/\s+/g, ' ').trim().slice(0, 160);
}

function cliSummary(out: string): string {
  const text = out.trim();
  if (text.startsWith('{')) {
    try {
      const card = JSON.parse(text) as { overall?: { score: number | null; status: string } };
      return `scorecard JSON, ${text.length} bytes; overall ${card.overall?.score?.toFixed(1) ?? 'null'} (${card.overall?.status})`;
    } catch {
      return `${text.length} bytes`;
    }
  }
  return errorText(text.split('\n').pop()!);
}

export interface SmokeCheck {
  what: string;
  ok: boolean;
  ms: number;
  note: string;
}

async function cli(args: string[], timeoutMs: number): Promise<{ code: number | null; ms: number; out: string; timedOut: boolean }> {
  const t0 = nowMs();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/pactwatch.js', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out = (out + d.toString('utf8')).slice(-4000)));
    child.stderr.on('data', (d: Buffer) => (out = (out + d.toString('utf8')).slice(-4000)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, ms: nowMs() - t0, out, timedOut });
    });
  });
}

export async function runSmoke(work: WorkDb, options: { timeoutS: number }): Promise<SmokeCheck[]> {
  const checks: SmokeCheck[] = [];
  const timeoutMs = options.timeoutS * 1000;
  const db = await openDatabase(work.url);
  const app = await startApp(work.url);
  try {
    const evaluator = (await findUserByEmail(db.kysely, 'eval.pak.1@bench.example'))!;
    const { token } = await createApiToken(db.kysely, evaluator, 'smoke', { id: evaluator.id, label: evaluator.email });
    const as = {
      viewer: await signInHttp(app.baseUrl, 'viewer.pak@bench.example'),
      evaluator: await signInHttp(app.baseUrl, 'eval.pak.1@bench.example'),
      reviewer: await signInHttp(app.baseUrl, 'rev.sec@bench.example'),
      admin: await signInHttp(app.baseUrl, 'admin@bench.example'),
    };
    const fw = await db.kysely.selectFrom('frameworks').select('id').where('code', '=', 'QUAD-2025').executeTakeFirstOrThrow();
    const codes = {
      benchmarks: (await db.kysely.selectFrom('benchmarks').select('code').where('framework_id', '=', fw.id).orderBy('position').execute()).map((r) => r.code),
      pillars: (await db.kysely.selectFrom('pillars').select('code').where('framework_id', '=', fw.id).orderBy('position').execute()).map((r) => r.code),
      groups: (await db.kysely.selectFrom('framework_groups').select('code').where('framework_id', '=', fw.id).orderBy('position').execute()).map((r) => r.code),
    };
    const itemIds: { status: string; id: number }[] = [];
    for (const status of ['draft', 'submitted', 'verified', 'rejected', 'retracted', 'superseded'] as const) {
      const row = await db.kysely.selectFrom('evidence').select('id').where('status', '=', status).orderBy('id', 'desc').limit(1).executeTakeFirst();
      if (row) itemIds.push({ status, id: row.id });
    }
    const correction = await db.kysely.selectFrom('evidence').select('id').where('supersedes_id', 'is not', null).limit(1).executeTakeFirst();
    const report = await db.kysely.selectFrom('reports').select('id').orderBy('id', 'desc').limit(1).executeTakeFirst();

    const gets: [keyof typeof as, string][] = [
      ['viewer', '/'],
      ['viewer', '/?as_of=2025-06-30&known_at=2025-07-01&perspective=PAK'],
      ['viewer', '/perspectives'],
      ['viewer', '/methodology'],
      ...codes.benchmarks.map((c): [keyof typeof as, string] => ['viewer', `/benchmarks/${c}`]),
      ...codes.pillars.map((c): [keyof typeof as, string] => ['viewer', `/pillars/${c}`]),
      ...codes.groups.map((c): [keyof typeof as, string] => ['viewer', `/groups/${c}`]),
      ['viewer', '/evidence'],
      ['viewer', '/evidence?q=Torkham'],
      ['viewer', '/evidence?benchmark=BORDER-1&status=verified&group=TTP&from=2025-01-01&to=2025-12-31'],
      ['viewer', '/evidence?pillar=DISRUPT&tlp=AMBER&page=3'],
      ...itemIds.map((x): [keyof typeof as, string] => ['admin', `/evidence/${x.id}`]),
      ...(correction ? [['viewer', `/evidence/${correction.id}`] as [keyof typeof as, string]] : []),
      ['viewer', '/reports'],
      ...(report ? (['', '.json', '.csv'].map((ext) => ['viewer', `/reports/${report.id}${ext}`]) as [keyof typeof as, string][]) : []),
      ['viewer', '/api/v1/scorecard'],
      ['viewer', '/api/v1/scorecard?as_of=2025-12-31&known_at=2026-01-05&perspective=CHN'],
      ['viewer', '/api/v1/evidence'],
      ...itemIds.slice(0, 3).map((x): [keyof typeof as, string] => ['admin', `/api/v1/evidence/${x.id}`]),
      ['evaluator', '/evidence/new'],
      ['evaluator', '/evidence/import'],
      ['evaluator', '/account/tokens'],
      ['reviewer', '/review'],
      ['admin', '/admin/users'],
      ['admin', '/admin/security-log'],
      ['admin', '/admin/report-runs'],
    ];
    progress(`smoke: ${gets.length} pages and downloads, at most ${options.timeoutS} s each`);
    for (const [who, path] of gets) {
      const r = await fetchOnce(`${app.baseUrl}${path}`, { headers: { cookie: as[who] }, timeoutMs });
      checks.push({ what: `GET ${path} (${who})`, ok: r.status === 200, ms: r.ms, note: r.status === 200 ? `${r.body.length} bytes` : r.timedOut ? `no answer within ${options.timeoutS} s` : `status ${r.status}` });
    }
    const post = await fetchOnce(`${app.baseUrl}/api/v1/evidence`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Smoke item', observed_on: '2026-11-01', source_reliability: 'C', credibility: 3, tlp: 'GREEN', findings: [{ benchmark: 'INTEL-1', stance: 0 }], submit: true }),
      timeoutMs,
    });
    checks.push({ what: 'POST /api/v1/evidence (evaluator token)', ok: post.status === 201, ms: post.ms, note: `status ${post.status}` });

    progress('smoke: import of 1,000 items, a monthly report, audit verify and scorecard through the CLI');
    let t0 = nowMs();
    const file = importEvidenceFile(defaultImportFramework(), 1000, 4242) as { evidence: { ref: string }[] };
    for (const e of file.evidence) e.ref = `smoke-${e.ref}`;
    const imported = await importFile(db.kysely, file);
    checks.push({ what: 'import of 1,000 items (importFile)', ok: imported.ok, ms: nowMs() - t0, note: imported.ok ? JSON.stringify(imported.summary.evidence) : imported.errors.slice(0, 2).map((e) => e.message).join('; ') });
    t0 = nowMs();
    try {
      const r = await produceReport(db.kysely, { period: parsePeriod('monthly', '2025-11')!, trigger: 'cli' });
      checks.push({ what: 'monthly report 2025-11 (produceReport)', ok: r.outcome === 'produced', ms: nowMs() - t0, note: r.outcome });
    } catch (err) {
      checks.push({ what: 'monthly report 2025-11 (produceReport)', ok: false, ms: nowMs() - t0, note: (err as Error).message });
    }
    // last: an export the client gives up on goes on in the server, and would slow every check after it
    for (const path of ['/evidence/export.csv', '/evidence/export.json']) {
      const r = await fetchOnce(`${app.baseUrl}${path}`, { headers: { cookie: as.admin }, timeoutMs });
      checks.push({ what: `GET ${path} (admin, every item)`, ok: r.status === 200, ms: r.ms, note: r.status === 200 ? `${r.body.length} bytes` : r.timedOut ? `no answer within ${options.timeoutS} s` : `status ${r.status}: ${errorText(r.body.toString('utf8'))}` });
    }
  } finally {
    await app.stop();
    await db.close();
  }
  for (const args of [['audit', 'verify'], ['scorecard', '--as-of', '2026-10-31', '--perspective', 'PAK']]) {
    const r = await cli([...args, '--db', work.url], Math.max(timeoutMs, 600_000));
    checks.push({ what: `pactwatch ${args.join(' ')}`, ok: r.code === 0, ms: r.ms, note: r.timedOut ? 'no answer within the time limit' : r.code === 0 ? cliSummary(r.out) : `exit ${r.code}: ${errorText(r.out.slice(-300))}` });
  }
  return checks;
}

