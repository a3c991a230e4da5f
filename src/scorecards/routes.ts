// Scorecard pages (dashboard, perspectives side by side, benchmark, pillar, group, methodology) and
// GET /api/v1/scorecard. Every page takes as_of, known_at and perspective (time travel).

import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { buildScorecard, benchmarkEvidence, groupModel, pageContext, reportBefore, scorecardOf, scoringIndexOf, type PageContext, type ReportReference } from './service';
import { knowledgeKey, viewCache } from './view-cache';
import type { ScoringModel } from '../scoring/model';
import { isKnownAt } from '../scoring/finding';
import { renderPage } from '../views/render';
import { notFound } from '../errors';
import type { Clock } from '../time';
import type { FrameworkTree, GroupNode, PillarNode } from '../framework/repository';
import { latestVerified } from '../evidence/reading';
import { benchmarkChart, benchmarkFindings, benchmarkSeries, dashboardModel, latestEvidence, methodologyModel, pageFrame, perspectiveName, perspectivesModel, viewLink, type PageQuery } from './pages';
import { BenchmarkQuery, CodeParams, ScorecardQuery } from './schemas';
import { dashboardKeyFindings, pillarKeyFindings } from './key-findings';
import type { Kysely } from 'kysely';
import type { Database, UserRow } from '../db/schema';
import { cutOffOf, readerBriefing } from './briefing';
import { AppError } from '../errors';
import { chromiumPath, htmlToPdf, pdfPrintSlots, PDF_RETRY_AFTER_SECONDS, type PdfRenderer } from '../reports/pdf';
import { PRINT_STYLESHEET } from '../plugins/views';
import { msg, say, translate, type Message } from '../i18n/messages';
import { printLocale } from '../views/locale-assets';

/** A page of one part of the framework: its scores, and the latest verified evidence on it that the reader may see. */
interface SectionPage<S extends { code: string }> {
  /** `/pillars` or `/groups` */
  prefix: string;
  template: string;
  missing: Message;
  find(tree: FrameworkTree, code: string): S | undefined;
  /** the evidence on it, as a list filter */
  on(section: S): { pillar: string } | { group: string };
  latestHeading(section: S, locale: string): string;
  model(ctx: PageContext, section: S, q: PageQuery, clock: Clock, reader: { db: Kysely<Database>; viewer: UserRow; locale: string }): Promise<{ title: string | Message } & Record<string, unknown>>;
}

const PILLAR_PAGE: SectionPage<PillarNode> = {
  prefix: '/pillars',
  template: 'scorecards/pillar.hbs',
  missing: msg('No such pillar'),
  find: (tree, code) => tree.pillars.find((p) => p.code === code),
  on: (pillar) => ({ pillar: pillar.code }),
  latestHeading: (_pillar, locale) => translate(locale, 'Latest verified evidence'),
  async model(ctx, pillar, q, clock, reader) {
    const model = cachedView(`dashboard:${reader.locale}`, ctx.model, ctx, q, null, () => dashboardModel(ctx.tree, ctx.model, ctx.resolved, q, clock, null, reader.locale));
    // why the pillar moved: the dashboard's explanation, narrowed to this pillar's benchmarks
    const why = pillarKeyFindings(await dashboardKeyFindings(reader.db, reader.viewer, ctx, model, q, reader.locale), pillar, q);
    return { title: pillar.name, pillar: { ...model.pillars.find((p) => p.code === pillar.code)!, description: pillar.description }, ...why };
  },
};

const GROUP_PAGE: SectionPage<GroupNode> = {
  prefix: '/groups',
  template: 'scorecards/group.hbs',
  missing: msg('No such group'),
  find: (tree, code) => tree.groups.find((g) => g.code === code),
  on: (group) => ({ group: group.code }),
  latestHeading: (group, locale) => translate(locale, 'Latest verified evidence on {code}', { code: group.code }),
  async model(ctx, group, q, clock, reader) {
    // the group's view: the same method over the evidence tagged with this group only
    const tagged = groupModel(ctx.model, group.code);
    const model = cachedView(`dashboard:${reader.locale}`, tagged, ctx, q, null, () => dashboardModel(ctx.tree, tagged, ctx.resolved, q, clock, null, reader.locale));
    // items that count at this view: observed by the as-of date, verified and neither retracted nor replaced by the
    // known-at instant (the model holds every item ever verified)
    const taggedCount = cachedView('tagged-count', tagged, ctx, {}, null, () => countedItems(tagged, ctx.resolved.asOf, ctx.resolved.knownAt));
    return { title: `${group.code}: ${group.name}`, group, ...model, taggedCount };
  },
};

/** How many items of `model` count in the view (as-of date, known-at instant): METHODOLOGY.md section 4. */
export function countedItems(model: ScoringModel, asOf: string, knownAt: string): number {
  const knownAtMs = Date.parse(knownAt);
  const ms = (iso: string | null) => (iso === null ? null : Date.parse(iso));
  let n = 0;
  for (const e of model.evidence()) {
    if (e.observedOn <= asOf && isKnownAt({ verifiedMs: ms(e.verifiedAt), retractedMs: ms(e.retractedAt), supersededMs: ms(e.supersededAt) }, knownAtMs)) n += 1;
  }
  return n;
}

