// Browsing evidence: the filtered list, its CSV and JSON exports (streamed), and one item with its history.

import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { renderPage } from '../../views/render';
import { localizeTree } from '../../framework/localize';
import { frameworkTreeFor } from '../../framework/repository';
import { startedStream } from '../../http/stream';
import { evidenceExport, evidenceListing, itemView } from '../reading';
import { evidenceCsvChunks, evidenceJsonChunks } from '../present';
import { itemPage, listPage } from '../pages';
import { EvidenceQuery, IdParams } from '../schemas';

export async function browseRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = app.db.kysely;

  app.get('/evidence', { config: { access: 'signed-in' }, schema: { querystring: EvidenceQuery } }, async (request, reply) => {
    const listing = await evidenceListing(db, request.user!, request.query, app.clock, 'browse');
    return renderPage(request, reply, 'evidence/list.hbs', listPage({ ...listing, tree: localizeTree(listing.tree, request.locale) }, request.query));
  });

  // exports: every item of the list, streamed a chunk at a time (evidenceExport, present.ts, http/stream.ts)
  app.get('/evidence/export.csv', { config: { access: 'signed-in' }, schema: { querystring: EvidenceQuery } }, async (request, reply) => {
    const { tree, chunks } = await evidenceExport(db, request.user!, request.query, app.clock);
    const body = await startedStream(evidenceCsvChunks(chunks, request.locale));
    return reply
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="${tree.code}-evidence.csv"`)
      .type('text/csv; charset=utf-8')
      .send(body);
  });

  app.get('/evidence/export.json', { config: { access: 'signed-in' }, schema: { querystring: EvidenceQuery } }, async (request, reply) => {
    const { tree, chunks, restricted } = await evidenceExport(db, request.user!, request.query, app.clock);
    const body = await startedStream(evidenceJsonChunks({ framework: tree.code, exported_at: app.clock().toISOString() }, chunks, restricted));
    return reply
      .header('cache-control', 'no-store')
      .header('content-disposition', `attachment; filename="${tree.code}-evidence.json"`)
      .type('application/json; charset=utf-8')
      .send(body);
  });

  app.get('/evidence/:id', { config: { access: 'signed-in' }, schema: { params: IdParams } }, async (request, reply) => {
    const view = await itemView(db, request.user!, Number(request.params.id));
    // benchmark titles and units in the reader's language (the framework's translations)
    const tree = localizeTree(await frameworkTreeFor(db, view.detail.framework), request.locale);
    const benchmarks = new Map(tree.pillars.flatMap((p) => p.benchmarks.map((b) => [b.code, b] as const)));
    const findings = view.detail.findings.map((f) => ({ ...f, benchmarkTitle: benchmarks.get(f.benchmark)?.title ?? f.benchmarkTitle, unit: benchmarks.get(f.benchmark)?.unit ?? f.unit }));
    return renderPage(request, reply, 'evidence/show.hbs', { ...itemPage(view, request.user!), findings });
  });
}
