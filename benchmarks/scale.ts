// The figures of issue 12 on one database (SQLite or PostgreSQL) holding the generated data set: the app runs as
// `pactwatch serve` in its own process; load comes from this process over loopback, bounded in time; every ratio
// is measured against its reference in the same run, interleaved (ours, reference, reference, ours, ...).

import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { openDatabase, type Db } from '../src/db/connect';
import { importFile } from '../src/framework/import-service';
import { produceReport } from '../src/reports/service';
import { parsePeriod } from '../src/reports/periods';
import { createApiToken } from '../src/auth/tokens';
import { findUserByEmail } from '../src/users/repository';
import { defaultImportFramework, importEvidenceFile } from './generate';
import { BENCH_PASSWORD, DATASET_END } from './dataset';
import { fetchOnce, runLoad, type LoadResult } from './load';
import { rssSampler, startApp, startStatic, type AppChild } from './servers';
import { fmt, fmtMs, median, nowMs, progress } from './harness';
import type { WorkDb } from './workdb';

export interface ScaleOptions {
  /** seconds per measured slot (one variant, one round) */
  seconds: number;
  rounds: number;
  connections: number;
  /** a single request (page, export) not answered within this is recorded as "no answer" */
  requestTimeoutS: number;
  exportTimeoutS: number;
  /** items per import round (0: a tenth of the data set, 2,000 to 30,000) */
  importItems: number;
  runDir: string;
}

export type Met = 'yes' | 'no' | 'no answer' | 'n/a';

export interface FigureResult {
  id: string;
  figure: string;
  target: string;
  ours: string;
  reference: string;
  ratio: string;
  met: Met;
  data: Record<string, unknown>;
}

// ---- signing in over HTTP ---------------------------------------------------------------------------------

function mergeCookies(jar: Map<string, string>, setCookie: string | string[] | undefined) {
  for (const c of [setCookie ?? []].flat()) {
    const [pair] = c.split(';');
    const eq = pair.indexOf('=');
    jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
  }
}
const cookieHeader = (jar: Map<string, string>) => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');

export async function signInHttp(baseUrl: string, email: string, password = BENCH_PASSWORD): Promise<string> {
  const jar = new Map<string, string>();
  const page = await fetchOnce(`${baseUrl}/login`, { timeoutMs: 30_000 });
  mergeCookies(jar, page.headers['set-cookie']);
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body.toString('utf8'))?.[1];
  if (!token) throw new Error(`no CSRF token on /login (status ${page.status})`);
  const r = await fetchOnce(`${baseUrl}/login`, {
    method: 'POST',
    headers: { cookie: cookieHeader(jar), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password, _csrf: token }).toString(),
    timeoutMs: 30_000,
  });
  if (r.status !== 303) throw new Error(`sign-in of ${email} answered ${r.status}: ${r.body.toString('utf8').slice(0, 300)}`);
  mergeCookies(jar, r.headers['set-cookie']);
  return cookieHeader(jar);
}

// ---- formatting ---------------------------------------------------------------------------------------------

const rps = (x: number) => `${fmt(x, x >= 100 ? 0 : 1)}/s`;
const pct = (x: number) => (Number.isFinite(x) ? `${fmt(100 * x, x >= 0.1 ? 0 : x >= 0.01 ? 1 : 2)} %` : 'n/a');
const loadText = (r: { rps: number; p99: number; cut?: number }, unit = 'req') =>
  `${rps(r.rps).replace('/s', ` ${unit}/s`)}, p99 ${r.cut ? '≥ ' : ''}${fmtMs(r.p99)}${r.cut ? ` (${r.cut} cut at the end of a slot)` : ''}`;

function summariseRounds(results: LoadResult[]) {
  return {
    rps: median(results.map((r) => r.rps)),
    p50: median(results.map((r) => r.p50)),
    p99: median(results.map((r) => r.p99)),
    worstP99: Math.max(...results.map((r) => r.p99)),
    requests: results.reduce((n, r) => n + r.requests, 0),
    ok: results.reduce((n, r) => n + r.ok, 0),
    non2xx: results.reduce((n, r) => n + r.non2xx, 0),
    errors: results.reduce((n, r) => n + r.errors, 0),
    timeouts: results.reduce((n, r) => n + r.timeouts, 0),
    cut: results.reduce((n, r) => n + r.cut, 0),
    firstBadStatus: results.find((r) => r.firstBadStatus !== null)?.firstBadStatus ?? null,
    driver: results[0]?.driver,
    rounds: results.map((r) => ({ rps: r.rps, p50: r.p50, p99: r.p99, requests: r.requests, timeouts: r.timeouts, cut: r.cut })),
  };
}

