// The language switcher: POST /locale from the header on every page (signed in or not). A signed-in reader's
// choice is kept on the account (every device, every later session); before sign-in it is kept in the session
// and carried into the account's session at sign-in. "Follow my browser" clears the choice.

import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { CsrfField, optionalText } from '../http/schemas';
import { isLocale } from '../i18n/messages';
import { safeNext } from '../plugins/auth';
import { AppError } from '../errors';

const LocaleBody = Type.Object({ ...CsrfField, locale: optionalText(16), next: optionalText(2000) });

export async function localeRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.post('/locale', { config: { access: 'public' }, schema: { body: LocaleBody } }, async (request, reply) => {
    const wanted = request.body.locale ?? '';
    if (wanted !== '' && wanted !== 'auto' && !isLocale(wanted)) {
      throw new AppError('VALIDATION', 'The language is not one pactwatch offers', [{ path: 'locale', message: 'must be one of the languages offered' }]);
    }
    const locale = wanted === '' || wanted === 'auto' ? null : wanted;
    if (request.user) {
      await app.db.kysely.updateTable('users').set({ locale }).where('id', '=', request.user.id).execute();
    }
    request.session.locale = locale ?? undefined;
    return reply.redirect(safeNext(request.body.next ?? '/'), 303);
  });
}
