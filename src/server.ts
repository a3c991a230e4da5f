// The process: open and migrate the database, prepare a first start, listen, shut down gracefully.

import { frameworkTreeFor } from './framework/repository';
import { scoringModelFor } from './framework/read-model';
import type { FastifyInstance } from 'fastify';
import { openDatabase, type Db } from './db/connect';
import { migrateToLatest } from './db/migrate';
import type { Config } from './config';
import { buildApp } from './app';
import { countUsers } from './users/repository';
import { createUser } from './users/service';
import { randomPassword } from './security/password';
import { listFrameworks } from './framework/repository';
import { seedDefault } from './seed/index';
import { AppError } from './errors';
import { purgeExpiredSessions } from './auth/session-store';
import { purgeExpiredSavedForms } from './auth/saved-forms';
import { purgeOldAnswers } from './idempotency/repository';
import { systemClock } from './time';
import { SYSTEM_ACTOR } from './audit/log';
import { ReportScheduler } from './jobs/report-scheduler';
import { failAbandonedRuns } from './reports/runs';

/** On an empty database: the admin account (password printed once) and, if configured, the demo. */
export async function prepareFirstStart(db: Db, config: Config, print: (line: string) => void): Promise<void> {
  if ((await listFrameworks(db.kysely)).length === 0 && config.demoOnFirstStart) {
    const summary = await seedDefault(db.kysely, { demo: true, actor: SYSTEM_ACTOR });
    print(`Loaded the default framework ${summary.framework.framework?.code ?? ''} with ${summary.demo?.evidence.created ?? 0} illustrative demo evidence items.`);
  }
  if ((await countUsers(db.kysely)) === 0) {
    const password = randomPassword();
    try {
      await createUser(db.kysely, { email: config.adminEmail, name: 'Administrator', role: 'admin', password });
    } catch (err) {
      // another instance created it at the same moment: its console has the password
      if (err instanceof AppError && err.code === 'CONFLICT') return;
      throw err;
    }
    print('');
    print('  First start: an administrator account was created.');
    print(`    e-mail:   ${config.adminEmail}`);
    print(`    password: ${password}`);
    print('  This password is shown only now. Sign in and keep it safe.');
    print('');
  }
}

export async function runServer(config: Readonly<Config>): Promise<FastifyInstance> {
  // connection errors nobody waits for are logged through the app's logger once it exists
  let reportConnectionError = (err: Error): void => void process.stderr.write(`database connection error: ${err.message}\n`);
  const db = await openDatabase(config.databaseUrl, {
    statementTimeoutMs: config.dbStatementTimeoutMs,
    connectTimeoutMs: config.dbConnectTimeoutMs,
    onConnectionError: (err) => reportConnectionError(err),
  });
  await migrateToLatest(db);
  await prepareFirstStart(db, config, (line) => process.stdout.write(`${line}\n`));
  const app = await buildApp({
    db,
    config,
    logger: {
      level: config.logLevel,
      // never log query strings (search text, one-time codes) or headers (cookies, tokens)
      serializers: {
        req: (req: { method: string; url: string; ip?: string }) => ({ method: req.method, path: req.url.split('?')[0], ip: req.ip }),
      },
    },
  });

  reportConnectionError = (err) => app.log.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, 'database connection error');
  const abandoned = await failAbandonedRuns(db.kysely, systemClock);
  if (abandoned) app.log.warn({ abandoned }, 'report runs left running by an ended process were marked failed');

  const purge = setInterval(() => {
    purgeExpiredSessions(db.kysely, systemClock).catch((err) => app.log.warn({ err }, 'purging expired sessions failed'));
    purgeExpiredSavedForms(db.kysely, systemClock).catch((err) => app.log.warn({ err }, 'purging kept forms failed'));
    purgeOldAnswers(db.kysely, systemClock).catch((err) => app.log.warn({ err }, 'purging old idempotency keys failed'));
  }, 15 * 60_000);
  purge.unref();

  const scheduler = new ReportScheduler({ db: db.kysely, config, log: app.log });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.shuttingDown = true;
    app.log.info({ signal, graceSeconds: config.shutdownGraceSeconds }, 'shutting down');
    clearInterval(purge);
    // past the grace period, connections still open (a slow client, a long upload) are closed and the process ends
    const deadline = setTimeout(() => {
      app.log.warn('shutdown grace period over: closing the remaining connections');
      app.server.closeAllConnections();
      setTimeout(() => process.exit(1), 1_000).unref();
    }, config.shutdownGraceSeconds * 1_000);
    deadline.unref();
    try {
      // no new connections; idle keep-alive connections close now, requests in progress may finish
      const closed = app.close();
      app.server.closeIdleConnections();
      // a report in progress finishes (or its transaction rolls back) before the database closes
      await scheduler.stop();
      await closed;
      await db.close();
      clearTimeout(deadline);
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen({ port: config.port, host: config.host });
  // load the default framework's read model now, not on the first reader's request (a failure is the request's to report)
  frameworkTreeFor(db.kysely, null)
    .then((tree) => scoringModelFor(db.kysely, tree))
    .catch((err) => app.log.warn({ err: { message: (err as Error).message } }, 'loading the scoring read model failed'));
  scheduler.start().catch((err) => app.log.error({ err }, 'report catch-up failed'));
  return app;
}
