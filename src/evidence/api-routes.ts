// The evidence API (/api/v1/evidence): log, read, list and review, under the same rules as the pages. Every POST
// takes an Idempotency-Key (see idempotency/api.ts).

import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Kysely } from 'kysely';
import type { Database, EvidenceRow, UserRow } from '../db/schema';
import { answerOnce, type Answer, type AnswerOptions } from '../idempotency/api';
import { createEvidence, reviewEvidence } from './service';
import { assertReadable, EVIDENCE_WRITERS, REVIEWERS } from './policy';
import { evidenceHistory, findEvidence, loadEvidenceDetail } from './repository';
import { apiListing, itemView, readableItem } from './reading';
import { evidenceJson } from './present';
import { listCursor } from './pages';
import { ApiEvidenceBody, ApiReasonBody, EvidenceQuery, IdParams } from './schemas';
import { notFound } from '../errors';

const evidenceLocation = (body: Answer['body']) => `/api/v1/evidence/${body.id}`;

/** A stored answer shows an item: replayed only while the caller may still see it (a delegation may have changed). */
function replayOptions(db: Kysely<Database>, user: UserRow, location?: typeof evidenceLocation): AnswerOptions {
  return {
    location,
    mayReplay: async (body) => {
      const row = await findEvidence(db, body.id);
      if (!row) throw notFound('No such evidence item');
      assertReadable(user, row);
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

export async function evidenceApiRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = app.db.kysely;

  app.post('/api/v1/evidence', { config: { access: EVIDENCE_WRITERS }, schema: { body: ApiEvidenceBody } }, async (request, reply) => {
    const body = request.body;
    return answerOnce(
      fastify,
      request,
      reply,
      (inTransaction) => createEvidence(db, request.user!, body.framework, body, { submit: body.submit === true, inTransaction }, app.clock),
      itemAnswer(201, request.user!),
      replayOptions(db, request.user!, evidenceLocation),
    );
  });

  app.get('/api/v1/evidence', { config: { access: 'signed-in' }, schema: { querystring: EvidenceQuery } }, async (request, reply) => {
    const { window, page, details } = await apiListing(db, request.user!, request.query, app.clock);
    reply.header('cache-control', 'no-store');
    const first = page.items[0];
    const last = page.items[page.items.length - 1];
    return {
      items: details.map((d) => evidenceJson(d, null)),
      // counts are bounded (reading.ts: COUNT_CAP, COUNT_SCAN): `*_is_lower_bound` says there may be more
      total: page.total,
      total_is_lower_bound: page.totalCapped,
      restricted: page.restricted,
      restricted_is_lower_bound: page.restrictedCapped,
      page: window.page,
      limit: window.limit,
      sort: window.sort,
      // pass as `after=` / `before=` (with the same filters and sort) for the next or previous page
      next: page.hasNext && last ? listCursor(last, window.sort) : null,
      previous: page.hasPrevious && first ? listCursor(first, window.sort) : null,
    };
  });

  app.get('/api/v1/evidence/:id', { config: { access: 'signed-in' }, schema: { params: IdParams } }, async (request, reply) => {
    const { detail, history } = await itemView(db, request.user!, Number(request.params.id));
    reply.header('cache-control', 'no-store');
    return evidenceJson(detail, history);
  });

  app.post('/api/v1/evidence/:id/correct', { config: { access: EVIDENCE_WRITERS }, schema: { params: IdParams, body: ApiEvidenceBody } }, async (request, reply) => {
    const original = await readableItem(db, request.user!, Number(request.params.id));
    const body = request.body;
    return answerOnce(
      fastify,
      request,
      reply,
      (inTransaction) => createEvidence(db, request.user!, original.framework, body, { submit: body.submit === true, supersedes: original.row.id, inTransaction }, app.clock),
      itemAnswer(201, request.user!),
      replayOptions(db, request.user!, evidenceLocation),
    );
  });

  const actions = [
    ['submit', EVIDENCE_WRITERS],
    ['verify', REVIEWERS],
    ['reject', REVIEWERS],
    ['retract', REVIEWERS],
  ] as const;
  for (const [action, access] of actions) {
    app.post(`/api/v1/evidence/:id/${action}`, { config: { access }, schema: { params: IdParams, body: ApiReasonBody } }, async (request, reply) => {
      const id = Number(request.params.id);
      const reason = request.body?.reason ?? null;
      return answerOnce(
        fastify,
        request,
        reply,
        (inTransaction) => reviewEvidence(db, request.user!, id, action, reason, app.clock, { inTransaction }),
        itemAnswer(200, request.user!),
        replayOptions(db, request.user!),
      );
    });
  }
}
