// The process: open and migrate the database, prepare a first start, listen, shut down gracefully.

import type { FastifyInstance } from 'fastify';
import { openDatabase, type Db } from './db/connect';
import { migrateToLatest } from './db/migrate';
import type { Config } from './config';
import { buildApp } from './app';
import { countUsers } from './users/repository';
import { createUser } from './users/service';
import { randomPassword } from './auth/password';
import { listFrameworks } from './framework/repository';
import { seedDefault } from './seed/index';
import { AppError } from './errors';
import { purgeExpiredSessions } from './auth/session-store';
import { purgeExpiredSavedForms } from './auth/saved-forms';
import { purgeOldAnswers } from './idempotency/repository';
import { systemClock } from './time';
import { SYSTEM_ACTOR } from './audit/log';
import { ReportScheduler } from './jobs/report-scheduler';

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
  const db = await openDatabase(config.databaseUrl);
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
    app.log.info({ signal }, 'shutting down');
    clearInterval(purge);
    try {
      // a report in progress finishes (or its transaction rolls back) before the database closes
      await scheduler.stop();
      await app.close();
      await db.close();
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));

  await app.listen({ port: config.port, host: config.host });
  scheduler.start().catch((err) => app.log.error({ err }, 'report catch-up failed'));
  return app;
}
