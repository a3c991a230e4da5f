// Report pages: the list, one report (print-ready HTML), its CSV, JSON and PDF; the scheduler's runs (admins).

import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { notFound } from '../errors';
import { renderPage } from '../views/render';
import { IdParams } from '../evidence/schemas';
import type { ReportRow } from '../db/schema';
import type { ReportContent } from './build';
import { listReports, recentRuns } from './service';
import { readerView, reportCsv } from './present';
import { chromiumPath, htmlToPdf } from './pdf';
import { canonicalJson } from '../audit/log';
import { VIEWS_DIR } from '../plugins/views';

const STYLESHEET = fs.readFileSync(path.join(VIEWS_DIR, 'assets/app.css'), 'utf8');

function fileName(report: ReportRow, framework: string, ext: string) {
  return `${framework}-${report.kind}-${report.period}.${ext}`;
}

export async function reportRoutes(app: FastifyInstance) {
  const db = app.db.kysely;

  async function load(request: FastifyRequest<{ Params: IdParams }>) {
    const report = await db.selectFrom('reports').selectAll().where('id', '=', Number(request.params.id)).executeTakeFirst();
    if (!report) throw notFound('No such report');
    const content = JSON.parse(report.content) as ReportContent;
    return { report, content, view: readerView(request.user!, content) };
  }

  function pageData(report: ReportRow, content: ReportContent, view: ReturnType<typeof readerView>, isAdmin: boolean) {
    const joint = content.scorecards.JOINT;
    return {
      title: `${content.report.framework_name}: ${report.kind[0].toUpperCase()}${report.kind.slice(1)} report ${report.period}`,
      report: { ...report, content: undefined },
      r: content.report,
      cutoff: content.information_cutoff,
      // digests over content that includes restricted titles: only for those who may read it all (and can check them)
      auditHead: isAdmin ? content.audit_head : null,
      joint,
      pillarNames: Object.fromEntries(joint.pillars.map((p) => [p.code, p.code])),
      perspectives: content.perspectives.map((p) => ({ ...p, card: content.scorecards[p.code] })),
      changes: content.changes,
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
      title: 'Reports',
      reports,
      latestMonthly: latest('monthly'),
      latestQuarterly: latest('quarterly'),
      latestWeekly: latest('weekly'),
      // a report's digest covers titles restricted from most readers: only administrators see and check it
      showDigests: request.user!.role === 'admin',
    });
  });

  app.get<{ Params: IdParams }>('/reports/:id', { config: { access: 'signed-in' }, schema: { params: IdParams } }, async (request, reply) => {
    const { report, content, view } = await load(request);
    return renderPage(request, reply, 'reports/show.hbs', pageData(report, content, view, request.user!.role === 'admin'));
  });


  for (const ext of ['json', 'csv', 'pdf'] as const) {
    app.get<{ Params: IdParams }>(`/reports/:id.${ext}`, { config: { access: 'signed-in' }, schema: { params: IdParams } }, async (request, reply) => {
      const { report, content, view } = await load(request);
      const fw = content.report.framework;
      reply.header('cache-control', 'no-store').header('content-disposition', `attachment; filename="${fileName(report, fw, ext)}"`);
      if (ext === 'csv') return reply.type('text/csv; charset=utf-8').send(reportCsv(content));
      if (ext === 'json') {
        // admins get the stored bytes (their SHA-256 is the report's); others the same report without restricted titles
        const body = request.user!.role === 'admin' ? canonicalJson(content) : JSON.stringify(view);
        if (request.user!.role === 'admin') reply.header('x-report-sha256', report.sha256);
        return reply.type('application/json; charset=utf-8').send(body);
      }
      if (!chromiumPath()) return reply.status(503).type('text/plain; charset=utf-8').send('PDF needs Chromium on the server (apt-get install chromium); print the report page instead.');
      const html = await app.printView('reports/show.hbs', { ...pageData(report, content, view, request.user!.role === 'admin'), inlineCss: STYLESHEET, user: null, csrfToken: '' });
      return reply.type('application/pdf').send(await htmlToPdf(html));
    });
  }

  app.get('/admin/report-runs', { config: { access: ['admin'] } }, async (request, reply) => {
    const runs = await recentRuns(db, 200);
    return renderPage(request, reply, 'admin/report-runs.hbs', {
      title: 'Report runs',
      runs,
      failures: runs.filter((r) => r.outcome === 'failed').length,
      schedule: { kinds: app.config.reportKinds.join(', ') || 'none', at: app.config.reportTime, tz: app.config.reportTimeZone },
    });
  });
}
