// Security headers on every response: a strict CSP (no inline script, no framing), nosniff, referrer policy,
// and HSTS when the request came over HTTPS. A header a route set for itself (e.g. the sandboxing CSP of an
// attachment download, the no-referrer policy of the password-link page) is kept, never loosened.

import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

async function securityHeadersPlugin(app: FastifyInstance) {
  app.addHook('onSend', async (request, reply) => {
    const setDefault = (name: string, value: string) => {
      if (!reply.hasHeader(name)) reply.header(name, value);
    };
    setDefault('content-security-policy', CONTENT_SECURITY_POLICY);
    setDefault('x-content-type-options', 'nosniff');
    setDefault('x-frame-options', 'DENY');
    setDefault('referrer-policy', 'same-origin');
    setDefault('cross-origin-opener-policy', 'same-origin');
    if (request.protocol === 'https') setDefault('strict-transport-security', 'max-age=31536000; includeSubDomains');
  });
}

export default fp(securityHeadersPlugin, { name: 'pactwatch-security-headers' });