function failureText(s: ReturnType<typeof summariseRounds>, timeoutS: number): string | null {
  if (s.ok > 0 && s.non2xx === 0) return null;
  if (s.ok === 0 && s.timeouts > 0) return `no answer within ${timeoutS} s`;
  if (s.ok === 0 && s.cut > 0) return `no answer before the slots ended (${s.cut} requests cut, each open ≥ ${fmtMs(s.p99)})`;
  return `${s.ok} ok, ${s.non2xx} non-2xx (first ${s.firstBadStatus}), ${s.errors} errors, ${s.timeouts} timeouts`;
}

// ---- the figures ----------------------------------------------------------------------------------------------

const PAGES = [
  { id: 'dashboard', label: 'dashboard (GET /)', path: '/' },
  { id: 'benchmark', label: 'benchmark page (GET /benchmarks/BORDER-1)', path: '/benchmarks/BORDER-1' },
  { id: 'perspectives', label: 'perspectives (GET /perspectives)', path: '/perspectives' },
  { id: 'api-scorecard', label: 'scorecard API (GET /api/v1/scorecard)', path: '/api/v1/scorecard' },
];

/** Views of other (as-of, known-at) pairs than any request before: each requested once, timed. */
const COLD_VIEWS = [
  '/?as_of=2025-03-31&known_at=2025-04-05',
  '/perspectives?as_of=2025-06-30&known_at=2025-07-02',
  '/benchmarks/DISRUPT-1?as_of=2024-12-31&known_at=2025-01-10',
  '/api/v1/scorecard?as_of=2025-09-30&known_at=2025-10-01&perspective=PAK',
  '/?as_of=2026-01-31&known_at=2026-02-01&perspective=CHN',
  '/pillars/BORDER?as_of=2024-09-30&known_at=2024-10-15',
  '/api/v1/scorecard?as_of=2024-06-30&known_at=2024-07-01&perspective=IRN',
  '/perspectives?as_of=2026-09-30&known_at=2026-10-01',
];

interface Sessions {
  viewer: string;
  admin: string;
  token: string;
}

export interface ScaleRun {
  figures: FigureResult[];
  notes: string[];
  seconds: number;
}

export async function runScale(work: WorkDb, o: ScaleOptions): Promise<ScaleRun> {
  const started = nowMs();
  const figures: FigureResult[] = [];
  const notes: string[] = [];
  const label = work.dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const slotMs = o.seconds * 1000;
  const db = await openDatabase(work.url);
  let app: AppChild | null = null;
  const rss = rssSampler(() => app?.pid ?? null);
  const loadPeaks: number[] = [];
  try {
    // an evaluator's API token for the POSTs (made through the app's own service)
    const evaluator = (await findUserByEmail(db.kysely, 'eval.pak.1@bench.example'))!;
    const { token } = await createApiToken(db.kysely, evaluator, 'benchmark', { id: evaluator.id, label: evaluator.email });

    progress(`${label}: starting pactwatch serve`);
    app = await startApp(work.url);
    const sessions: Sessions = { viewer: await signInHttp(app.baseUrl, 'viewer.pak@bench.example'), admin: await signInHttp(app.baseUrl, 'admin@bench.example'), token };
    const firstStartHealth = app.healthMs!;

    figures.push(...(await pagesFigures(app, sessions, o, slotMs, rss, loadPeaks, label)));
    figures.push(await coldViewsFigure(app, sessions, o, label));
    figures.push(...(await evidenceQueryFigures(app, sessions, o, slotMs, rss, loadPeaks, work, label)));
    figures.push(await postFigure(app, sessions, o, slotMs, rss, loadPeaks, work, db, label));
    figures.push(await importFigure(db, work, o, label));
    figures.push(await reportFigure(db, o, label));
    // last: an export the client gave up on goes on in the server (today it can take minutes), so nothing is measured after it but restarts
    figures.push(...(await exportFigures(app, sessions, o, work, label)));

    progress(`${label}: restarting the server twice (start to first served page)`);
    await app.stop();
    app = null;
    figures.push(await startFigure(work, sessions, firstStartHealth, o));
    const peakLoad = Math.max(0, ...loadPeaks);
    figures.push({
      id: 'rss',
      figure: 'server RSS under load (peak while pages, lists and POSTs were under load)',
      target: '≤ 500 MB',
      ours: `${fmt(peakLoad / 2 ** 20, 0)} MB`,
      reference: '—',
      ratio: '—',
      met: peakLoad === 0 ? 'no answer' : peakLoad <= 500 * 2 ** 20 ? 'yes' : 'no',
      data: { peakUnderLoadBytes: peakLoad, peakOverallBytes: rss.peak() },
    });
    notes.push(`peak RSS of the server over the whole run (also while exporting, importing, reporting): ${fmt(rss.peak() / 2 ** 20, 0)} MB`);
  } finally {
    rss.stop();
    if (app) await app.stop();
    await db.close();
  }
  return { figures, notes, seconds: (nowMs() - started) / 1000 };
}

