// pactwatch at full size (issue 12): PACTWATCH_SCALE_ITEMS evidence items (default 300,000: about a million findings
// over three years, with the benchmark data set's mixes of gradings, groups, TLP, drafts, reviews, retractions and
// corrections; benchmarks/dataset.ts) generated straight into a SQLite file, or into a PostgreSQL schema of its own
// when TEST_DATABASE_URL is a postgres URL. Then the real app on it: every page, the exports and APIs, as an
// administrator and as a delegation's reader; a monthly and a quarterly report (every perspective); and a CLI import
// of a 10,000-item file beside it. Every answer must be 200 and complete. The time of each step is printed in a
// table; no timing is asserted.
//
//   PACTWATCH_SCALE_ITEMS=5000 npm run test:scale
//   TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run test:scale

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { buildApp } from '../../src/app';
import { openDatabase, type Db } from '../../src/db/connect';
import { produceReport } from '../../src/reports/service';
import { parsePeriod } from '../../src/reports/periods';
import { liveEvidence } from '../../src/framework/live-evidence';
import { BENCHMARK_PAGE_SIZE } from '../../src/scorecards/service';
import { generateDatabase, defaultImportFramework, importEvidenceFile, type GenerateSummary } from '../../benchmarks/generate';
import { BENCH_PASSWORD, FINDINGS_PER_ITEM } from '../../benchmarks/dataset';
import { signIn, testConfig } from '../helpers/app';
import { closeTestDb, freshDatabaseUrl, onPostgres } from '../helpers/db';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function sizeFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^[1-9][0-9]*$/.test(raw)) throw new Error(`${name} must be a positive whole number of items, not "${raw}"`);
  return Number(raw);
}

const ITEMS = sizeFromEnv('PACTWATCH_SCALE_ITEMS', 300_000);
const IMPORT_ITEMS = sizeFromEnv('PACTWATCH_SCALE_IMPORT_ITEMS', 10_000);
const DIALECT = onPostgres ? 'postgres' : 'sqlite';

interface Step {
  step: string;
  seconds: number;
  status: string;
  size: string;
}
const steps: Step[] = [];
const kb = (n: number) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : `${(n / 1024).toFixed(0)} kB`);

async function timed<T>(step: string, fn: () => Promise<T>, describeResult: (r: T) => { status?: string; size?: string } = () => ({})): Promise<T> {
  const t0 = performance.now();
  let status = 'error';
  let size = '';
  try {
    const result = await fn();
    ({ status = 'ok', size = '' } = describeResult(result));
    return result;
  } finally {
    const entry = { step, seconds: Math.round((performance.now() - t0) / 10) / 100, status, size };
    steps.push(entry);
    // progress while the run goes on (the table comes at the end)
    process.stderr.write(`  · ${entry.step}: ${entry.seconds} s, ${entry.status}${entry.size ? `, ${entry.size}` : ''}\n`);
  }
}

/** The first lines of an error answer, for the assertion message. */
const excerpt = (body: string) => (/<title>([^<]*)<\/title>[\s\S]*?<p[^>]*>([^<]*)</.exec(body)?.slice(1).join(': ') ?? body.slice(0, 300)).replace(/\s+/g, ' ');

