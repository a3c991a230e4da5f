// buildApp(options) -> a ready fastify instance that never listens (server.ts owns the process).

import fs from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import formbody from '@fastify/formbody';
import multipart from '@fastify/multipart';
import type { Db } from './db/connect';
import { unavailable } from './errors';
import type { Config } from './config';
import { systemClock, type Clock } from './time';
import corePlugin from './plugins/core';
import sessionPlugin from './plugins/session';
import authPlugin from './plugins/auth';
import viewsPlugin, { VIEWS_DIR } from './plugins/views';
import { localeAssetRoutes } from './views/locale-assets';
import errorsPlugin from './plugins/errors';
import securityHeadersPlugin from './plugins/security-headers';
import requestGuardsPlugin, { DEFAULT_BODY_LIMIT, FORM_BODY_LIMIT } from './plugins/request-guards';
import { authRoutes } from './auth/routes';
import { localeRoutes } from './auth/locale-routes';
import { enablePseudoLocale } from './i18n/messages';
import { healthRoutes } from './health/routes';
import { scorecardRoutes } from './scorecards/routes';
import { explainRoutes } from './scorecards/explain-routes';
import { readModelRoutes } from './scorecards/read-model-routes';
import { evidenceApiRoutes } from './evidence/api-routes';
import { evidenceRoutes } from './evidence/routes/index';
import { accountRoutes } from './auth/account-routes';
import { passwordRoutes } from './auth/password-routes';
import { adminRoutes } from './users/admin-routes';
import { reportRoutes } from './reports/routes';
import type { PdfRenderer } from './reports/pdf';
import { recoverImports } from './framework/import-batches';
import { SYSTEM_ACTOR } from './audit/log';

export interface BuildAppOptions {
  db: Db;
  config: Readonly<Config>;
  clock?: Clock;
  logger?: FastifyServerOptions['logger'];
  /** prints report PDFs; Chromium unless given (tests count prints with it) */
  renderPdf?: PdfRenderer;
}

const STYLESHEET = fs.readFileSync(path.join(VIEWS_DIR, 'assets/app.css'));

export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = options;
  // process-wide (one configuration per process); set either way, so an app built later does not inherit it
  enablePseudoLocale(config.pseudoLocale);
  const app = Fastify({
    logger: options.logger ?? false,
    trustProxy: config.trustProxy,
    // small by default; the routes that take files raise their own
    bodyLimit: DEFAULT_BODY_LIMIT,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: true } },
    // while shutting down, requests on open connections get our own 503 (the contract's error shape), below
    return503OnClosing: false,
  });

  await app.register(corePlugin, { db: options.db, config, clock: options.clock ?? systemClock });
  app.decorate('shuttingDown', false);
  app.addHook('onRequest', async (_request, reply) => {
    if (!app.shuttingDown) return;
    reply.header('connection', 'close');
    throw unavailable('The server is restarting; try again in a moment.', 5);
  });
  await app.register(securityHeadersPlugin);
  await app.register(formbody, { bodyLimit: FORM_BODY_LIMIT });
  await app.register(multipart, {
    attachFieldsToBody: 'keyValues',
    // within the default body limit; the routes that take files raise fileSize (config.multipartOptions)
    limits: { fileSize: DEFAULT_BODY_LIMIT, files: 1, fields: 40, fieldSize: DEFAULT_BODY_LIMIT, parts: 42 },
    // keep the file name with the bytes; everything else arrives as plain field values
    onFile: async (part) => {
      (part as unknown as { value: unknown }).value = { filename: part.filename, data: await part.toBuffer() };
    },
  });
  await app.register(requestGuardsPlugin);
  await app.register(errorsPlugin);
  await app.register(viewsPlugin);
  await app.register(sessionPlugin);
  await app.register(authPlugin);

  app.get('/assets/app.css', { config: { access: 'public' } }, async (_request, reply) =>
    reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(STYLESHEET),
  );
  // each locale's stylesheet (fonts, printed strings) and the fonts it names, served from here (air-gapped networks)
  localeAssetRoutes(app);
  await app.register(healthRoutes);
  await app.register(authRoutes);
  await app.register(localeRoutes);
  await app.register(scorecardRoutes, { renderPdf: options.renderPdf });
  await app.register(explainRoutes);
  await app.register(readModelRoutes);
  await app.register(evidenceApiRoutes);
  await app.register(evidenceRoutes);
  await app.register(accountRoutes);
  await app.register(passwordRoutes);
  await app.register(adminRoutes);
  await app.register(reportRoutes, { renderPdf: options.renderPdf });

  // an import whose process died before publishing left invisible rows that hold refs: abort it, delete them
  app.addHook('onReady', async () => {
    await recoverImports(options.db.kysely, { clock: options.clock ?? systemClock, actor: SYSTEM_ACTOR });
  });

  await app.ready();
  return app;
}