type Rss = ReturnType<typeof rssSampler>;

async function underLoad<T>(rss: Rss, peaks: number[], fn: () => Promise<T>): Promise<T> {
  rss.mark();
  const value = await fn();
  peaks.push(rss.peakSinceMark());
  return value;
}

async function pagesFigures(app: AppChild, s: Sessions, o: ScaleOptions, slotMs: number, rss: Rss, peaks: number[], label: string): Promise<FigureResult[]> {
  const headers = { cookie: s.viewer };
  const fetched = [];
  for (const p of PAGES) {
    const r = await fetchOnce(`${app.baseUrl}${p.path}`, { headers, timeoutMs: o.requestTimeoutS * 1000 });
    fetched.push({ page: p, response: r });
  }
  const answered = fetched.filter((f) => f.response.status === 200);
  const out: FigureResult[] = [];
  for (const f of fetched.filter((x) => x.response.status !== 200)) {
    out.push({
      id: `page.${f.page.id}`, figure: `${f.page.label}, signed in, ${o.connections} connections`, target: '≥ 25 % of fastify serving the same bytes; p99 ≤ 50 ms',
      ours: f.response.timedOut ? `no answer within ${o.requestTimeoutS} s` : `status ${f.response.status}`, reference: '—', ratio: '—', met: 'no answer', data: { status: f.response.status },
    });
  }
  if (answered.length === 0) return out;
  const reference = await startStatic(o.runDir, answered.map((f) => ({ url: f.page.path, contentType: String(f.response.headers['content-type']), body: f.response.body })));
  try {
    for (const f of answered) {
      progress(`${label}: ${f.page.label}: ours vs reference, ${o.rounds} rounds × ${o.seconds} s each, ${o.connections} connections`);
      const ours: LoadResult[] = [];
      const ref: LoadResult[] = [];
      for (let round = 0; round < o.rounds; round += 1) {
        const runOurs = () => underLoad(rss, peaks, () => runLoad({ url: `${app.baseUrl}${f.page.path}`, headers, connections: o.connections, durationMs: slotMs, timeoutMs: o.requestTimeoutS * 1000 }));
        const runRef = () => runLoad({ url: `${reference.baseUrl}${f.page.path}`, connections: o.connections, durationMs: slotMs, timeoutMs: o.requestTimeoutS * 1000 });
        if (round % 2 === 0) {
          ours.push(await runOurs());
          ref.push(await runRef());
        } else {
          ref.push(await runRef());
          ours.push(await runOurs());
        }
      }
      const a = summariseRounds(ours);
      const b = summariseRounds(ref);
      const ratios = ours.map((r, i) => r.rps / ref[i].rps);
      const ratio = median(ratios);
      const failure = failureText(a, o.requestTimeoutS);
      out.push({
        id: `page.${f.page.id}`,
        figure: `${f.page.label}, signed in, ${o.connections} connections (${fmt(f.response.body.length / 1024, 1)} KiB)`,
        target: '≥ 25 % of fastify serving the same bytes; p99 ≤ 50 ms',
        ours: failure ?? loadText(a),
        reference: loadText(b),
        ratio: pct(ratio),
        met: failure ? 'no answer' : ratio >= 0.25 && a.p99 <= 50 ? 'yes' : 'no',
        data: { bytes: f.response.body.length, ours: a, reference: b, ratios },
      });
    }
  } finally {
    await reference.stop();
  }
  return out;
}

async function coldViewsFigure(app: AppChild, s: Sessions, o: ScaleOptions, label: string): Promise<FigureResult> {
  progress(`${label}: ${COLD_VIEWS.length} as-of / known-at views, each requested once`);
  const views: { path: string; ms: number; status: number }[] = [];
  for (const view of COLD_VIEWS) {
    const r = await fetchOnce(`${app.baseUrl}${view}`, { headers: { cookie: s.viewer }, timeoutMs: o.requestTimeoutS * 1000 });
    views.push({ path: view, ms: r.ms, status: r.status });
  }
  const bad = views.filter((v) => v.status !== 200);
  const worst = Math.max(...views.map((v) => v.ms));
  return {
    id: 'asof-cold',
    figure: `as-of / known-at views, cold (${views.length} views never requested before: dashboard, perspectives, benchmark, pillar, API; one request each, loopback)`,
    target: '≤ 100 ms server time',
    ours: bad.length ? `${bad.length} of ${views.length} failed (${bad.map((b) => (b.status === 0 ? `no answer within ${o.requestTimeoutS} s` : `status ${b.status}`)).join(', ')})` : `worst ${fmtMs(worst)}, median ${fmtMs(median(views.map((v) => v.ms)))}`,
    reference: '—',
    ratio: '—',
    met: bad.length ? 'no answer' : worst <= 100 ? 'yes' : 'no',
    data: { views },
  };
}

