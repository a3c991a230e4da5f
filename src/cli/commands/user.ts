// `pactwatch user add|list|update|disable|enable|reset-password`: the account lifecycle from the command line,
// acting as the CLI actor of the audit log. Each subcommand prints one JSON line per account it shows.

import type { Kysely } from 'kysely';
import { CLI_ACTOR } from '../../audit/log';
import type { Database, UserRow } from '../../db/schema';
import { AppError } from '../../errors';
import { findUserByEmail } from '../../users/repository';
import { createUser, issuePasswordCode, listUsers, setUserDisabled, updateUser } from '../../users/service';
import { defineCommand, UsageError, type CommandGroup } from '../command';
import { withDatabase } from '../database';

async function userByEmail(db: Kysely<Database>, email: string): Promise<UserRow> {
  const user = await findUserByEmail(db, email);
  if (!user) throw new AppError('NOT_FOUND', `no user with e-mail ${email}`);
  return user;
}

const add = defineCommand({
  usage: 'user add --email E --role ROLE [--delegation CODE] [--name N]',
  summary: ['create a user; the password is read from stdin'],
  options: { email: { type: 'string' }, role: { type: 'string' }, delegation: { type: 'string' }, name: { type: 'string' } },
  async run({ values }, io) {
    const { email, role } = values;
    if (!email || !role) throw new UsageError('user add needs --email and --role');
    const password = (await io.stdin()).replace(/\r?\n$/, '');
    const user = await withDatabase(values.db, (db) =>
      createUser(db.kysely, { email, role, delegation: values.delegation ?? null, name: values.name ?? null, password }, undefined, CLI_ACTOR),
    );
    io.stdout(`${JSON.stringify({ id: user.id, email: user.email, role: user.role, delegation: user.delegation })}\n`);
    return 0;
  },
});

const list = defineCommand({
  usage: 'user list',
  summary: ['one JSON line per user'],
  options: {},
  async run({ values }, io) {
    const users = await withDatabase(values.db, (db) => listUsers(db.kysely));
    for (const u of users) {
      io.stdout(`${JSON.stringify({ id: u.id, email: u.email, name: u.name, role: u.role, delegation: u.delegation, disabled: Boolean(u.disabled_at) })}\n`);
    }
    return 0;
  },
});

const update = defineCommand({
  usage: 'user update --email E [--role R] [--delegation CODE] [--name N]',
  summary: ['change a user (a new role or delegation ends their sessions)'],
  options: { email: { type: 'string' }, role: { type: 'string' }, delegation: { type: 'string' }, name: { type: 'string' } },
  async run({ values }, io) {
    const { email } = values;
    if (!email) throw new UsageError('user update needs --email');
    const updated = await withDatabase(values.db, async (db) => {
      const user = await userByEmail(db.kysely, email);
      return updateUser(db.kysely, CLI_ACTOR, user.id, {
        role: values.role,
        name: values.name,
        // `--delegation ''` clears it; leaving the option out keeps it
        ...(values.delegation !== undefined ? { delegation: values.delegation || null } : {}),
      });
    });
    io.stdout(`${JSON.stringify({ id: updated.id, email: updated.email, name: updated.name, role: updated.role, delegation: updated.delegation })}\n`);
    return 0;
  },
});

/** Shared by disable and enable, which the help lists on one line. */
const TOGGLE_SUMMARY = ['disable (ending all sessions and API tokens) or re-enable'];

function toggle(sub: 'disable' | 'enable') {
  return defineCommand({
    usage: `user ${sub} --email E`,
    summary: TOGGLE_SUMMARY,
    options: { email: { type: 'string' } },
    async run({ values }, io) {
      const { email } = values;
      if (!email) throw new UsageError(`user ${sub} needs --email`);
      const changed = await withDatabase(values.db, async (db) => {
        const user = await userByEmail(db.kysely, email);
        return setUserDisabled(db.kysely, CLI_ACTOR, user.id, sub === 'disable');
      });
      io.stdout(`${JSON.stringify({ email: changed.email, disabled: Boolean(changed.disabled_at) })}\n`);
      return 0;
    },
  });
}

const resetPassword = defineCommand({
  usage: 'user reset-password --email E [--base-url URL]',
  summary: ['print a one-time link to set a new password (24 h)'],
  options: { email: { type: 'string' }, 'base-url': { type: 'string' } },
  async run({ values }, io) {
    const { email } = values;
    if (!email) throw new UsageError('user reset-password needs --email');
    const link = await withDatabase(values.db, async (db) => {
      const user = await userByEmail(db.kysely, email);
      const issued = await issuePasswordCode(db.kysely, CLI_ACTOR, user.id, 'reset');
      const base = (values['base-url'] ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
      return { email: user.email, url: `${base}/set-password?code=${issued.code}`, expires_at: issued.expiresAt };
    });
    io.stdout(`${JSON.stringify(link)}\n`);
    return 0;
  },
});

export const user: CommandGroup = {
  subcommands: { add, list, update, disable: toggle('disable'), enable: toggle('enable'), 'reset-password': resetPassword },
  unknownSubcommand: 'user takes the subcommands add, list, update, disable, enable, reset-password',
};
