// 2. The dashboard (GET /) and GET /api/v1/scorecard of the real app, each against a minimal fastify app that
// serves the same bytes from memory; all driven with inject, interleaved. The dashboard is also measured on a
// second app over the same database built with NODE_ENV=production (template caching in @fastify/view), and
// broken down into its steps.

import Fastify from 'fastify';
import { dashboardModel } from '../src/scorecards/pages';
import { buildScorecard, resolveQuery } from '../src/scorecards/service';
import { resolveFramework, loadFrameworkTree } from '../src/framework/repository';
import { scoringModelFor } from '../src/framework/read-model';
import { systemClock } from '../src/time';
import { buildAppWithNodeEnv, startSignedInApp } from './app-fixture';
import { fmt, fmtMs, fmtOps, fmtRatio, interleave, nowMs, progress, quantile, ratioRange, roundRatio, type BenchResult, type VariantResult } from './harness';

const ROUNDS = 5;
const REQUESTS_PER_ROUND = 200;
const WARMUP = 50;

function staticApp(routes: { url: string; contentType: string; body: Buffer }[]) {
  const app = Fastify({ logger: false });
  for (const r of routes) app.get(r.url, async (_request, reply) => reply.type(r.contentType).send(r.body));
  return app;
}

function row(label: string, r: VariantResult, bytes: number): string[] {
  return [label, fmt(bytes / 1024, 1) + ' KiB', fmtMs(r.msPerOp), fmtMs(quantile(r.samples, 0.9)), fmtOps(r.msPerOp)];
}

