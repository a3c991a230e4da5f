// The evidence API (/api/v1/evidence): log, read, list and review, under the same rules as the pages.

import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { createEvidence, reviewEvidence, assertCanSee, EVIDENCE_WRITERS, REVIEWERS } from './service';
import { evidenceHistory, findEvidence, listEvidence, loadEvidenceDetail } from './repository';
import { evidenceJson } from './present';
import { EvidenceQuery, IdParams } from './schemas';
import { filtersFromQuery, pageWindow } from './query';
import { notFound, validationError } from '../errors';

/** The optional `reason` of a review action; the body may be absent. */
function reasonFrom(body: unknown): string | null {
  if (body === undefined || body === null) return null;
  if (typeof body !== 'object' || Array.isArray(body)) throw validationError([{ path: 'body', message: 'must be an object' }]);
  const reason = (body as Record<string, unknown>).reason;
  if (reason === undefined || reason === null) return null;
  if (typeof reason !== 'string') throw validationError([{ path: 'reason', message: 'must be a string' }]);
  return reason;
}

const CreateBody = Type.Object({}, { additionalProperties: true });

export async function evidenceApiRoutes(app: FastifyInstance) {
  const db = app.db.kysely;

  app.post<{ Body: Record<string, unknown> }>(
    '/api/v1/evidence',
    { config: { access: EVIDENCE_WRITERS }, schema: { body: CreateBody } },
    async (request, reply) => {
      const body = request.body;
      const framework = body.framework;
      if (framework !== undefined && typeof framework !== 'string') throw validationError([{ path: 'framework', message: 'must be a framework code' }]);
      if (body.submit !== undefined && typeof body.submit !== 'boolean') throw validationError([{ path: 'submit', message: 'must be true or false' }]);
      const row = await createEvidence(db, request.user!, framework, body, { submit: body.submit === true }, app.clock);
      const detail = await loadEvidenceDetail(db, row, request.user!);
      return reply.status(201).header('location', `/api/v1/evidence/${row.id}`).send(evidenceJson(detail, await evidenceHistory(db, row.id, request.user!)));
    },
  );

  app.get<{ Querystring: EvidenceQuery }>(
    '/api/v1/evidence',
    { config: { access: 'signed-in' }, schema: { querystring: EvidenceQuery } },
    async (request, reply) => {
      const filters = await filtersFromQuery(db, request.query, app.clock);
      const window = pageWindow(request.query, 50);
      const page = await listEvidence(db, request.user!, filters, window);
      const details = await Promise.all(page.items.map((row) => loadEvidenceDetail(db, row, request.user!)));
      reply.header('cache-control', 'no-store');
      return {
        items: details.map((d) => evidenceJson(d, null)),
        total: page.total,
        restricted: page.restricted,
        page: window.page,
        limit: window.limit,
      };
    },
  );

  app.get<{ Params: IdParams }>(
    '/api/v1/evidence/:id',
    { config: { access: 'signed-in' }, schema: { params: IdParams } },
    async (request, reply) => {
      const row = await findEvidence(db, Number(request.params.id));
      if (!row) throw notFound('No such evidence item');
      assertCanSee(request.user!, row);
      reply.header('cache-control', 'no-store');
      return evidenceJson(await loadEvidenceDetail(db, row, request.user!), await evidenceHistory(db, row.id, request.user!));
    },
  );

  app.post<{ Params: IdParams; Body: Record<string, unknown> }>(
    '/api/v1/evidence/:id/correct',
    { config: { access: EVIDENCE_WRITERS }, schema: { params: IdParams, body: CreateBody } },
    async (request, reply) => {
      const original = await findEvidence(db, Number(request.params.id));
      if (!original) throw notFound('No such evidence item');
      assertCanSee(request.user!, original);
      const body = request.body;
      if (body.submit !== undefined && typeof body.submit !== 'boolean') throw validationError([{ path: 'submit', message: 'must be true or false' }]);
      const fw = await db.selectFrom('frameworks').select('code').where('id', '=', original.framework_id).executeTakeFirstOrThrow();
      const row = await createEvidence(db, request.user!, fw.code, body, { submit: body.submit === true, supersedes: original.id }, app.clock);
      return reply.status(201).header('location', `/api/v1/evidence/${row.id}`).send(evidenceJson(await loadEvidenceDetail(db, row, request.user!), await evidenceHistory(db, row.id, request.user!)));
    },
  );

  const actions = [
    ['submit', EVIDENCE_WRITERS],
    ['verify', REVIEWERS],
    ['reject', REVIEWERS],
    ['retract', REVIEWERS],
  ] as const;
  for (const [action, access] of actions) {
    app.post<{ Params: IdParams; Body: unknown }>(
      `/api/v1/evidence/:id/${action}`,
      { config: { access }, schema: { params: IdParams } },
      async (request) => {
        const id = Number(request.params.id);
        const row = await reviewEvidence(db, request.user!, id, action, reasonFrom(request.body), app.clock);
        return evidenceJson(await loadEvidenceDetail(db, row, request.user!), await evidenceHistory(db, id, request.user!));
      },
    );
  }
}
