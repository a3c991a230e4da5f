// GET /api/v1/explain (INTERFACES.md "Explanation"): why the scores of one perspective changed between two views.
// Signed-in users; items the caller may not see contribute their points without their identity.

import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { buildExplanation } from './explain';

const ExplainQuery = Type.Object({
  framework: Type.Optional(Type.String({ maxLength: 64 })),
  perspective: Type.Optional(Type.String({ maxLength: 64 })),
  from: Type.Optional(Type.String({ maxLength: 40 })),
  to: Type.Optional(Type.String({ maxLength: 40 })),
  from_known_at: Type.Optional(Type.String({ maxLength: 40 })),
  to_known_at: Type.Optional(Type.String({ maxLength: 40 })),
});

export async function explainRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/api/v1/explain',
    { config: { access: 'signed-in' }, schema: { querystring: ExplainQuery } },
    async (request, reply) => {
      const q = request.query;
      const { explanation } = await buildExplanation(
        app.db.kysely,
        { framework: q.framework, perspective: q.perspective, from: q.from, to: q.to, fromKnownAt: q.from_known_at, toKnownAt: q.to_known_at },
        { clock: app.clock, viewer: request.user! },
      );
      reply.header('cache-control', 'no-store');
      return explanation;
    },
  );
}
