// Scorecard pages (dashboard, perspectives side by side, benchmark, pillar, group, methodology) and
// GET /api/v1/scorecard. Every page takes as_of, known_at and perspective (time travel).

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { buildScorecard, resolveQuery } from './service';
import { resolveFramework, loadFrameworkTree, loadScoringEvidence, toScoringFramework, JOINT } from '../framework/repository';
import { renderPage } from '../views/render';
import { notFound } from '../errors';
import { METHODOLOGY_VERSION, RELIABILITY_FACTORS, CREDIBILITY_FACTORS, SCORING_CONSTANTS } from '../scoring/index';
import type { ReportContent } from '../reports/build';
import { type ReportReference, benchmarkChart, benchmarkFindings, dashboardModel, perspectiveChoices, perspectiveName, perspectivesModel, timeTravel, viewLink, type PageQuery } from './pages';
import { listEvidence, loadEvidenceDetail } from '../evidence/repository';
import { dashboardKeyFindings, pillarKeyFindings } from './key-findings';

const ScorecardQuery = Type.Object({
  framework: Type.Optional(Type.String({ maxLength: 64 })),
  group: Type.Optional(Type.String({ maxLength: 64 })),
  as_of: Type.Optional(Type.String({ maxLength: 40 })),
  known_at: Type.Optional(Type.String({ maxLength: 40 })),
  perspective: Type.Optional(Type.String({ maxLength: 64 })),
});
type ScorecardQuery = Static<typeof ScorecardQuery>;
const CodeParams = Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }) });
type CodeParams = Static<typeof CodeParams>;

