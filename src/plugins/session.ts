// Cookies, server-side sessions in the database, CSRF tokens, and who the signed-in user is.

import fp from 'fastify-plugin';
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { csrfToken } from '../auth/csrf';
import { DatabaseSessionStore } from '../auth/session-store';
import { getOrCreateSetting, randomSecret } from '../settings';
import { findUserById } from '../users/repository';
import { userForToken } from '../auth/tokens';
import { AppError } from '../errors';
import { DEFAULT_LOCALE, isLocale, negotiateLocale } from '../i18n/messages';

export const SESSION_COOKIE = 'pactwatch_session';
// refresh the stored idle deadline at most this often, so ordinary page views don't all write
const TOUCH_INTERVAL_MS = 60_000;

async function sessionPlugin(app: FastifyInstance) {
  const { config, db, clock } = app;
  const secret = config.sessionSecret ?? (await getOrCreateSetting(db.kysely, 'session_secret', randomSecret));
  const limits = { idleMs: config.sessionIdleMinutes * 60_000, absoluteMs: config.sessionMaxHours * 3_600_000 };
  const store = new DatabaseSessionStore(db.kysely, clock, limits);

  await app.register(fastifyCookie);
  await app.register(fastifySession, {
    secret,
    cookieName: SESSION_COOKIE,
    store,
    saveUninitialized: false,
    rolling: false,
    cookie: {
      path: '/',
      httpOnly: true,
      sameSite: 'lax',
      secure: config.cookieSecure,
      // a browser-session cookie: the server enforces idle and absolute expiry
    },
  });

  app.decorateRequest('user', null);
  app.decorateRequest('locale', DEFAULT_LOCALE);
  // pages get their form token through the request, so the view layer needs no knowledge of how it is made
  app.decorateRequest('csrfToken', function csrfTokenOfRequest(this: FastifyRequest) {
    return this.session ? csrfToken(this) : '';
  });
  app.decorateRequest('authMethod', null);
  app.decorateRequest('expiredSessionUserId', null);
  app.decorateRequest('keepFormOf', null);

  // who is signed in: an API token's user (API only), else the session's user if still enabled and within
  // the session's lifetime. Resolved on request (after @fastify/session's own onRequest loaded the session), so
  // access is decided before any body is read. An expired session is ended, remembering only whose it was.
  app.addHook('onRequest', async (request) => {
    // the reader's language: the account's choice, else the one made before sign-in, else the browser's
    const chosen = request.session?.locale;
    request.locale = isLocale(chosen) ? chosen : negotiateLocale(request.headers['accept-language']);
    const expiredUserId = request.session?.expiredUserId;
    if (typeof expiredUserId === 'number') {
      // a fresh anonymous session in its place, so a sign-in page served now carries a usable CSRF token
      await request.session.regenerate();
      request.expiredSessionUserId = expiredUserId;
    }
    const authorization = request.headers.authorization;
    if (authorization !== undefined && request.url.startsWith('/api/')) {
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      const user = match ? await userForToken(db.kysely, match[1], clock) : null;
      if (!user) throw new AppError('UNAUTHENTICATED', 'The API token is not valid, revoked, or its account is disabled');
      request.user = user;
      request.authMethod = 'token';
      return;
    }
    const session = request.session;
    if (!session || typeof session.userId !== 'number') return;
    const now = clock().getTime();
    const signedInAt = session.signedInAt ?? 0;
    const lastSeenAt = session.lastSeenAt ?? 0;
    if (now - signedInAt >= limits.absoluteMs || now - lastSeenAt >= limits.idleMs) {
      await session.destroy();
      request.expiredSessionUserId = session.userId;
      return;
    }
    const user = await findUserById(db.kysely, session.userId);
    if (!user || user.disabled_at) {
      await session.destroy();
      return;
    }
    request.user = user;
    request.authMethod = 'session';
    if (isLocale(user.locale)) request.locale = user.locale;
    if (now - lastSeenAt >= TOUCH_INTERVAL_MS) session.lastSeenAt = now;
  });
}

export default fp(sessionPlugin, { name: 'pactwatch-session', dependencies: ['pactwatch-core'] });