/** The path of page `page` (25 items a page) of the evidence list with `filters`, found by following the API's next cursors (the data set holds one framework, so the API lists what the page does). */
async function pathOfPage(app: AppChild, cookie: string, filters: string, page: number, o: ScaleOptions): Promise<string> {
  let after: string | null = null;
  for (let skipped = 0; skipped < (page - 1) * 25; skipped += 200) {
    const limit = Math.min(200, (page - 1) * 25 - skipped);
    const r = await fetchOnce(`${app.baseUrl}/api/v1/evidence?${filters}&limit=${limit}${after ? `&after=${after}` : ''}`, { headers: { cookie }, timeoutMs: o.requestTimeoutS * 1000 });
    after = (JSON.parse(r.body.toString('utf8')) as { next: string | null }).next;
    if (after === null) break;
  }
  return `/evidence?${filters}${after ? `&after=${after}` : ''}`;
}

async function evidenceQueryFigures(app: AppChild, s: Sessions, o: ScaleOptions, slotMs: number, rss: Rss, peaks: number[], work: WorkDb, label: string): Promise<FigureResult[]> {
  const greenPage = Math.max(1, Math.floor((work.summary.tlp.GREEN ?? 0) / 25 / 2));
  // a deep page is reached by the list's own next links (keyset: after=), as a reader paging on would reach it
  const deepPath = await pathOfPage(app, s.viewer, 'tlp=GREEN', greenPage, o);
  const queries = [
    { id: 'list', label: 'evidence list, page 1 (GET /evidence)', path: '/evidence' },
    { id: 'search', label: 'evidence search (GET /evidence?q=Torkham)', path: '/evidence?q=Torkham' },
    { id: 'filters', label: 'evidence filters: benchmark, status, group, dates', path: '/evidence?benchmark=BORDER-1&status=verified&group=TTP&from=2025-01-01&to=2025-12-31' },
    { id: 'deep-page', label: `evidence list, TLP filter, page ${greenPage} (its after= link)`, path: deepPath },
    { id: 'api-list', label: 'evidence API list (GET /api/v1/evidence?status=submitted)', path: '/api/v1/evidence?status=submitted&limit=50' },
  ];
  const out: FigureResult[] = [];
  for (const q of queries) {
    progress(`${label}: ${q.label}: ${o.seconds} s × ${o.rounds} rounds, ${o.connections} connections`);
    const first = await fetchOnce(`${app.baseUrl}${q.path}`, { headers: { cookie: s.viewer }, timeoutMs: o.requestTimeoutS * 1000 });
    if (first.status !== 200) {
      out.push({ id: `evidence.${q.id}`, figure: q.label, target: 'p99 ≤ 50 ms', ours: first.timedOut ? `no answer within ${o.requestTimeoutS} s` : `status ${first.status}`, reference: '—', ratio: '—', met: 'no answer', data: { status: first.status } });
      continue;
    }
    const results: LoadResult[] = [];
    for (let round = 0; round < o.rounds; round += 1) {
      results.push(await underLoad(rss, peaks, () => runLoad({ url: `${app.baseUrl}${q.path}`, headers: { cookie: s.viewer }, connections: o.connections, durationMs: slotMs, timeoutMs: o.requestTimeoutS * 1000 })));
    }
    const a = summariseRounds(results);
    const failure = failureText(a, o.requestTimeoutS);
    out.push({
      id: `evidence.${q.id}`,
      figure: `${q.label}, ${o.connections} connections`,
      target: 'p99 ≤ 50 ms',
      ours: failure ?? loadText(a),
      reference: '—',
      ratio: '—',
      met: failure ? 'no answer' : a.p99 <= 50 ? 'yes' : 'no',
      data: { ours: a, bytes: first.body.length },
    });
  }
  return out;
}