describe(`pactwatch at ${ITEMS.toLocaleString('en')} evidence items (${DIALECT})`, () => {
  let url: string;
  let sqliteFile: string | null = null;
  let db: Db;
  let app: FastifyInstance;
  let summary: GenerateSummary;
  const jars = { admin: '', reader: '' };
  let codes: { benchmarks: string[]; pillars: string[]; groups: string[] };

  beforeAll(async () => {
    if (onPostgres) url = freshDatabaseUrl();
    else {
      sqliteFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pactwatch-scale-')), 'scale.db');
      url = sqliteFile;
    }
    db = await openDatabase(url);
    summary = await timed(`generate ${ITEMS.toLocaleString('en')} items`, () => generateDatabase(db, { findings: Math.round(ITEMS * FINDINGS_PER_ITEM), seed: 1, reportMonths: 1 }), (s) => ({
      size: `${s.items} items, ${s.findingRows} findings, ${s.auditEntries} log entries`,
    }));
    app = await buildApp({ db, config: testConfig() });
    await app.ready();
    for (const [who, email] of [['admin', 'admin@bench.example'], ['reader', 'viewer.pak@bench.example']] as const) {
      const { jar, response } = await timed(`sign in (${who})`, () => signIn(app, email, BENCH_PASSWORD));
      expect(response.statusCode, `sign-in of ${email}`).toBe(303);
      jars[who] = jar;
    }
    const k = db.kysely;
    const fw = await k.selectFrom('frameworks').select('id').where('code', '=', 'QUAD-2025').executeTakeFirstOrThrow();
    codes = {
      benchmarks: (await k.selectFrom('benchmarks').select('code').where('framework_id', '=', fw.id).orderBy('position').execute()).map((r) => r.code),
      pillars: (await k.selectFrom('pillars').select('code').where('framework_id', '=', fw.id).orderBy('position').execute()).map((r) => r.code),
      groups: (await k.selectFrom('framework_groups').select('code').where('framework_id', '=', fw.id).orderBy('position').execute()).map((r) => r.code),
    };
  });

  afterAll(async () => {
    console.log(`\npactwatch scale test: ${ITEMS.toLocaleString('en')} items on ${DIALECT}${summary ? ` (${summary.findingRows.toLocaleString('en')} findings, statuses ${JSON.stringify(summary.statuses)}, TLP ${JSON.stringify(summary.tlp)})` : ''}`);
    console.table(steps);
    await app?.close();
    if (db) await closeTestDb(db);
    if (sqliteFile) fs.rmSync(path.dirname(sqliteFile), { recursive: true, force: true });
  });

  /** GET as `who`; expects 200 and returns the answer. */
  async function get(who: keyof typeof jars, target: string, label = target): Promise<LightMyRequestResponse> {
    const res = await timed(`GET ${label} (${who})`, () => app.inject({ url: target, headers: { cookie: jars[who] } }), (r) => ({ status: String(r.statusCode), size: kb(r.rawPayload.length) }));
    expect(res.statusCode, `${who} GET ${target}: ${excerpt(res.body)}`).toBe(200);
    return res;
  }

  /** A whole HTML page (not an error page cut short). */
  function expectPage(res: LightMyRequestResponse, target: string) {
    expect(res.headers['content-type'], target).toMatch(/^text\/html/);
    expect(res.body.trimEnd().endsWith('</html>'), `${target} ends with </html>`).toBe(true);
    expect(res.body, target).toContain('</main>');
    expect(res.body).not.toMatch(/too many SQL variables|Something went wrong/i);
  }

  async function page(who: keyof typeof jars, target: string) {
    const res = await get(who, target);
    expectPage(res, target);
    return res.body;
  }

  const rowCount = (html: string) => (/<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1].match(/<tr>/g) ?? []).length;
  /** the first finding shown on a benchmark page ("Findings 51–100 of 812") */
  const firstShownOf = (html: string) => Number(/Findings (\d+)–\d+ of/.exec(html)?.[1] ?? Number.NaN);
  /** the Next link of a page (keyset or numbered), decoded */
  const nextOf = (html: string) => /<a href="([^"]+)" rel="next">/.exec(html)?.[1].replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');

  it('opens every scorecard page as a delegation reader, each benchmark page and its second page', async () => {
    const dashboard = await page('reader', '/');
    expect(dashboard).toContain('Overall index');
    await page('reader', '/?as_of=2025-06-30&known_at=2025-07-01&perspective=PAK');
    await page('reader', '/perspectives');
    await page('reader', '/methodology');
    for (const c of codes.pillars) await page('reader', `/pillars/${c}`);
    for (const c of codes.groups) await page('reader', `/groups/${c}`);
    for (const c of codes.benchmarks) {
      const first = await page('reader', `/benchmarks/${c}?perspective=PAK`);
      const totals = /<p>(\d+) findings count now[^<]*?(?:; (\d+) of them are in items you may read)?\.<\/p>/.exec(first);
      expect(totals, `totals on /benchmarks/${c}`).not.toBeNull();
      const visible = Number(totals![2] ?? totals![1]);
      expect(rowCount(first.slice(first.indexOf('Findings that count now')))).toBe(Math.min(BENCHMARK_PAGE_SIZE, visible));
      const next = nextOf(first);
      if (visible > BENCHMARK_PAGE_SIZE) {
        expect(next, `/benchmarks/${c} links its second page`).toBeDefined();
        expect(next).toContain('perspective=PAK');
        const second = await page('reader', next!);
        expect(firstShownOf(second)).toBe(BENCHMARK_PAGE_SIZE + 1);
        expect(rowCount(second.slice(second.indexOf('Findings that count now')))).toBe(Math.min(BENCHMARK_PAGE_SIZE, visible - BENCHMARK_PAGE_SIZE));
      }
    }
  });

  it('opens the evidence desk: the list, a search, a filter and its second page, the review queue, an item', async () => {
    const list = await page('reader', '/evidence');
    expect(rowCount(list)).toBe(25);
    expect(nextOf(list)).toMatch(/after=/);
    const search = await page('reader', '/evidence?q=Checkpoint');
    expect(rowCount(search)).toBeGreaterThan(0);
    const filter = '/evidence?benchmark=BORDER-1&status=verified&group=TTP&from=2025-01-01&to=2026-06-30';
    const filtered = await page('reader', filter);
    expect(rowCount(filtered)).toBe(25);
    // the second page by the list's own Next link (a keyset cursor), then by page number
    const second = await page('reader', nextOf(filtered)!);
    expect(rowCount(second)).toBeGreaterThan(0);
    expect(second).not.toContain(/<a href="\/evidence\/(\d+)"/.exec(filtered)![0]);
    await page('reader', `${filter}&page=2`);
    await page('admin', '/evidence?limit=200&page=3');
    const review = await page('admin', '/review');
    expect(rowCount(review)).toBeGreaterThan(0);
    const k = db.kysely;
    const item = await k.selectFrom('evidence').select('id').where('status', '=', 'superseded').orderBy('id', 'desc').limit(1).executeTakeFirst()
      ?? (await k.selectFrom('evidence').select('id').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow());
    await page('admin', `/evidence/${item.id}`);
    const green = await k.selectFrom('evidence').select('id').where('tlp', '=', 'GREEN').where('status', '=', 'verified').orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
    await page('reader', `/evidence/${green.id}`);
  });

  it('exports every item as CSV and JSON, and answers the scorecard, explain and evidence APIs', async () => {
    const live = Number((await liveEvidence(db.kysely).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    // exports stream every item, without a cap
    const csv = await get('admin', '/evidence/export.csv');
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    // one line per item after the header (no text of the data set spans lines)
    expect(csv.body.trimEnd().split('\n').length - 1).toBe(live);
    const json = await get('admin', '/evidence/export.json');
    const exported = JSON.parse(json.body) as { total: number; evidence: unknown[] };
    expect(exported.total).toBe(live);
    expect(exported.evidence.length).toBe(live);
    const readerJson = JSON.parse((await get('reader', '/evidence/export.json')).body) as { total: number; restricted: number; evidence: unknown[] };
    expect(readerJson.evidence.length).toBe(readerJson.total);
    expect(readerJson.restricted).toBeGreaterThan(0);

    const card = (await get('reader', '/api/v1/scorecard?perspective=PAK')).json();
    expect(card.pillars.length).toBe(codes.pillars.length);
    expect(card.overall.score).toEqual(expect.any(Number));
    const explain = (await get('reader', '/api/v1/explain?from=2026-06-30&to=2026-10-31&perspective=PAK')).json();
    expect(explain).toBeTypeOf('object');
    expect(JSON.stringify(explain)).toContain('"pillars"');
    const api = (await get('reader', '/api/v1/evidence?limit=200&benchmark=INTEL-1')).json();
    expect(api.items.length).toBe(200);
  });

  it('produces a monthly and a quarterly report for every perspective, and shows them', async () => {
    const perspectives = ['JOINT', ...(await db.kysely.selectFrom('perspectives').select('code').execute()).map((p) => p.code)];
    for (const [kind, code] of [['monthly', '2026-09'], ['quarterly', '2026-Q3']] as const) {
      const result = await timed(`produce the ${kind} report ${code}`, () => produceReport(db.kysely, { period: parsePeriod(kind, code)!, trigger: 'cli' }), (r) => ({ status: r.outcome, size: kb(r.report.content.length) }));
      expect(result.outcome).toBe('produced');
      const content = JSON.parse(result.report.content) as { scorecards: Record<string, unknown> };
      expect(Object.keys(content.scorecards).sort()).toEqual([...new Set(perspectives)].sort());
      await page('reader', `/reports/${result.report.id}`);
      expect(JSON.parse((await get('reader', `/reports/${result.report.id}.json`)).body).scorecards).toBeDefined();
      expect((await get('reader', `/reports/${result.report.id}.csv`)).body.split('\n').length).toBeGreaterThan(10);
    }
    const reports = await page('reader', '/reports');
    expect(reports).toContain('2026-Q3');
  });

  it(`imports a file of ${IMPORT_ITEMS.toLocaleString('en')} items with the CLI while the app has the database open`, async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'pactwatch-scale-import-')), 'import.json');
    const content = importEvidenceFile(defaultImportFramework(), IMPORT_ITEMS, 9001) as { evidence: { ref: string }[] };
    for (const e of content.evidence) e.ref = `scale-${e.ref}`;
    fs.writeFileSync(file, JSON.stringify(content));
    const count = async () => Number((await db.kysely.selectFrom('evidence').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
    const before = await count();
    const run = await timed(`pactwatch import (${IMPORT_ITEMS.toLocaleString('en')} items, CLI)`, () => cli(['import', file, '--db', url]), (r) => ({ status: `exit ${r.code}` }));
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
    expect(run.code, run.out.slice(-2000)).toBe(0);
    expect(run.out).not.toMatch(/too many SQL variables/i);
    expect(await count()).toBe(before + IMPORT_ITEMS);
    // the app sees the imported items at once
    if (onPostgres) await sql`select 1`.execute(db.kysely);
    await page('admin', '/evidence?q=Synthetic+observation');
    const check = (await get('admin', '/api/v1/read-model')).json() as { ok: boolean; items: { model: number; stored: number } };
    expect(check.ok, JSON.stringify(check)).toBe(true);
    expect(check.items.model).toBe(check.items.stored);
    await page('reader', '/');
  });
});

function cli(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/pactwatch.js', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_LEVEL: 'warn' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out = (out + d.toString('utf8')).slice(-20_000)));
    child.stderr.on('data', (d: Buffer) => (out = (out + d.toString('utf8')).slice(-20_000)));
    child.on('exit', (code) => resolve({ code, out }));
  });
}
