// `pactwatch serve`: the web server (`npm start`). The server opens and migrates the database itself and runs
// until a signal stops it, so this command returns as soon as it listens.

import { loadConfig } from '../../config';
import { defineCommand } from '../command';

export const serve = defineCommand({
  usage: 'serve',
  summary: ['run the web server (PORT, HOST)'],
  options: {},
  async run({ values }) {
    const config = loadConfig(process.env, values.db ? { databaseUrl: values.db } : {});
    // loaded here so that the other commands never load fastify
    const { runServer } = await import('../../server');
    await runServer(config);
    return 0;
  },
});