async function exportFigures(app: AppChild, s: Sessions, o: ScaleOptions, work: WorkDb, label: string): Promise<FigureResult[]> {
  const out: FigureResult[] = [];
  const total = work.summary.items;
  for (const kind of ['csv', 'json'] as const) {
    progress(`${label}: export of every item as ${kind.toUpperCase()} (signed in as admin, who may see all ${fmt(total, 0)}), at most ${o.exportTimeoutS} s`);
    const r = await fetchOnce(`${app.baseUrl}/evidence/export.${kind}`, { headers: { cookie: s.admin }, timeoutMs: o.exportTimeoutS * 1000 });
    let rows = 0;
    if (r.status === 200) {
      if (kind === 'csv') rows = r.body.toString('utf8').split('\r\n').filter(Boolean).length - 1;
      else rows = (JSON.parse(r.body.toString('utf8')) as { evidence: unknown[] }).evidence.length;
    }
    const rate = rows / (r.ms / 1000);
    const complete = rows >= total;
    out.push({
      id: `export.${kind}`,
      figure: `evidence export ${kind.toUpperCase()}, all ${fmt(total, 0)} items (one request)`,
      target: '≥ 50,000 rows/s (on 100k rows)',
      ours: r.status !== 200 ? (r.timedOut ? `no answer within ${o.exportTimeoutS} s` : `status ${r.status}`) : `${fmt(rows, 0)} rows in ${fmtMs(r.ms)} = ${fmt(rate, 0)} rows/s${complete ? '' : ` (only ${fmt(rows, 0)} of ${fmt(total, 0)}: capped)`}`,
      reference: '—',
      ratio: '—',
      met: r.status !== 200 ? 'no answer' : rate >= 50_000 && complete ? 'yes' : 'no',
      data: { status: r.status, ms: r.ms, rows, total, bytes: r.body.length, timedOut: r.timedOut },
    });
  }
  return out;
}

const POST_BODY = JSON.stringify({
  title: 'Benchmark: joint patrol logged through the API',
  summary: 'Posted by the benchmark suite.',
  source: 'pactwatch benchmark',
  observed_on: DATASET_END,
  source_reliability: 'B',
  credibility: 2,
  groups: ['TTP'],
  tlp: 'GREEN',
  findings: [{ benchmark: 'BORDER-1', stance: 1 }, { benchmark: 'BORDER-3', value: 20 }],
  submit: true,
});

/** The reference for POST: raw durable commits of one evidence-sized row each, with the app's durability settings. */
async function rawCommits(work: WorkDb, o: ScaleOptions, durationMs: number): Promise<{ rps: number; commits: number }> {
  const values = ['Benchmark: joint patrol logged through the API', 'Posted by the benchmark suite.', 'pactwatch benchmark', DATASET_END, 'B', 2, 'GREEN', new Date().toISOString()];
  if (work.dialect === 'sqlite') {
    const file = path.join(o.runDir, 'raw-commits.db');
    const raw = new SqliteDatabase(file);
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = FULL');
    raw.exec('create table if not exists raw_commits (id integer primary key autoincrement, title text, summary text, source text, observed_on text, source_reliability text, credibility integer, tlp text, created_at text)');
    const insert = raw.prepare('insert into raw_commits (title, summary, source, observed_on, source_reliability, credibility, tlp, created_at) values (?, ?, ?, ?, ?, ?, ?, ?)');
    const t0 = nowMs();
    let commits = 0;
    while (nowMs() - t0 < durationMs) {
      insert.run(...values);
      commits += 1;
    }
    const seconds = (nowMs() - t0) / 1000;
    raw.close();
    return { rps: commits / seconds, commits };
  }
  const clients = Array.from({ length: o.connections }, () => new pg.Client({ connectionString: work.url }));
  await Promise.all(clients.map((c) => c.connect()));
  try {
    await clients[0].query('create table if not exists bench_raw_commits (id serial primary key, title text, summary text, source text, observed_on text, source_reliability text, credibility integer, tlp text, created_at text)');
    const t0 = nowMs();
    let commits = 0;
    await Promise.all(
      clients.map(async (c) => {
        while (nowMs() - t0 < durationMs) {
          await c.query({ name: 'raw-commit', text: 'insert into bench_raw_commits (title, summary, source, observed_on, source_reliability, credibility, tlp, created_at) values ($1, $2, $3, $4, $5, $6, $7, $8)', values });
          commits += 1;
        }
      }),
    );
    return { rps: commits / ((nowMs() - t0) / 1000), commits };
  } finally {
    await Promise.all(clients.map((c) => c.end()));
  }
}