/** View models of the scorecard pages, kept per read model until its next change (they do not depend on the reader). */
const views = viewCache<unknown>(256);

/**
 * The view model `kind` of `model` for the page's view: computed by `make` once per framework tree, dates,
 * perspective, query (links keep it) and report compared with, until the evidence changes.
 */
function cachedView<V>(kind: string, model: ScoringModel, ctx: PageContext, q: PageQuery, report: ReportReference | null, make: () => V): V {
  const { asOf, knownAt, perspective } = ctx.resolved;
  const key = JSON.stringify([kind, treeKey(ctx.tree), perspective, asOf, knowledgeKey(model, knownAt), q, report?.href ?? null, report?.label ?? null]);
  return views.get(model, key, make) as V;
}

/**
 * The tree as a cache key part (names and titles appear on pages): a number per tree object. Trees are kept per
 * framework row (loadFrameworkTree), so the same definition is the same object and an edit makes a new one.
 */
function treeKey(tree: FrameworkTree): number {
  let key = treeKeys.get(tree);
  if (key === undefined) treeKeys.set(tree, (key = ++treeCount));
  return key;
}
const treeKeys = new WeakMap<FrameworkTree, number>();
let treeCount = 0;

export interface ScorecardRoutesOptions {
  /** prints HTML to PDF (the briefing); Chromium (htmlToPdf) unless a test passes another */
  renderPdf?: PdfRenderer;
}