export async function runPages(): Promise<BenchResult> {
  const started = nowMs();
  progress('pages: building the app on :memory: with the demo seed, signing in a viewer');
  const fixture = await startSignedInApp();
  const { app, cookie, db } = fixture;
  const cachedViews = await buildAppWithNodeEnv(db, 'production');
  try {
    const headers = { cookie };
    const dash = await app.inject({ method: 'GET', url: '/', headers });
    const dashCached = await cachedViews.inject({ method: 'GET', url: '/', headers });
    const api = await app.inject({ method: 'GET', url: '/api/v1/scorecard', headers });
    if (dash.statusCode !== 200 || dashCached.statusCode !== 200 || api.statusCode !== 200) {
      throw new Error(`GET / ${dash.statusCode} (cached views: ${dashCached.statusCode}), GET /api/v1/scorecard ${api.statusCode}`);
    }
    // the two apps must render the same page (apart from the per-request CSRF token and the SVG element ids,
    // which come from a process-wide counter)
    const strip = (html: string) => html.replace(/name="_csrf" value="[^"]*"/g, '').replace(/spark-\d+/g, 'spark-N');
    const samePage = strip(dash.body) === strip(dashCached.body);
    const dashBytes = dash.rawPayload;
    const apiBytes = api.rawPayload;
    const svgs = (dash.body.match(/<svg/g) ?? []).length;
    const baseline = staticApp([
      { url: '/', contentType: String(dash.headers['content-type']), body: dashBytes },
      { url: '/api/v1/scorecard', contentType: String(api.headers['content-type']), body: apiBytes },
    ]);
    await baseline.ready();

    const get = (target: typeof app, url: string, withCookie = true) => async () => {
      const r = await target.inject({ method: 'GET', url, headers: withCookie ? headers : {} });
      if (r.statusCode !== 200) throw new Error(`GET ${url} answered ${r.statusCode} during the benchmark`);
      return r.rawPayload.length;
    };

    progress(`pages: GET / (as shipped, cached views) vs static, ${ROUNDS} rounds × ${REQUESTS_PER_ROUND} requests each (interleaved)`);
    const [ourDash, cachedDash, staticDash] = await interleave(
      [
        { name: 'GET / (as shipped)', op: get(app, '/') },
        { name: 'GET / (NODE_ENV=production)', op: get(cachedViews, '/') },
        { name: 'GET / (static)', op: get(baseline, '/', false) },
      ],
      { rounds: ROUNDS, opsPerRound: REQUESTS_PER_ROUND, warmupOps: WARMUP, perOp: true },
    );
    progress(`pages: GET /api/v1/scorecard vs static, ${ROUNDS} rounds × ${REQUESTS_PER_ROUND} requests each (interleaved)`);
    const [ourApi, staticApi] = await interleave(
      [
        { name: 'API (pactwatch)', op: get(app, '/api/v1/scorecard') },
        { name: 'API (static)', op: get(baseline, '/api/v1/scorecard', false) },
      ],
      { rounds: ROUNDS, opsPerRound: REQUESTS_PER_ROUND, warmupOps: WARMUP, perOp: true },
    );

    // where the dashboard's time goes: the same steps the route takes, called directly, interleaved with the page
    progress('pages: dashboard breakdown (database loads, engine + view model, whole requests)');
    const kysely = db.kysely;
    const loadContext = async () => {
      const fw = await resolveFramework(kysely, undefined);
      const tree = await loadFrameworkTree(kysely, fw);
      const resolved = resolveQuery({}, tree, systemClock);
      // the read model as requests get it: the change log read, the model kept in memory
      return { tree, resolved, model: await scoringModelFor(kysely, tree) };
    };
    const ctx = await loadContext();
    const [loads, model, whole, wholeCached, apiDirect] = await interleave(
      [
        { name: 'db loads', op: loadContext },
        { name: 'dashboardModel', op: () => dashboardModel(ctx.tree, ctx.model, ctx.resolved, {}, systemClock) },
        { name: 'GET /', op: get(app, '/') },
        { name: 'GET / cached views', op: get(cachedViews, '/') },
        { name: 'buildScorecard', op: () => buildScorecard(kysely, {}, systemClock) },
      ],
      { rounds: ROUNDS, opsPerRound: 100, warmupOps: 20, perOp: true },
    );
    await baseline.close();

    const dashRatio = roundRatio(ourDash, staticDash);
    const cachedRatio = roundRatio(cachedDash, staticDash);
    const shippedOverCached = roundRatio(ourDash, cachedDash);
    const apiRatio = roundRatio(ourApi, staticApi);
    const share = (ms: number) => `${fmt((100 * ms) / whole.msPerOp, 0)}%`;
    const templates = Math.max(whole.msPerOp - wholeCached.msPerOp, 0);
    const restCached = Math.max(wholeCached.msPerOp - loads.msPerOp - model.msPerOp, 0);
    const evidenceCount = ctx.model.size;
    const notes = [
      `Dashboard: ${fmt(dashBytes.length / 1024, 1)} KiB of HTML with ${svgs} inline SVGs (13-point sparklines and the score chart); demo data = ${evidenceCount} verified evidence items. ` +
        `As shipped, GET / costs ${fmtRatio(dashRatio)} the static baseline (per-round ratios ${ratioRange(ourDash, staticDash)}); the scorecard API ${fmtRatio(apiRatio)} (${ratioRange(ourApi, staticApi)}).`,
      shippedOverCached > 1.5
        ? `Templates are being recompiled per request: the app as shipped is ${fmtRatio(shippedOverCached)} slower than with NODE_ENV=production. ` +
          `Check that src/plugins/views.ts passes @fastify/view's \`production\` option (templates are compiled once and cached).`
        : `Templates are compiled once and cached (@fastify/view \`production\` mode unless NODE_ENV=development): the app as shipped and with NODE_ENV=production ` +
          `serve the dashboard at the same speed (${fmtRatio(shippedOverCached)}${samePage ? ', identical pages apart from the CSRF token' : ', NOTE: the pages differed'}).`,
      `Dashboard breakdown (${fmtMs(whole.msPerOp)} per request as shipped): template reading + compiling ≈ ${fmtMs(templates)} (${share(templates)}), database loads ${fmtMs(loads.msPerOp)} (${share(loads.msPerOp)}), ` +
        `engine + view model ${fmtMs(model.msPerOp)} (${share(model.msPerOp)}), and the rest — session and user lookup, running the compiled templates, hooks, inject — ≈ ${fmtMs(restCached)} (${share(restCached)}).`,
      `Both pages re-read the framework tree and every verified item with its findings and tags on each request and re-index them (no cache between requests), so their cost grows linearly with the evidence (see the scoring benchmark); with the demo's ${evidenceCount} items that part is small.`,
    ];
    return {
      id: 'pages',
      title: 'Dashboard and scorecard API vs. fastify serving the same bytes',
      method:
        `The real app (buildApp, NODE_ENV unset as shipped) on an in-memory SQLite database seeded with the demo (seedDefault), one viewer signed in through GET/POST /login. ` +
        `Each response is compared with a bare fastify app returning the same bytes from memory; the dashboard also with a second app on the same database built with NODE_ENV=production. ` +
        `All via app.inject (no sockets), interleaved over ${ROUNDS} rounds of ${REQUESTS_PER_ROUND} requests per variant (after ${WARMUP} warm-up requests), ` +
        `one request at a time, the event loop allowed to turn (untimed) between requests; the ratio is the median of the per-round ratios of median latencies.`,
      tables: [
        {
          caption: 'Latency per request (median over all requests; p90) and the ratio to the static baseline',
          table: {
            headers: ['request', 'body', 'median', 'p90', 'req/s (1 at a time)', 'ours / static'],
            rows: [
              [...row('GET / (dashboard, as shipped)', ourDash, dashBytes.length), fmtRatio(dashRatio)],
              [...row('GET / (dashboard, NODE_ENV=production)', cachedDash, dashBytes.length), fmtRatio(cachedRatio)],
              [...row('static, same HTML', staticDash, dashBytes.length), '1.00×'],
              [...row('GET /api/v1/scorecard', ourApi, apiBytes.length), fmtRatio(apiRatio)],
              [...row('static, same JSON', staticApi, apiBytes.length), '1.00×'],
            ],
          },
        },
        {
          caption: 'Where the dashboard time goes (steps called directly, interleaved with whole requests; median per call)',
          table: {
            headers: ['step', 'median', 'share of GET / as shipped'],
            rows: [
              ['resolveFramework + loadFrameworkTree + loadScoringEvidence', fmtMs(loads.msPerOp), share(loads.msPerOp)],
              ['dashboardModel (index + 13 monthly cards + reference card + SVG charts)', fmtMs(model.msPerOp), share(model.msPerOp)],
              ['template reading + compiling (GET / as shipped − GET / with NODE_ENV=production)', fmtMs(templates), share(templates)],
              ['rest: session + user lookup, running the templates, hooks, inject', fmtMs(restCached), share(restCached)],
              ['whole GET / as shipped', fmtMs(whole.msPerOp), '100%'],
              ['whole GET / with NODE_ENV=production', fmtMs(wholeCached.msPerOp), share(wholeCached.msPerOp)],
              ['buildScorecard (what the API route calls, without HTTP)', fmtMs(apiDirect.msPerOp), '—'],
            ],
          },
        },
      ],
      notes,
      seconds: (nowMs() - started) / 1000,
    };
  } finally {
    await cachedViews.close();
    await fixture.close();
  }
}
