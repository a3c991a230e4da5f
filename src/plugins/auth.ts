// Authorization on every route: each route declares `config.access`; a route without one cannot be registered.
// Access is checked on request, before any body is read. Also checks the CSRF token of every state-changing
// request made with a session (once the body, which may carry it, is parsed). The one exception to reading no body
// without a user: a form route that keeps forms, posted with a session that expired, has its form kept for that
// user (nothing else happens; see auth/saved-forms.ts).

import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Role } from '../db/schema';
import { AppError } from '../errors';
import { csrfTokenValid } from '../auth/csrf';
import { keepFormAndAskToSignIn, userWhoseFormToKeep } from '../auth/saved-forms';
import { deskPolicy } from '../evidence/policy';
import { demoEvidenceLoaded } from '../evidence/repository';

/** 'public': anyone (only /login, /health, static assets); 'signed-in': any signed-in user; or the roles allowed. */
export type Access = 'public' | 'signed-in' | readonly Role[];

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export const isApiRequest = (request: FastifyRequest) => request.url.startsWith('/api/');

export function mayAccess(access: Access, role: Role | undefined): boolean {
  if (access === 'public') return true;
  if (role === undefined) return false;
  return access === 'signed-in' || access.includes(role);
}

const NEXT_BASE = 'http://pactwatch.invalid';
// a path of this site: "/" then anything but a second "/" or "\" (either would make it "//host")
const SAME_SITE_PATH = /^\/(?![\/\\])/;
// URL parsers drop tabs and newlines and read "\" as "/": never pass them on
const UNSAFE_CHARS = /[\\\u0000-\u001f\u007f]/;

const isSameSitePath = (url: string) => SAME_SITE_PATH.test(url) && !UNSAFE_CHARS.test(url);

/**
 * A same-site path to go to after sign-in; anything that could leave the site ("//host", "/\\host", schemes) is
 * "/". The result is checked after normalisation, since resolving dot segments turns "/.//host" into "//host".
 */
function safeNext(url: string): string {
  if (!isSameSitePath(url)) return '/';
  try {
    const parsed = new URL(url, NEXT_BASE);
    if (parsed.origin !== NEXT_BASE) return '/';
    const result = `${parsed.pathname}${parsed.search}${parsed.hash}`;
    const again = new URL(result, NEXT_BASE);
    const stable = again.origin === NEXT_BASE && `${again.pathname}${again.search}${again.hash}` === result;
    return isSameSitePath(result) && stable ? result : '/';
  } catch {
    return '/';
  }
}

async function authPlugin(app: FastifyInstance) {
  // what the signed-in user may do at the evidence desk, for the navigation of every page (the view layer asks
  // the request, not the rules)
  app.decorateRequest('desk', function deskOfRequest(this: FastifyRequest) {
    return this.user ? deskPolicy(this.user) : null;
  });
  // whether pages say the data is illustrative (only signed-in pages read the database for it)
  app.decorateRequest('demoEvidence', function demoEvidenceOfRequest(this: FastifyRequest) {
    return this.user ? demoEvidenceLoaded(app.db.kysely) : Promise.resolve(false);
  });

  app.addHook('onRoute', (route) => {
    if (route.config?.access === undefined) {
      throw new Error(`route ${route.method} ${route.url} declares no access rule (config.access)`);
    }
  });

  // access is decided on request, before the body is parsed: a refused upload is never read
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const access = request.routeOptions.config.access ?? 'signed-in';
    if (access !== 'public' && !request.user) {
      request.keepFormOf = await userWhoseFormToKeep(app, request, (user) => mayAccess(access, user.role));
      if (request.keepFormOf) return;
      if (isApiRequest(request) || request.method !== 'GET') refuse(request, reply, new AppError('UNAUTHENTICATED'));
      return reply.redirect(`/login?next=${encodeURIComponent(safeNext(request.url))}`, 303);
    }
    if (!mayAccess(access, request.user?.role)) refuse(request, reply, new AppError('FORBIDDEN'));
  });

  // the CSRF token may travel in the form body, so it is checked once the body is parsed (multipart fields are
  // collected by the multipart plugin's own preValidation hook, registered before this one), before the body is
  // validated: a forged request is refused as such whatever it carries
  app.addHook('preValidation', async (request: FastifyRequest, reply: FastifyReply) => {
    // the expired session's CSRF secret is gone; nothing is changed but the kept form, which its user must save
    if (request.keepFormOf) return keepFormAndAskToSignIn(app, request, reply, request.keepFormOf);
    if (STATE_CHANGING.has(request.method) && request.authMethod !== 'token') {
      if (!csrfTokenValid(request)) throw new AppError('CSRF');
    }
  });
}

/** Throws the refusal; a client still sending a body we will not read gets the connection closed after it. */
function refuse(request: FastifyRequest, reply: FastifyReply, error: AppError): never {
  if (request.headers['content-length'] !== undefined || request.headers['transfer-encoding'] !== undefined) reply.header('connection', 'close');
  throw error;
}

export default fp(authPlugin, { name: 'pactwatch-auth', dependencies: ['pactwatch-session'] });
export { safeNext };
