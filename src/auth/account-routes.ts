// The signed-in user's own account: API tokens (created, shown once, revoked).

import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { TokenBody } from './schemas';
import { ActionBody } from '../users/schemas';
import { createApiToken, listApiTokens, revokeApiToken } from './tokens';
import { renderPage } from '../views/render';
import { IdParams } from '../http/schemas';
import { actorLabel } from '../audit/log';
import { msg } from '../i18n/messages';


export async function accountRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = app.db.kysely;

  app.get('/account/tokens', { config: { access: 'signed-in' } }, async (request, reply) => {
    return renderPage(request, reply, 'account/tokens.hbs', { title: msg('API tokens'), tokens: await listApiTokens(db, request.user!.id) });
  });

  app.post('/account/tokens', { config: { access: 'signed-in' }, schema: { body: TokenBody } }, async (request, reply) => {
    const user = request.user!;
    const created = await createApiToken(db, user, request.body.name ?? '', { id: user.id, label: actorLabel(user) }, app.clock);
    return renderPage(request, reply, 'account/tokens.hbs', { title: msg('API tokens'), created, tokens: await listApiTokens(db, user.id) });
  });

  app.post('/account/tokens/:id/revoke', { config: { access: 'signed-in' }, schema: { params: IdParams, body: ActionBody } }, async (request, reply) => {
    await revokeApiToken(db, request.user!, Number(request.params.id), app.clock);
    request.session.flash = msg('Token revoked.');
    return reply.redirect('/account/tokens', 303);
  });
}