async function postFigure(app: AppChild, s: Sessions, o: ScaleOptions, slotMs: number, rss: Rss, peaks: number[], work: WorkDb, _db: Db, label: string): Promise<FigureResult> {
  progress(`${label}: POST /api/v1/evidence vs raw durable commits, ${o.rounds} rounds × ${o.seconds} s, interleaved`);
  const headers = { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' };
  const first = await fetchOnce(`${app.baseUrl}/api/v1/evidence`, { method: 'POST', headers, body: POST_BODY, timeoutMs: o.requestTimeoutS * 1000 });
  const figure = `evidence POST through the API (Bearer token, ${o.connections} connections, submit: true)`;
  const target = '≥ 25 % of raw durable commits/s';
  if (first.status !== 201) return { id: 'post', figure, target, ours: first.timedOut ? `no answer within ${o.requestTimeoutS} s` : `status ${first.status}: ${first.body.toString('utf8').slice(0, 200)}`, reference: '—', ratio: '—', met: 'no answer', data: {} };
  const ours: LoadResult[] = [];
  const ref: { rps: number; commits: number }[] = [];
  for (let round = 0; round < o.rounds; round += 1) {
    const runOurs = () => underLoad(rss, peaks, () => runLoad({ url: `${app.baseUrl}/api/v1/evidence`, method: 'POST', headers, body: POST_BODY, connections: o.connections, durationMs: slotMs, timeoutMs: o.requestTimeoutS * 1000 }));
    if (round % 2 === 0) {
      ours.push(await runOurs());
      ref.push(await rawCommits(work, o, slotMs));
    } else {
      ref.push(await rawCommits(work, o, slotMs));
      ours.push(await runOurs());
    }
  }
  const a = summariseRounds(ours);
  const ratios = ours.map((r, i) => r.rps / ref[i].rps);
  const ratio = median(ratios);
  const failure = failureText(a, o.requestTimeoutS);
  const refRps = median(ref.map((r) => r.rps));
  return {
    id: 'post',
    figure,
    target,
    ours: failure ?? loadText(a, 'items'),
    reference: `${rps(refRps).replace('/s', ' commits/s')} (${work.dialect === 'sqlite' ? 'better-sqlite3, WAL, synchronous=FULL, one connection' : `pg, ${o.connections} connections, autocommit`})`,
    ratio: pct(ratio),
    met: failure ? 'no answer' : ratio >= 0.25 ? 'yes' : 'no',
    data: { ours: a, reference: ref, ratios },
  };
}

interface RawRow {
  item: { ref: string; title: string; summary: string | null; source: string | null; url: string | null; observed_on: string; source_reliability: string; credibility: number; tlp: string; location: string | null; verified_at: string | null; retracted_at: string | null };
  findings: { benchmark: string; stance: number | null; value: number | null }[];
  groups: string[];
}

function rawRowsOf(file: { evidence: Record<string, unknown>[] }): RawRow[] {
  return file.evidence.map((e) => ({
    item: {
      ref: String(e.ref), title: String(e.title), summary: (e.summary as string) ?? null, source: (e.source as string) ?? null, url: (e.url as string) ?? null,
      observed_on: String(e.observed_on), source_reliability: String(e.source_reliability), credibility: Number(e.credibility), tlp: String(e.tlp ?? 'AMBER'), location: null,
      verified_at: e.verified_at ? new Date(String(e.verified_at)).toISOString() : null, retracted_at: e.retracted_at ? new Date(String(e.retracted_at)).toISOString() : null,
    },
    findings: (e.findings as { benchmark: string; stance?: number; value?: number }[]).map((f) => ({ benchmark: f.benchmark, stance: f.stance ?? null, value: f.value ?? null })),
    groups: e.groups as string[],
  }));
}

/** The reference for import: the same rows (items, findings, tags) as raw prepared inserts in one transaction; removed afterwards (untimed). */
async function rawInserts(work: WorkDb, rows: RawRow[]): Promise<number> {
  const now = new Date().toISOString();
  const status = (r: RawRow) => (r.item.retracted_at ? 'retracted' : r.item.verified_at ? 'verified' : 'submitted');
  const columns = 'framework_id, ref, title, summary, source, url, observed_on, source_reliability, credibility, tlp, location, status, origin, created_at, updated_at, submitted_at, verified_at, retracted_at';
  const params = (fw: number, r: RawRow) => [fw, r.item.ref, r.item.title, r.item.summary, r.item.source, r.item.url, r.item.observed_on, r.item.source_reliability, r.item.credibility, r.item.tlp, r.item.location, status(r), 'import', now, now, r.item.verified_at ?? now, r.item.verified_at, r.item.retracted_at];
  if (work.dialect === 'sqlite') {
    const raw = new SqliteDatabase(work.url);
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = FULL');
    raw.pragma('foreign_keys = ON');
    raw.pragma('busy_timeout = 10000');
    try {
      const fw = (raw.prepare("select id from frameworks where code = 'QUAD-2025'").get() as { id: number }).id;
      const benchmarks = new Map((raw.prepare('select id, code from benchmarks where framework_id = ?').all(fw) as { id: number; code: string }[]).map((b) => [b.code, b.id]));
      const groups = new Map((raw.prepare('select id, code from framework_groups where framework_id = ?').all(fw) as { id: number; code: string }[]).map((g) => [g.code, g.id]));
      const insertItem = raw.prepare(`insert into evidence (${columns}) values (${columns.split(',').map(() => '?').join(', ')})`);
      const insertFinding = raw.prepare('insert into findings (evidence_id, benchmark_id, stance, value, position) values (?, ?, ?, ?, ?)');
      const insertTag = raw.prepare('insert into evidence_groups (evidence_id, group_id) values (?, ?)');
      const t0 = nowMs();
      raw.transaction(() => {
        for (const r of rows) {
          const id = Number(insertItem.run(...params(fw, r)).lastInsertRowid);
          r.findings.forEach((f, position) => insertFinding.run(id, benchmarks.get(f.benchmark), f.stance, f.value, position));
          for (const g of r.groups) insertTag.run(id, groups.get(g));
        }
      })();
      const ms = nowMs() - t0;
      raw.prepare("delete from evidence where ref like 'raw-%' and created_by is null").run();
      return ms;
    } finally {
      raw.close();
    }
  }
  // PostgreSQL: one prepared statement per table and 1,000 items, the rows passed as arrays (unnest): a row per
  // round trip would make the reference slower than the app's own multi-row inserts
  const client = new pg.Client({ connectionString: work.url });
  await client.connect();
  try {
    const fw = (await client.query<{ id: number }>("select id from frameworks where code = 'QUAD-2025'")).rows[0].id;
    const benchmarks = new Map((await client.query<{ id: number; code: string }>('select id, code from benchmarks where framework_id = $1', [fw])).rows.map((b) => [b.code, b.id]));
    const groups = new Map((await client.query<{ id: number; code: string }>('select id, code from framework_groups where framework_id = $1', [fw])).rows.map((g) => [g.code, g.id]));
    const types = ['int', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'int', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text', 'text'];
    const itemSql = `insert into evidence (${columns}) select * from unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')}) returning id, ref`;
    const t0 = nowMs();
    await client.query('begin');
    for (let from = 0; from < rows.length; from += 1000) {
      const part = rows.slice(from, from + 1000);
      const cols = types.map((_, c) => part.map((r) => params(fw, r)[c]));
      const { rows: inserted } = await client.query<{ id: number; ref: string }>({ name: 'raw-items', text: itemSql, values: cols });
      const idOf = new Map(inserted.map((x) => [x.ref, x.id]));
      const f = part.flatMap((r) => r.findings.map((x, position) => [idOf.get(r.item.ref), benchmarks.get(x.benchmark), x.stance, x.value, position]));
      const g = part.flatMap((r) => r.groups.map((code) => [idOf.get(r.item.ref), groups.get(code)]));
      await client.query({ name: 'raw-findings', text: 'insert into findings (evidence_id, benchmark_id, stance, value, position) select * from unnest($1::int[], $2::int[], $3::int[], $4::float8[], $5::int[])', values: [0, 1, 2, 3, 4].map((c) => f.map((x) => x[c])) });
      await client.query({ name: 'raw-tags', text: 'insert into evidence_groups (evidence_id, group_id) select * from unnest($1::int[], $2::int[])', values: [0, 1].map((c) => g.map((x) => x[c])) });
    }
    await client.query('commit');
    const ms = nowMs() - t0;
    await client.query("delete from evidence where ref like 'raw-%' and created_by is null");
    return ms;
  } finally {
    await client.end();
  }
}

async function importFigure(db: Db, work: WorkDb, o: ScaleOptions, label: string): Promise<FigureResult> {
  const items = o.importItems > 0 ? o.importItems : Math.min(30_000, Math.max(2_000, Math.round(work.summary.items / 10)));
  progress(`${label}: import of ${fmt(items, 0)} new items (importFile, as \`pactwatch import\` does) vs raw prepared inserts of the same rows, ${o.rounds} rounds interleaved`);
  const framework = defaultImportFramework();
  const ours: { ms: number; created: number }[] = [];
  const raw: number[] = [];
  let failure: string | null = null;
  for (let round = 0; round < o.rounds && !failure; round += 1) {
    const file = importEvidenceFile(framework, items, 100 + round) as { framework_code: string; evidence: Record<string, unknown>[] };
    const rawRows = rawRowsOf({ evidence: file.evidence.map((e) => ({ ...e, ref: `raw-${round}-${String(e.ref)}` })) });
    for (const e of file.evidence) e.ref = `bench-import-${round}-${String(e.ref)}`;
    const oursText = JSON.stringify(file);
    const runOurs = async () => {
      const t0 = nowMs();
      // as the CLI does: parse the file's text, then importFile
      const result = await importFile(db.kysely, JSON.parse(oursText));
      const ms = nowMs() - t0;
      if (!result.ok) failure = `import failed: ${result.errors.slice(0, 2).map((e) => `${e.path}: ${e.message}`).join('; ')}`;
      else ours.push({ ms, created: result.summary.evidence.created });
    };
    const runRaw = async () => raw.push(await rawInserts(work, rawRows));
    if (round % 2 === 0) {
      await runOurs();
      await runRaw();
    } else {
      await runRaw();
      await runOurs();
    }
  }
  const figure = `import of ${fmt(items, 0)} new items (importFile, in process, into the loaded database)`;
  const target = '≥ 30 % of raw prepared inserts of the same rows; ≥ 50,000 items/s';
  if (failure || ours.length === 0) return { id: 'import', figure, target, ours: failure ?? 'no answer', reference: '—', ratio: '—', met: 'no answer', data: {} };
  const oursRate = median(ours.map((r) => (r.created * 1000) / r.ms));
  const rawRate = median(raw.map((ms) => (items * 1000) / ms));
  const ratios = ours.map((r, i) => ((r.created * 1000) / r.ms) / ((items * 1000) / raw[i]));
  const ratio = median(ratios);
  return {
    id: 'import',
    figure,
    target,
    ours: `${fmt(oursRate, 0)} items/s (${ours.map((r) => fmtMs(r.ms)).join(', ')})`,
    reference: `${fmt(rawRate, 0)} items/s (${raw.map((ms) => fmtMs(ms)).join(', ')}; ${work.dialect === 'sqlite' ? 'better-sqlite3 prepared statements, a row each' : 'pg prepared statements over unnest arrays, 1,000 items each'}, one transaction)`,
    ratio: pct(ratio),
    met: ratio >= 0.3 && oursRate >= 50_000 ? 'yes' : 'no',
    data: { items, ours, rawMs: raw, ratios },
  };
}

async function reportFigure(db: Db, o: ScaleOptions, label: string): Promise<FigureResult> {
  // months the data set has no report for yet (it has the last six)
  const periods = ['2026-04', '2026-03', '2026-02', '2026-01', '2025-12'].slice(0, Math.max(1, o.rounds));
  progress(`${label}: monthly report (all perspectives) for ${periods.join(', ')}`);
  const times: number[] = [];
  let failure: string | null = null;
  for (const code of periods) {
    const t0 = nowMs();
    const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), o.requestTimeoutS * 1000).unref());
    const result = await Promise.race([produceReport(db.kysely, { period: parsePeriod('monthly', code)!, trigger: 'cli' }), timeout]).catch((err: Error) => err);
    if (result === 'timeout') {
      failure = `no answer within ${o.requestTimeoutS} s`;
      break;
    }
    if (result instanceof Error) {
      failure = `failed: ${result.message}`;
      break;
    }
    if (result.outcome !== 'produced') {
      failure = `${code}: ${result.outcome}`;
      break;
    }
    times.push(nowMs() - t0);
  }
  return {
    id: 'report',
    figure: 'monthly report for all perspectives (produceReport, in process)',
    target: '≤ 2 s',
    ours: failure ?? `worst ${fmtMs(Math.max(...times))}, median ${fmtMs(median(times))} (${times.length} months)`,
    reference: '—',
    ratio: '—',
    met: failure ? 'no answer' : Math.max(...times) <= 2000 ? 'yes' : 'no',
    data: { periods, times },
  };
}

