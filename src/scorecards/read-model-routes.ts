// The read model for operators (administrators): GET /api/v1/read-model compares this instance's model with a
// full recomputation by the engine; POST /api/v1/read-model/rebuild drops it and loads it again.

import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { frameworkTreeFor } from '../framework/repository';
import { checkScoringModel, rebuildScoringModel } from '../framework/read-model';
import { addDays } from '../scoring/index';
import { isIsoDate, todayUtc } from '../time';
import { validationError, problem } from '../errors';

const ADMIN = ['admin'] as const;
const ReadModelQuery = Type.Object({
  framework: Type.Optional(Type.String({ maxLength: 64 })),
  as_of: Type.Optional(Type.String({ maxLength: 10 })),
});

export async function readModelRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = app.db.kysely;

  app.get('/api/v1/read-model', { config: { access: ADMIN }, schema: { querystring: ReadModelQuery } }, async (request, reply) => {
    const q = request.query;
    if (q.as_of !== undefined && !isIsoDate(q.as_of)) throw validationError([problem('as_of', 'must be a date YYYY-MM-DD')]);
    const tree = await frameworkTreeFor(db, q.framework);
    const today = todayUtc(app.clock);
    const dates = [...new Set([q.as_of ?? today, today, addDays(today, -90), addDays(today, -365)])];
    reply.header('cache-control', 'no-store');
    return checkScoringModel(db, tree, dates);
  });

  app.post('/api/v1/read-model/rebuild', { config: { access: ADMIN }, schema: { querystring: Type.Pick(ReadModelQuery, ['framework']) } }, async (request, reply) => {
    const tree = await frameworkTreeFor(db, request.query.framework);
    reply.header('cache-control', 'no-store');
    return rebuildScoringModel(db, tree);
  });
}
