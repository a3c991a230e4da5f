// Shared things every feature uses: the database, the configuration and the clock, as decorators.

import fp from 'fastify-plugin';
import type { FastifyInstance } from 'fastify';
import type { Db } from '../db/connect';
import type { Config } from '../config';
import type { Clock } from '../time';

export interface CoreOptions {
  db: Db;
  config: Readonly<Config>;
  clock: Clock;
}

async function corePlugin(app: FastifyInstance, opts: CoreOptions) {
  app.decorate('db', opts.db);
  app.decorate('config', opts.config);
  app.decorate('clock', opts.clock);
}

export default fp(corePlugin, { name: 'pactwatch-core' });