export async function scorecardRoutes(app: FastifyInstance) {
  const db = app.db.kysely;

  /** Framework, evidence and the resolved dates for any scorecard page. */
  async function context(q: ScorecardQuery) {
    const fw = await resolveFramework(db, q.framework);
    const tree = await loadFrameworkTree(db, fw);
    const resolved = resolveQuery({ asOf: q.as_of, knownAt: q.known_at, perspective: q.perspective }, tree, app.clock);
    const evidence = await loadScoringEvidence(db, fw.id);
    return { tree, resolved, evidence };
  }

  /** The latest report whose period ended before the as-of date (monthly preferred), for "what changed". */
  async function lastReportBefore(frameworkId: number, asOf: string, perspective: string): Promise<ReportReference | null> {
    const row = await db
      .selectFrom('reports')
      .select(['id', 'kind', 'period', 'content'])
      .where('framework_id', '=', frameworkId)
      .where('period_end', '<', asOf)
      .orderBy('period_end', 'desc')
      .orderBy((eb) => eb.case().when('kind', '=', 'monthly').then(0).when('kind', '=', 'quarterly').then(1).else(2).end())
      .limit(1)
      .executeTakeFirst();
    if (!row) return null;
    const content = JSON.parse(row.content) as ReportContent;
    const scorecard = content.scorecards[perspective];
    if (!scorecard) return null;
    return { label: `the ${row.kind} report ${row.period} (as of ${content.report.as_of})`, href: `/reports/${row.id}`, scorecard, asOf: content.report.as_of, knownAt: content.report.known_at };
  }

  function common(request: FastifyRequest, path: string, q: PageQuery, ctx: Awaited<ReturnType<typeof context>>) {
    return {
      framework: { code: ctx.tree.code, name: ctx.tree.name, subject: ctx.tree.subject },
      perspective: ctx.resolved.perspective,
      perspectiveName: perspectiveName(ctx.tree, ctx.resolved.perspective),
      perspectives: perspectiveChoices(path, ctx.tree, q, ctx.resolved.perspective),
      time: timeTravel(path, q, ctx.resolved, app.clock),
      formAction: path,
      nav: {
        dashboard: viewLink('/', q),
        perspectives: viewLink('/perspectives', q),
        methodology: viewLink('/methodology', q),
      },
      apiHref: viewLink('/api/v1/scorecard', { ...q, framework: ctx.tree.code, as_of: ctx.resolved.asOf, perspective: ctx.resolved.perspective }),
    };
  }

  app.get<{ Querystring: ScorecardQuery }>(
    '/api/v1/scorecard',
    { config: { access: 'signed-in' }, schema: { querystring: ScorecardQuery } },
    async (request, reply) => {
      const { scorecard } = await buildScorecard(
        db,
        { framework: request.query.framework, group: request.query.group, asOf: request.query.as_of, knownAt: request.query.known_at, perspective: request.query.perspective },
        app.clock,
      );
      reply.header('cache-control', 'no-store');
      return scorecard;
    },
  );

  app.get<{ Querystring: ScorecardQuery }>('/', { config: { access: 'signed-in' }, schema: { querystring: ScorecardQuery } }, async (request, reply) => {
    const q = request.query;
    const ctx = await context(q);
    const model = dashboardModel(ctx.tree, ctx.evidence, ctx.resolved, q, app.clock, await lastReportBefore(ctx.tree.id, ctx.resolved.asOf, ctx.resolved.perspective));
    const why = await dashboardKeyFindings(db, request.user!, ctx, model, q);
    return renderPage(request, reply, 'scorecards/dashboard.hbs', {
      title: `Scorecard: ${perspectiveName(ctx.tree, ctx.resolved.perspective)}`,
      ...common(request, '/', q, ctx),
      ...model,
      ...why,
    });
  });

  app.get<{ Querystring: ScorecardQuery }>('/perspectives', { config: { access: 'signed-in' }, schema: { querystring: ScorecardQuery } }, async (request, reply) => {
    const q = request.query;
    const ctx = await context({ ...q, perspective: undefined });
    const model = perspectivesModel(ctx.tree, ctx.evidence, ctx.resolved, q);
    return renderPage(request, reply, 'scorecards/perspectives.hbs', {
      title: 'Perspectives side by side',
      ...common(request, '/perspectives', q, ctx),
      ...model,
    });
  });

  app.get<{ Params: CodeParams; Querystring: ScorecardQuery }>(
    '/benchmarks/:code',
    { config: { access: 'signed-in' }, schema: { params: CodeParams, querystring: ScorecardQuery } },
    async (request, reply) => {
      const q = request.query;
      const ctx = await context(q);
      const pillar = ctx.tree.pillars.find((p) => p.benchmarks.some((b) => b.code === request.params.code));
      if (!pillar) throw notFound('No such benchmark');
      const benchmark = pillar.benchmarks.find((b) => b.code === request.params.code)!;
      const framework = toScoringFramework(ctx.tree);
      const findings = await benchmarkFindings(db, request.user!, framework, ctx.evidence, ctx.resolved, benchmark.code);
      const score = findings.index.scorecard(ctx.resolved.asOf).pillars.find((p) => p.code === pillar.code)!.benchmarks.find((b) => b.code === benchmark.code)!;
      const chart = benchmarkChart(findings.index, ctx.resolved.asOf, benchmark.code, benchmark.title, new Set(findings.visible.map((f) => f.evidenceId)));
      const path = `/benchmarks/${encodeURIComponent(benchmark.code)}`;
      return renderPage(request, reply, 'scorecards/benchmark.hbs', {
        title: `${benchmark.code} ${benchmark.title}`,
        ...common(request, path, q, ctx),
        benchmark,
        pillar: { code: pillar.code, name: pillar.name, href: viewLink(`/pillars/${encodeURIComponent(pillar.code)}`, q) },
        score,
        chart,
        findings,
        evidenceHref: `/evidence?benchmark=${encodeURIComponent(benchmark.code)}`,
      });
    },
  );

  app.get<{ Params: CodeParams; Querystring: ScorecardQuery }>(
    '/pillars/:code',
    { config: { access: 'signed-in' }, schema: { params: CodeParams, querystring: ScorecardQuery } },
    async (request, reply) => {
      const q = request.query;
      const ctx = await context(q);
      const pillar = ctx.tree.pillars.find((p) => p.code === request.params.code);
      if (!pillar) throw notFound('No such pillar');
      const model = dashboardModel(ctx.tree, ctx.evidence, ctx.resolved, q, app.clock);
      const pillarModel = model.pillars.find((p) => p.code === pillar.code)!;
      const why = pillarKeyFindings(await dashboardKeyFindings(db, request.user!, ctx, model, q), pillar, q);
      const recent = await listEvidence(db, request.user!, { frameworkId: ctx.tree.id, pillar: pillar.code, status: 'verified' }, { offset: 0, limit: 10 });
      return renderPage(request, reply, 'scorecards/pillar.hbs', {
        title: pillar.name,
        ...common(request, `/pillars/${encodeURIComponent(pillar.code)}`, q, ctx),
        pillar: { ...pillarModel, description: pillar.description },
        evidence: (await Promise.all(recent.items.map((r) => loadEvidenceDetail(db, r, request.user!)))).map((d) => ({ id: d.row.id, title: d.row.title, observed_on: d.row.observed_on })),
        evidenceTotal: recent.total,
        evidenceRestricted: recent.restricted,
        evidenceHref: `/evidence?pillar=${encodeURIComponent(pillar.code)}&status=verified`,
        ...why,
      });
    },
  );

  app.get<{ Params: CodeParams; Querystring: ScorecardQuery }>(
    '/groups/:code',
    { config: { access: 'signed-in' }, schema: { params: CodeParams, querystring: ScorecardQuery } },
    async (request, reply) => {
      const q = request.query;
      const ctx = await context(q);
      const group = ctx.tree.groups.find((g) => g.code === request.params.code);
      if (!group) throw notFound('No such group');
      // the group's view: the same method over the evidence tagged with this group only
      const tagged = ctx.evidence.filter((e) => e.groups.includes(group.code));
      const model = dashboardModel(ctx.tree, tagged, ctx.resolved, q, app.clock);
      const recent = await listEvidence(db, request.user!, { frameworkId: ctx.tree.id, group: group.code, status: 'verified' }, { offset: 0, limit: 10 });
      return renderPage(request, reply, 'scorecards/group.hbs', {
        title: `${group.code}: ${group.name}`,
        ...common(request, `/groups/${encodeURIComponent(group.code)}`, q, ctx),
        group,
        ...model,
        taggedCount: tagged.length,
        evidence: (await Promise.all(recent.items.map((r) => loadEvidenceDetail(db, r, request.user!)))).map((d) => ({ id: d.row.id, title: d.row.title, observed_on: d.row.observed_on })),
        evidenceTotal: recent.total,
        evidenceRestricted: recent.restricted,
        evidenceHref: `/evidence?group=${encodeURIComponent(group.code)}&status=verified`,
      });
    },
  );

  app.get<{ Querystring: ScorecardQuery }>('/methodology', { config: { access: 'signed-in' }, schema: { querystring: ScorecardQuery } }, async (request, reply) => {
    const q = request.query;
    const ctx = await context(q);
    const pillarCodes = ctx.tree.pillars.map((p) => p.code);
    return renderPage(request, reply, 'scorecards/methodology.hbs', {
      title: 'How the scores are computed',
      ...common(request, '/methodology', q, ctx),
      version: METHODOLOGY_VERSION,
      constants: SCORING_CONSTANTS,
      priorStrength: ctx.tree.priorStrength,
      assessedThreshold: ctx.tree.assessedThreshold,
      reliability: Object.entries(RELIABILITY_FACTORS).map(([grade, factor]) => ({ grade, factor })),
      credibility: Object.entries(CREDIBILITY_FACTORS).map(([grade, factor]) => ({ grade, factor })),
      pillars: ctx.tree.pillars.map((p) => ({ code: p.code, name: p.name, benchmarks: p.benchmarks })),
      perspectives: [
        { code: JOINT, name: perspectiveName(ctx.tree, JOINT), pillarWeights: pillarCodes.map((c) => ({ code: c, weight: 1 })), groupWeights: ctx.tree.groups.map((g) => ({ code: g.code, weight: 1 })) },
        ...ctx.tree.perspectives.map((p) => ({
          code: p.code,
          name: p.name,
          pillarWeights: pillarCodes.map((c) => ({ code: c, weight: p.pillarWeights[c] ?? 1 })),
          groupWeights: ctx.tree.groups.map((g) => ({ code: g.code, weight: p.groupWeights[g.code] ?? 1 })),
        })),
      ],
      groups: ctx.tree.groups,
    });
  });
}
