// One error handler: coded errors keep their status and message; anything unexpected is logged and shown
// as a generic 500 without details. API requests get the JSON error shape, pages an HTML page.

import fp from 'fastify-plugin';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERROR_CODES, messageOf, unavailable, type ErrorCode } from '../errors';
import { msg, say, type Message } from '../i18n/messages';
import { databaseUnavailability } from '../db/failures';
import { isApiRequest } from './auth';
import { renderPage } from '../views/render';
import { schemaProblems } from '../views/form-errors';
import { recordSecurityEvent } from '../security/log';

function toAppError(err: FastifyError | AppError | Error): AppError {
  if (err instanceof AppError) return err;
  const down = databaseUnavailability(err);
  if (down) {
    return unavailable(
      msg('The service is unavailable for a moment: {reason}. Try again in {seconds, plural, one {# second} other {# seconds}}.', { reason: msg(down.reason), seconds: down.retryAfterSeconds }),
      down.retryAfterSeconds,
    );
  }
  const fe = err as FastifyError;
  if (fe.validation) {
    const fields = schemaProblems(fe, { withPart: true });
    return new AppError('VALIDATION', fields.map((f) => `${f.path}: ${f.message}`).join('; '), fields);
  }
  // a malformed multipart body is the client's mistake, not ours
  if (fe.statusCode === undefined && /multipart|boundary|Malformed part header|Unexpected end of form/i.test(fe.message ?? '')) {
    return new AppError('BAD_REQUEST', 'The multipart form data is malformed');
  }
  const status = fe.statusCode ?? 500;
  if (status === 413) return new AppError('PAYLOAD_TOO_LARGE');
  if (status === 415 || status === 400) return new AppError('BAD_REQUEST', status === 415 ? 'Unsupported content type' : 'The request is malformed');
  if (status === 404) return new AppError('NOT_FOUND');
  if (status === 429) return new AppError('RATE_LIMITED');
  // any other refusal by a parser or plugin (e.g. 406 for a multipart part that is not valid JSON) is the request's fault
  if (status >= 400 && status < 500) return new AppError('BAD_REQUEST');
  return new AppError('INTERNAL');
}

export async function sendError(request: FastifyRequest, reply: FastifyReply, error: AppError) {
  reply.status(error.status);
  if (error.retryAfterSeconds !== undefined && !reply.hasHeader('retry-after')) reply.header('retry-after', String(error.retryAfterSeconds));
  if (isApiRequest(request) || request.url === '/health' || request.routeOptions.config?.errorFormat === 'json') {
    return reply.send({
      error: { code: error.code, message: error.message, ...(error.fields ? { fields: error.fields.map(({ path, message }) => ({ path, message })) } : {}), ...(error.existing ? { existing: error.existing } : {}) },
    });
  }
  if (error.code === 'UNAUTHENTICATED' && request.method === 'GET') return reply.redirect('/login', 303);
  return renderPage(request, reply, 'errors/error.hbs', { title: titleFor(error.code), error, said: pageMessage(request.locale, error) });
}

/**
 * What the error page says, in the reader's language: the error's message, or, for a refusal whose message only
 * lists its field problems ("body.title: must be…; …"), that list with each problem said in the language.
 */
function pageMessage(locale: string, error: AppError): Message | string {
  const fields = error.fields ?? [];
  if (fields.length && error.key === fields.map((f) => `${f.path}: ${f.message}`).join('; ')) {
    return fields.map((f) => `${f.path}: ${say(locale, messageOf(f))}`).join('; ');
  }
  return { key: error.key, params: error.params };
}

function titleFor(code: ErrorCode): Message {
  switch (code) {
    case 'NOT_FOUND':
      return msg('Page not found');
    case 'FORBIDDEN':
    case 'CSRF':
      return msg('Not allowed');
    case 'INTERNAL':
      return msg('Something went wrong');
    default:
      return msg(ERROR_CODES[code].message);
  }
}

async function errorsPlugin(app: FastifyInstance) {
  app.setErrorHandler(async (err: FastifyError, request, reply) => {
    const appError = toAppError(err);
    if (appError.status >= 500) request.log.error({ err }, 'request failed');
    else request.log.info({ code: appError.code, path: request.url.split('?')[0] }, 'request refused');
    if (appError.code === 'FORBIDDEN' || appError.code === 'CSRF') {
      await recordSecurityEvent(
        app.db.kysely,
        {
          event: appError.code === 'CSRF' ? 'csrf.failed' : 'denied',
          userId: request.user?.id ?? null,
          email: request.user?.email ?? null,
          ip: request.ip,
          method: request.method,
          path: request.url,
          detail: appError.code === 'FORBIDDEN' ? appError.message : null,
        },
        app.clock,
      ).catch((logErr) => request.log.error({ err: logErr }, 'security log failed'));
    }
    try {
      return await sendError(request, reply, appError);
    } catch (renderErr) {
      request.log.error({ err: renderErr }, 'error page failed');
      return reply.status(appError.status).type('text/plain; charset=utf-8').send(appError.message);
    }
  });
  app.setNotFoundHandler(async (request, reply) => sendError(request, reply, new AppError('NOT_FOUND')));
}

export default fp(errorsPlugin, { name: 'pactwatch-errors', dependencies: ['pactwatch-core'] });