async function startFigure(work: WorkDb, s: Sessions, firstHealthMs: number, o: ScaleOptions): Promise<FigureResult> {
  const starts: { healthMs: number | null; pageMs: number | null; pageStatus: number }[] = [];
  for (let k = 0; k < 2; k += 1) {
    const app = await startApp(work.url);
    try {
      // once /health answers, the first signed-in dashboard (the viewer's session from before the restart is still valid)
      const page = await fetchOnce(`${app.baseUrl}/`, { headers: { cookie: s.viewer }, timeoutMs: o.requestTimeoutS * 1000 });
      starts.push({ healthMs: app.healthMs, pageMs: page.status === 200 ? nowMs() - app.spawnedAt : null, pageStatus: page.status });
    } finally {
      await app.stop();
    }
  }
  const pages = starts.map((x) => x.pageMs).filter((x): x is number => x !== null);
  const worst = pages.length === starts.length ? Math.max(...pages) : null;
  return {
    id: 'start',
    figure: 'server start (spawn of `pactwatch serve`) to first served page (signed-in dashboard)',
    target: '≤ 3 s',
    ours: `${worst === null ? `dashboard: no answer within ${o.requestTimeoutS} s after /health` : `worst ${fmtMs(worst)} (dashboard)`}, ${starts.map((x) => `/health after ${fmtMs(x.healthMs ?? NaN)}`).join(', ')}`,
    reference: '—',
    ratio: '—',
    met: worst === null ? 'no answer' : worst <= 3000 ? 'yes' : 'no',
    data: { starts, firstStartHealthMs: firstHealthMs },
  };
}

