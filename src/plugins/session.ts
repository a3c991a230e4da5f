// Cookies, server-side sessions in the database, CSRF tokens, and who the signed-in user is.

import fp from 'fastify-plugin';
import fastifyCookie from '@fastify/cookie';
import fastifySession from '@fastify/session';
import type { FastifyInstance } from 'fastify';
import { DatabaseSessionStore } from '../auth/session-store';
import { getOrCreateSetting, randomSecret } from '../settings';
import { findUserById } from '../users/repository';

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

  // who is signed in: the session's user, if still enabled and within the session's lifetime
  app.addHook('preHandler', async (request) => {
    const session = request.session;
    if (!session || typeof session.userId !== 'number') return;
    const now = clock().getTime();
    const signedInAt = session.signedInAt ?? 0;
    const lastSeenAt = session.lastSeenAt ?? 0;
    if (now - signedInAt >= limits.absoluteMs || now - lastSeenAt >= limits.idleMs) {
      await session.destroy();
      return;
    }
    const user = await findUserById(db.kysely, session.userId);
    if (!user || user.disabled_at) {
      await session.destroy();
      return;
    }
    request.user = user;
    if (now - lastSeenAt >= TOUCH_INTERVAL_MS) session.lastSeenAt = now;
  });
}

export default fp(sessionPlugin, { name: 'pactwatch-session', dependencies: ['pactwatch-core'] });
