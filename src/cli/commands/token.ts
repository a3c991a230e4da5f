// `pactwatch token create --email E [--name N]`: print a new API token for that user; it is shown only this once
// (stored hashed).

import { CLI_ACTOR } from '../../audit/log';
import { createApiToken } from '../../auth/tokens';
import { AppError } from '../../errors';
import { findUserByEmail } from '../../users/repository';
import { defineCommand, UsageError, type CommandGroup } from '../command';
import { withDatabase } from '../database';

const create = defineCommand({
  usage: 'token create --email E [--name N]',
  summary: ['print a new API token for that user (shown once)'],
  options: { email: { type: 'string' }, name: { type: 'string' } },
  async run({ values }, io) {
    const { email } = values;
    if (!email) throw new UsageError('token create needs --email');
    const token = await withDatabase(values.db, async (db) => {
      const user = await findUserByEmail(db.kysely, email);
      if (!user) throw new AppError('NOT_FOUND', `no user with e-mail ${email}`);
      if (user.disabled_at) throw new AppError('CONFLICT', `the account ${user.email} is disabled`);
      return createApiToken(db.kysely, user, values.name ?? 'created with pactwatch token create', CLI_ACTOR);
    });
    io.stdout(`${token.token}\n`);
    io.stderr(`token ${token.summary.id} created for ${email}; it is shown only now\n`);
    return 0;
  },
});

export const token: CommandGroup = {
  subcommands: { create },
  unknownSubcommand: 'token takes the subcommand create',
};