export async function scorecardRoutes(fastify: FastifyInstance, opts: ScorecardRoutesOptions = {}) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const renderPdf = opts.renderPdf ?? htmlToPdf;
  const db = app.db.kysely;
  const pageSchema = { querystring: ScorecardQuery };

  app.get('/api/v1/scorecard', { config: { access: 'signed-in' }, schema: pageSchema }, async (request, reply) => {
    const q = request.query;
    const { scorecard } = await buildScorecard(db, { framework: q.framework, group: q.group, asOf: q.as_of, knownAt: q.known_at, perspective: q.perspective }, app.clock);
    reply.header('cache-control', 'no-store');
    return scorecard;
  });

  app.get('/', { config: { access: 'signed-in' }, schema: pageSchema }, async (request, reply) => {
    const q = request.query;
    const ctx = await pageContext(db, q, app.clock, request.locale);
    const locale = request.locale;
    const report = await reportBefore(db, ctx.tree.id, ctx.resolved.asOf, ctx.resolved.perspective, locale);
    const model = cachedView(`dashboard:${locale}`, ctx.model, ctx, q, report, () => dashboardModel(ctx.tree, ctx.model, ctx.resolved, q, app.clock, report, locale));
    return renderPage(request, reply, 'scorecards/dashboard.hbs', {
      title: msg('Scorecard: {perspective}', { perspective: perspectiveName(ctx.tree, ctx.resolved.perspective) }),
      ...pageFrame('/', q, ctx, app.clock),
      ...model,
      ...(await dashboardKeyFindings(db, request.user!, ctx, model, q, locale)),
      demand: ctx.tree.description,
      caveat: ctx.tree.caveat,
      perspectiveDescription: ctx.tree.perspectives.find((p) => p.code === ctx.resolved.perspective)?.description ?? null,
      briefingHref: viewLink('/briefing', q),
    });
  });

  app.get('/perspectives', { config: { access: 'signed-in' }, schema: pageSchema }, async (request, reply) => {
    const q = request.query;
    const ctx = await pageContext(db, { ...q, perspective: undefined }, app.clock, request.locale);
    return renderPage(request, reply, 'scorecards/perspectives.hbs', {
      title: msg('Perspectives side by side'),
      ...pageFrame('/perspectives', q, ctx, app.clock),
      ...cachedView(`perspectives:${request.locale}`, ctx.model, ctx, q, null, () => perspectivesModel(ctx.tree, ctx.model, ctx.resolved, q, request.locale)),
    });
  });

  app.get('/benchmarks/:code', { config: { access: 'signed-in' }, schema: { querystring: BenchmarkQuery, params: CodeParams } }, async (request, reply) => {
    const { page, ...q } = request.query;
    const ctx = await pageContext(db, q, app.clock, request.locale);
    const pillar = ctx.tree.pillars.find((p) => p.benchmarks.some((b) => b.code === request.params.code));
    if (!pillar) throw notFound(msg('No such benchmark'));
    const benchmark = pillar.benchmarks.find((b) => b.code === request.params.code)!;
    const path = `/benchmarks/${encodeURIComponent(benchmark.code)}`;
    const index = scoringIndexOf(ctx);
    const evidence = await benchmarkEvidence(db, request.user!, index, ctx, benchmark.code, Number(page ?? 1));
    const score = scorecardOf(ctx.model, index, ctx.resolved.asOf).pillars.find((p) => p.code === pillar.code)!.benchmarks.find((b) => b.code === benchmark.code)!;
    return renderPage(request, reply, 'scorecards/benchmark.hbs', {
      title: `${benchmark.code} ${benchmark.title}`,
      ...pageFrame(path, q, ctx, app.clock),
      benchmark,
      pillar: { code: pillar.code, name: pillar.name, href: viewLink(`/pillars/${encodeURIComponent(pillar.code)}`, q) },
      score,
      // the chart's dots are the findings this reader may see: one chart per reader (id, role and delegation decide)
      chart: cachedView(`chart:${benchmark.code}:${JSON.stringify([request.user!.id, request.user!.role, request.user!.delegation, request.locale])}`, ctx.model, ctx, {}, null, () =>
        benchmarkChart(
          cachedView(`series:${benchmark.code}`, ctx.model, ctx, {}, null, () => benchmarkSeries(index, ctx.resolved.asOf, benchmark.code)),
          ctx.resolved.asOf, benchmark.code, benchmark.title, evidence.visible, request.locale,
        ),
      ),
      findings: benchmarkFindings(evidence, path, q),
      evidenceHref: `/evidence?benchmark=${encodeURIComponent(benchmark.code)}`,
    });
  });

  /** Registers a pillar or group page: one handler for both kinds. */
  function sectionPage<S extends { code: string }>(page: SectionPage<S>) {
    app.get(`${page.prefix}/:code`, { config: { access: 'signed-in' }, schema: { ...pageSchema, params: CodeParams } }, async (request, reply) => {
      const q = request.query;
      const ctx = await pageContext(db, q, app.clock, request.locale);
      const section = page.find(ctx.tree, request.params.code);
      if (!section) throw notFound(page.missing);
      const latest = await latestVerified(db, request.user!, ctx.tree.id, page.on(section));
      return renderPage(request, reply, page.template, {
        ...pageFrame(`${page.prefix}/${encodeURIComponent(section.code)}`, q, ctx, app.clock),
        ...(await page.model(ctx, section, q, app.clock, { db, viewer: request.user!, locale: request.locale })),
        latest: latestEvidence(page.latestHeading(section, request.locale), page.on(section), latest),
      });
    });
  }
  sectionPage(PILLAR_PAGE);
  sectionPage(GROUP_PAGE);

  /** The briefing page's data for one reader: the dashboard's model and key findings, selected (briefing.ts). */
  async function briefingData(q: PageQuery, viewer: UserRow, locale: string) {
    const ctx = await pageContext(db, q, app.clock, locale);
    const report = await reportBefore(db, ctx.tree.id, ctx.resolved.asOf, ctx.resolved.perspective, locale);
    const dashboard = cachedView(`dashboard:${locale}`, ctx.model, ctx, q, report, () => dashboardModel(ctx.tree, ctx.model, ctx.resolved, q, app.clock, report, locale));
    const briefing = await readerBriefing(db, viewer, ctx, dashboard, q, locale);
    return {
      title: msg('Briefing: {perspective}', { perspective: briefing.perspectiveName }),
      ...pageFrame('/briefing', q, ctx, app.clock),
      briefing,
      cutOff: cutOffOf(ctx.resolved.asOf, ctx.resolved.knownAt, locale),
      caveat: ctx.tree.caveat,
      pdfHref: viewLink('/briefing.pdf', q),
      dashboardHref: viewLink('/', q),
      fileName: `${ctx.tree.code}-briefing-${ctx.resolved.perspective}-${ctx.resolved.asOf}.pdf`,
    };
  }

  app.get('/briefing', { config: { access: 'signed-in' }, schema: pageSchema }, async (request, reply) => {
    return renderPage(request, reply, 'scorecards/briefing.hbs', await briefingData(request.query, request.user!, request.locale));
  });

  // the same page printed by Chromium: one A4 page per perspective (print CSS), with the demo watermark when it applies
  app.get('/briefing.pdf', { config: { access: 'signed-in', errorFormat: 'json' }, schema: pageSchema }, async (request, reply) => {
    const data = await briefingData(request.query, request.user!, request.locale);
    if (!opts.renderPdf && !chromiumPath()) throw new AppError('UNAVAILABLE', 'PDF needs Chromium on the server (apt-get install chromium); print the briefing page instead.');
    const html = await app.printView('scorecards/briefing.hbs', { ...data, demo: await request.demoEvidence(), inlineCss: PRINT_STYLESHEET, ...printLocale(request.locale), title: say(request.locale, data.title), user: null, csrfToken: '' });
    let pdf: Buffer;
    try {
      pdf = await pdfPrintSlots.run(() => renderPdf(html as string));
    } catch (err) {
      if (err instanceof AppError && err.code === 'BUSY') reply.header('retry-after', String(PDF_RETRY_AFTER_SECONDS));
      throw err;
    }
    return reply
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="${data.fileName}"`)
      .type('application/pdf')
      .send(pdf);
  });

  app.get('/methodology', { config: { access: 'signed-in' }, schema: pageSchema }, async (request, reply) => {
    const q = request.query;
    const ctx = await pageContext(db, q, app.clock, request.locale);
    return renderPage(request, reply, 'scorecards/methodology.hbs', { ...pageFrame('/methodology', q, ctx, app.clock), ...methodologyModel(ctx.tree) });
  });
}
