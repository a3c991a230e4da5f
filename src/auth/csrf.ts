// CSRF tokens bound to the session (synchronizer tokens): a per-session secret, fresh salted tokens per page.

import Tokens from '@fastify/csrf';
import type { FastifyRequest } from 'fastify';

const tokens = new Tokens({ saltLength: 8, secretLength: 18 });

/** A token for forms and the x-csrf-token header; creates the session's secret on first use. */
export function csrfToken(request: FastifyRequest): string {
  let secret = request.session.csrfSecret;
  if (!secret) {
    secret = tokens.secretSync();
    request.session.csrfSecret = secret;
  }
  return tokens.create(secret);
}

/** The token sent with a state-changing request: the `_csrf` form field or the x-csrf-token header. */
export function submittedCsrfToken(request: FastifyRequest): string | undefined {
  const body = request.body as Record<string, unknown> | null | undefined;
  const field = body && typeof body === 'object' ? body._csrf : undefined;
  if (typeof field === 'string') return field;
  const header = request.headers['x-csrf-token'];
  return typeof header === 'string' ? header : undefined;
}

export function csrfTokenValid(request: FastifyRequest): boolean {
  const secret = request.session?.csrfSecret;
  const token = submittedCsrfToken(request);
  if (!secret || !token) return false;
  try {
    return tokens.verify(secret, token);
  } catch {
    return false;
  }
}
