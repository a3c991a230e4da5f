// GET /health: 200 {"status":"ok"} when the database answers, else 503.

import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';

export async function healthRoutes(app: FastifyInstance) {
  app.get('/health', { config: { access: 'public' } }, async (request, reply) => {
    try {
      await sql`select 1`.execute(app.db.kysely);
      return { status: 'ok' };
    } catch (err) {
      request.log.error({ err }, 'health check: database does not answer');
      return reply.status(503).send({ status: 'unavailable' });
    }
  });
}
