// Authorization on every route: each route declares `config.access`; a route without one cannot be registered.
// Also checks the CSRF token of every state-changing request made with a session.

import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '../db/schema';
import { AppError } from '../errors';
import { csrfTokenValid } from '../auth/csrf';

/** 'public': anyone (only /login, /health, static assets); 'signed-in': any signed-in user; or the roles allowed. */
export type Access = 'public' | 'signed-in' | readonly Role[];

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const isApiRequest = (request: FastifyRequest) => request.url.startsWith('/api/');

export function mayAccess(access: Access, role: Role | undefined): boolean {
  if (access === 'public') return true;
  if (role === undefined) return false;
  return access === 'signed-in' || access.includes(role);
}

/** A same-site path to go to after sign-in; anything that could leave the site ("//host", "/\\host", schemes) is "/". */
function safeNext(url: string): string {
  if (!/^\/(?![\/\\])/.test(url) || /[\\\u0000-\u001f\u007f]/.test(url)) return '/';
  try {
    const parsed = new URL(url, 'http://pactwatch.invalid');
    return parsed.origin === 'http://pactwatch.invalid' ? `${parsed.pathname}${parsed.search}${parsed.hash}` : '/';
  } catch {
    return '/';
  }
}

async function authPlugin(app: FastifyInstance) {
  app.addHook('onRoute', (route) => {
    if (route.config?.access === undefined) {
      throw new Error(`route ${route.method} ${route.url} declares no access rule (config.access)`);
    }
  });

  app.addHook('preHandler', async (request: FastifyRequest, reply: FastifyReply) => {
    const access = request.routeOptions.config.access ?? 'signed-in';
    if (access !== 'public' && !request.user) {
      if (isApiRequest(request) || request.method !== 'GET') throw new AppError('UNAUTHENTICATED');
      return reply.redirect(`/login?next=${encodeURIComponent(safeNext(request.url))}`, 303);
    }
    if (!mayAccess(access, request.user?.role)) throw new AppError('FORBIDDEN');
    if (STATE_CHANGING.has(request.method) && request.authMethod !== 'token') {
      if (!csrfTokenValid(request)) throw new AppError('CSRF');
    }
  });
}

export default fp(authPlugin, { name: 'pactwatch-auth', dependencies: ['pactwatch-session'] });
export { safeNext };
