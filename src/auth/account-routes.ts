// The signed-in user's own account: API tokens (created, shown once, revoked).

import type { FastifyInstance } from 'fastify';
import { Type } from '@sinclair/typebox';
import { createApiToken, listApiTokens, revokeApiToken } from './tokens';
import { renderPage } from '../views/render';
import { IdParams } from '../http/schemas';
import { actorLabel } from '../audit/log';

const TokenBody = Type.Object({ name: Type.Optional(Type.String({ maxLength: 200 })), _csrf: Type.Optional(Type.String()) });

export async function accountRoutes(app: FastifyInstance) {
  const db = app.db.kysely;

  app.get('/account/tokens', { config: { access: 'signed-in' } }, async (request, reply) => {
    return renderPage(request, reply, 'account/tokens.hbs', { title: 'API tokens', tokens: await listApiTokens(db, request.user!.id) });
  });

  app.post<{ Body: { name?: string } }>('/account/tokens', { config: { access: 'signed-in' }, schema: { body: TokenBody } }, async (request, reply) => {
    const user = request.user!;
    const created = await createApiToken(db, user, request.body.name ?? '', { id: user.id, label: actorLabel(user) }, app.clock);
    return renderPage(request, reply, 'account/tokens.hbs', { title: 'API tokens', created, tokens: await listApiTokens(db, user.id) });
  });

  app.post<{ Params: IdParams }>('/account/tokens/:id/revoke', { config: { access: 'signed-in' }, schema: { params: IdParams } }, async (request, reply) => {
    await revokeApiToken(db, request.user!, Number(request.params.id), app.clock);
    request.session.flash = 'Token revoked.';
    return reply.redirect('/account/tokens', 303);
  });
}
