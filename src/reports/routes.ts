// Report pages: the list, one report (print-ready HTML), its CSV, JSON and PDF; the scheduler's runs (admins).
// A PDF is printed once per report and reader's view and then served from storage.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { AppError, notFound } from '../errors';
import { renderPage } from '../views/render';
import { IdParams } from '../http/schemas';
import type { ReportPdfRow, ReportRow } from '../db/schema';
import { cutoffSentence, type ReportContent } from './build';
import { findReportById, listReports, previousReportOf, recentRuns } from './service';
import { readerMarking, readerView, reportCsv } from './present';
import { reportKeyFindings, frozenTree, type ReportKeyFindings } from '../scorecards/report-findings';
import { JOINT } from '../framework/repository';
import type { Scorecard } from '../scoring/types';
import { chromiumPath, htmlToPdf, pdfPrintSlots, PDF_RETRY_AFTER_SECONDS, type PdfRenderer } from './pdf';
import { findReportPdf, storeReportPdf, viewSha256 } from './pdf-store';
import { canonicalJson } from '../audit/log';
import { PRINT_STYLESHEET } from '../plugins/views';
import { printLocale } from '../views/locale-assets';
import { msg, translate, type Message } from '../i18n/messages';


/** What started a scheduler run, in words (a trigger this version does not know is shown as stored). */
const TRIGGER_LABELS: Record<string, Message> = {
  schedule: msg('schedule'),
  'catch-up': msg('catch-up'),
  cli: msg('command line'),
  test: msg('test'),
};

function fileName(report: ReportRow, framework: string, ext: string) {
  return `${framework}-${report.kind}-${report.period}.${ext}`;
}

export interface ReportRoutesOptions {
  /** prints HTML to PDF; Chromium (htmlToPdf) unless a test passes another */
  renderPdf?: PdfRenderer;
}

