// The evidence API (/api/v1/evidence): log, read, list and review, under the same rules as the pages. Every POST
// takes an Idempotency-Key (see idempotency/api.ts).

import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { Type } from '@sinclair/typebox';
import type { Database, EvidenceRow, UserRow } from '../db/schema';
import { answerOnce, type Answer, type AnswerOptions } from '../idempotency/api';
import { createEvidence, reviewEvidence } from './service';
import { assertReadable as assertCanSee, EVIDENCE_WRITERS, REVIEWERS } from './policy';
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

const evidenceLocation = (body: Answer['body']) => `/api/v1/evidence/${body.id}`;

/** A stored answer shows an item: replayed only while the caller may still see it (a delegation may have changed). */
function replayOptions(db: Kysely<Database>, user: UserRow, location?: typeof evidenceLocation): AnswerOptions {
  return {
    location,
    mayReplay: async (body) => {
      const row = await findEvidence(db, body.id);
      if (!row) throw notFound('No such evidence item');
      assertCanSee(user, row);
    },
  };
}

/** The answer to a write: the item as the caller sees it, with its history (read in the write's transaction, if any). */
function itemAnswer(status: number, user: UserRow) {
  return async (db: Kysely<Database>, row: EvidenceRow): Promise<Answer> => ({
    status,
    body: evidenceJson(await loadEvidenceDetail(db, row, user), await evidenceHistory(db, row.id, user)),
  });
}

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
      return answerOnce(
        app,
        request,
        reply,
        (inTransaction) => createEvidence(db, request.user!, framework, body, { submit: body.submit === true, inTransaction }, app.clock),
        itemAnswer(201, request.user!),
        replayOptions(db, request.user!, evidenceLocation),
      );
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
      return answerOnce(
        app,
        request,
        reply,
        (inTransaction) => createEvidence(db, request.user!, fw.code, body, { submit: body.submit === true, supersedes: original.id, inTransaction }, app.clock),
        itemAnswer(201, request.user!),
        replayOptions(db, request.user!, evidenceLocation),
      );
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
      async (request, reply) => {
        const id = Number(request.params.id);
        const reason = reasonFrom(request.body);
        return answerOnce(
          app,
          request,
          reply,
          (inTransaction) => reviewEvidence(db, request.user!, id, action, reason, app.clock, { inTransaction }),
          itemAnswer(200, request.user!),
          replayOptions(db, request.user!),
        );
      },
    );
  }
}
