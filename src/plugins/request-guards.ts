// Limits every request meets before its body is used. Bodies are small unless a route raises its own
// `bodyLimit` (only the routes that take files do). A multipart body must declare its length and fit the route's
// limit before it is read: the multipart parser reads the raw stream, past fastify's own body-limit check.

import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import { AppError } from '../errors';

/** The body limit of every route that does not set its own. */
export const DEFAULT_BODY_LIMIT = 1024 * 1024;
/** URL-encoded forms are smaller still. */
export const FORM_BODY_LIMIT = 256 * 1024;

const isMultipart = (contentType: string | undefined) => /^\s*multipart\/form-data\b/i.test(contentType ?? '');

async function requestGuards(app: FastifyInstance) {
  // preParsing runs after the access check (onRequest) and before the multipart parser reads anything
  app.addHook('preParsing', async (request) => {
    if (!isMultipart(request.headers['content-type'])) return;
    const declared = request.headers['content-length'];
    if (declared === undefined) throw new AppError('LENGTH_REQUIRED');
    if (!/^\d+$/.test(declared) || Number(declared) > request.routeOptions.bodyLimit) throw new AppError('PAYLOAD_TOO_LARGE');
  });
}

export default fp(requestGuards, { name: 'pactwatch-request-guards' });