export async function reportRoutes(fastify: FastifyInstance, opts: ReportRoutesOptions = {}) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = app.db.kysely;
  const renderPdf = opts.renderPdf ?? htmlToPdf;
  // prints under way in this process, by report and view: parallel requests for one view share one print
  const printing = new Map<string, Promise<ReportPdfRow>>();

  /** The stored PDF of one view of a report, printing and storing it first when there is none. */
  async function reportPdf(reportId: number, data: object): Promise<ReportPdfRow> {
    const viewKey = viewSha256(data);
    const stored = await findReportPdf(db, reportId, viewKey);
    if (stored) return stored;
    if (!opts.renderPdf && !chromiumPath()) throw new AppError('UNAVAILABLE', 'PDF needs Chromium on the server (apt-get install chromium); print the report page instead.');
    const flightKey = `${reportId}:${viewKey}`;
    let flight = printing.get(flightKey);
    if (!flight) {
      flight = pdfPrintSlots
        .run(async () => {
          // printed by another request, or another instance, while this one waited for a slot
          const printed = await findReportPdf(db, reportId, viewKey);
          if (printed) return printed;
          const pdf = await renderPdf(await app.printView('reports/show.hbs', data));
          return storeReportPdf(db, reportId, viewKey, pdf, app.clock);
        })
        .finally(() => printing.delete(flightKey));
      printing.set(flightKey, flight);
    }
    return flight;
  }

  async function load(request: FastifyRequest, id: string) {
    const report = await findReportById(db, Number(id));
    if (!report) throw notFound(msg('No such report'));
    const content = JSON.parse(report.content) as ReportContent;
    const view = readerView(request.user!, content);
    const previous = await previousReportOf(db, report, content.changes.previous_period);
    return { report, content, view, keyFindings: reportKeyFindings(content, view.explanations, previous, request.locale) };
  }

  function pageData(report: ReportRow, content: ReportContent, view: ReturnType<typeof readerView>, keyFindings: ReportKeyFindings[], marking: string, isAdmin: boolean, locale: string) {
    const joint = content.scorecards.JOINT;
    const tree = frozenTree(content);
    const pillarNames = Object.fromEntries(tree.pillars.map((p) => [p.code, p.name]));
    const titles = Object.fromEntries(tree.pillars.flatMap((p) => p.benchmarks.map((b) => [b.code, b.title])));
    const named = (card: Scorecard) => card.pillars.map((p) => ({ ...p, name: pillarNames[p.code], benchmarks: p.benchmarks.map((b) => ({ ...b, title: titles[b.code] })) }));
    const jointMovements = keyFindings.find((k) => k.perspective === JOINT)?.movements ?? {};
    return {
      // a string, not a message: the print layout shows it as it is
      title: translate(locale, '{framework}: {kind, select, monthly {Monthly report {period}} quarterly {Quarterly report {period}} weekly {Weekly report {period}} other {Report {period}}}', {
        framework: content.report.framework_name,
        kind: report.kind,
        period: report.period,
      }),
      report: { ...report, content: undefined },
      r: content.report,
      cutoff: cutoffSentence(content.report.as_of, content.report.known_at, locale),
      // digests over content that includes restricted titles: only for those who may read it all (and can check them)
      auditHead: isAdmin ? content.audit_head : null,
      joint,
      pillarNames,
      perspectives: content.perspectives.map((p) => ({ ...p, card: content.scorecards[p.code], pillars: named(content.scorecards[p.code]) })),
      changes: { ...content.changes, biggest_movers: content.changes.biggest_movers.map((m) => ({ ...m, movement: jointMovements[m.code] ?? null })) },
      keyFindings,
      marking,
      caveat: content.caveat ?? null,
      evidence: view.evidence,
      pdfAvailable: chromiumPath() !== null,
      exact: isAdmin,
      links: { csv: `/reports/${report.id}.csv`, json: `/reports/${report.id}.json`, pdf: `/reports/${report.id}.pdf` },
    };
  }

  app.get('/reports', { config: { access: 'signed-in' } }, async (request, reply) => {
    const reports = await listReports(db);
    const latest = (kind: string) => reports.find((r) => r.kind === kind);
    return renderPage(request, reply, 'reports/list.hbs', {
      title: msg('Reports'),
      reports,
      latestMonthly: latest('monthly'),
      latestQuarterly: latest('quarterly'),
      latestWeekly: latest('weekly'),
      // a report's digest covers titles restricted from most readers: only administrators see and check it
      showDigests: request.user!.role === 'admin',
    });
  });

  app.get('/reports/:id', { config: { access: 'signed-in' }, schema: { params: IdParams } }, async (request, reply) => {
    const { report, content, view, keyFindings } = await load(request, request.params.id);
    return renderPage(request, reply, 'reports/show.hbs', pageData(report, content, view, keyFindings, readerMarking(request.user!, content), request.user!.role === 'admin', request.locale));
  });


  for (const ext of ['json', 'csv', 'pdf'] as const) {
    // downloads answer errors in the JSON error shape, not as an HTML page
    app.get(`/reports/:id.${ext}`, { config: { access: 'signed-in', errorFormat: 'json' }, schema: { params: IdParams } }, async (request, reply) => {
      const { report, content, view, keyFindings } = await load(request, request.params.id);
      const fw = content.report.framework;
      reply.header('cache-control', 'no-store').header('content-disposition', `attachment; filename="${fileName(report, fw, ext)}"`);
      if (ext === 'csv') return reply.type('text/csv; charset=utf-8').send(reportCsv(content, request.locale));
      if (ext === 'json') {
        // admins get the stored bytes (their SHA-256 is the report's); others the same report without restricted titles
        const body = request.user!.role === 'admin' ? canonicalJson(content) : JSON.stringify(view);
        if (request.user!.role === 'admin') reply.header('x-report-sha256', report.sha256);
        return reply.type('application/json; charset=utf-8').send(body);
      }
      // exactly what the print is made from: its hash tells this reader's view apart from others'
      const data = { ...pageData(report, content, view, keyFindings, readerMarking(request.user!, content), request.user!.role === 'admin', request.locale), demo: await request.demoEvidence(), inlineCss: PRINT_STYLESHEET, ...printLocale(request.locale), user: null, csrfToken: '' };
      let pdf: ReportPdfRow;
      try {
        pdf = await reportPdf(report.id, data);
      } catch (err) {
        if (err instanceof AppError && err.code === 'BUSY') reply.header('retry-after', String(PDF_RETRY_AFTER_SECONDS));
        throw err;
      }
      return reply.type('application/pdf').header('x-content-sha256', pdf.sha256).send(Buffer.from(pdf.pdf));
    });
  }

  app.get('/admin/report-runs', { config: { access: ['admin'] } }, async (request, reply) => {
    const runs = await recentRuns(db, 200);
    return renderPage(request, reply, 'admin/report-runs.hbs', {
      title: msg('Report runs'),
      runs: runs.map((run) => ({ ...run, triggerLabel: TRIGGER_LABELS[run.trigger] ?? run.trigger })),
      failures: runs.filter((r) => r.outcome === 'failed').length,
      schedule: {
        kinds: app.config.reportKinds.map((kind) => translate(request.locale, '{kind, select, monthly {monthly} quarterly {quarterly} weekly {weekly} other {{kind}}}', { kind })).join(', ') || translate(request.locale, 'none'),
        at: app.config.reportTime,
        tz: app.config.reportTimeZone,
      },
    });
  });
}
