// The dashboard (the scorecard page) and GET /api/v1/scorecard.

import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import { buildScorecard } from './service';
import { renderPage } from '../views/render';
import { dashboardView } from './view-model';

const ScorecardQuery = Type.Object({
  framework: Type.Optional(Type.String({ maxLength: 64 })),
  as_of: Type.Optional(Type.String({ maxLength: 40 })),
  known_at: Type.Optional(Type.String({ maxLength: 40 })),
  perspective: Type.Optional(Type.String({ maxLength: 64 })),
});
type ScorecardQuery = Static<typeof ScorecardQuery>;

export async function scorecardRoutes(app: FastifyInstance) {
  app.get<{ Querystring: ScorecardQuery }>(
    '/api/v1/scorecard',
    { config: { access: 'signed-in' }, schema: { querystring: ScorecardQuery } },
    async (request, reply) => {
      const { scorecard } = await buildScorecard(
        app.db.kysely,
        { framework: request.query.framework, asOf: request.query.as_of, knownAt: request.query.known_at, perspective: request.query.perspective },
        app.clock,
      );
      reply.header('cache-control', 'no-store');
      return scorecard;
    },
  );

  app.get<{ Querystring: ScorecardQuery }>(
    '/',
    { config: { access: 'signed-in' }, schema: { querystring: ScorecardQuery } },
    async (request, reply) => {
      const ctx = await buildScorecard(
        app.db.kysely,
        { framework: request.query.framework, asOf: request.query.as_of, knownAt: request.query.known_at, perspective: request.query.perspective },
        app.clock,
      );
      return renderPage(request, reply, 'scorecards/dashboard.hbs', dashboardView(ctx, request.query, app.clock));
    },
  );
}
