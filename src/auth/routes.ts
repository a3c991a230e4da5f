// Sign-in and sign-out pages.

import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { LoginBody, LoginQuery } from './schemas';
import { ActionBody } from '../users/schemas';
import { dummyPasswordHash, verifyPassword } from '../security/password';
import { findUserByEmail } from '../users/repository';
import { renderPage } from '../views/render';
import { safeNext } from '../plugins/auth';
import { beginSignInAttempt, finishSignInAttempt, recordSecurityEvent } from '../security/log';
import { holdsSavedForm } from './saved-forms';
import { msg } from '../i18n/messages';


export async function authRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  app.get(
    '/login',
    { config: { access: 'public' }, schema: { querystring: LoginQuery } },
    async (request, reply) => {
      if (request.user) return reply.redirect(safeNext(request.query.next ?? '/'), 303);
      return renderPage(request, reply, 'auth/login.hbs', { title: msg('Sign in'), next: safeNext(request.query.next ?? '/'), email: '', formKept: holdsSavedForm(request) });
    },
  );

  app.post(
    '/login',
    { config: { access: 'public' }, schema: { body: LoginBody } },
    async (request, reply) => {
      const email = request.body.email.trim().toLowerCase();
      const next = safeNext(request.body.next ?? '/');
      // counted before the password check, so parallel guesses cannot all slip under the limits
      const attempt = await beginSignInAttempt(app.db.kysely, email, request.ip, app.clock);
      const limited = attempt.limited;
      if (limited) {
        await finishSignInAttempt(app.db.kysely, attempt.id, { event: 'sign-in.limited', detail: limited.reason });
        const minutes = Math.ceil(limited.retryAfterSeconds / 60);
        reply.status(429).header('retry-after', String(limited.retryAfterSeconds));
        return renderPage(request, reply, 'auth/login.hbs', {
          title: msg('Sign in'),
          next,
          email: request.body.email,
          formKept: holdsSavedForm(request),
          error:
            limited.reason === 'account'
              ? msg('Too many failed sign-in attempts for this account. Try again in {minutes, plural, one {# minute} other {# minutes}}.', { minutes })
              : msg('Too many failed sign-in attempts from your network address. Try again in {minutes, plural, one {# minute} other {# minutes}}.', { minutes }),
        });
      }
      let user: Awaited<ReturnType<typeof findUserByEmail>>;
      let passwordOk: boolean;
      try {
        user = email ? await findUserByEmail(app.db.kysely, email) : undefined;
        // an unknown account costs the same hash check as a wrong password, so timing tells nothing
        passwordOk = await verifyPassword(request.body.password, user?.password_hash ?? (await dummyPasswordHash()));
      } catch (err) {
        // an attempt that broke counts as failed rather than staying in flight
        await finishSignInAttempt(app.db.kysely, attempt.id, { event: 'sign-in.failed', detail: 'error' }).catch(() => undefined);
        throw err;
      }
      if (!user || !passwordOk || user.disabled_at) {
        const detail = !user ? 'unknown account' : user.disabled_at ? 'disabled account' : 'wrong password';
        await finishSignInAttempt(app.db.kysely, attempt.id, { event: 'sign-in.failed', userId: user?.id ?? null, detail });
        reply.status(401);
        return renderPage(request, reply, 'auth/login.hbs', {
          title: msg('Sign in'),
          next,
          email: request.body.email,
          formKept: holdsSavedForm(request),
          error: msg('The e-mail address or password is not right, or the account is disabled.'),
        });
      }
      // a new session id at sign-in, so a session fixed before sign-in is worthless
      const chosenLocale = request.session.locale;
      await request.session.regenerate();
      if (chosenLocale) request.session.locale = chosenLocale;
      const now = app.clock().getTime();
      request.session.userId = user.id;
      request.session.signedInAt = now;
      request.session.lastSeenAt = now;
      await finishSignInAttempt(app.db.kysely, attempt.id, { event: 'sign-in.succeeded', userId: user.id });
      return reply.redirect(next, 303);
    },
  );

  app.post('/logout', { config: { access: 'signed-in' }, schema: { body: ActionBody } }, async (request, reply) => {
    const user = request.user!;
    await request.session.destroy();
    await recordSecurityEvent(app.db.kysely, { event: 'sign-out', userId: user.id, email: user.email, ip: request.ip }, app.clock);
    return reply.redirect('/login', 303);
  });
}
