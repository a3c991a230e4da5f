// Accounts and security: one-time password-set links, and the security log (sign-ins, sign-outs, denials,
// CSRF failures), which also drives the sign-in attempt limits.

import { withId, notNull, type MigrationContext } from './helpers';

export async function up(ctx: MigrationContext): Promise<void> {
  const { db } = ctx;

  await withId(ctx, db.schema.createTable('password_resets'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('purpose', 'text', notNull)
    .addColumn('created_by', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', 'text', notNull)
    .addColumn('expires_at', 'text', notNull)
    .addColumn('used_at', 'text')
    .execute();
  await db.schema.createIndex('password_resets_user').on('password_resets').column('user_id').execute();

  await withId(ctx, db.schema.createTable('security_events'))
    .addColumn('at', 'text', notNull)
    .addColumn('event', 'text', notNull)
    .addColumn('user_id', 'integer')
    .addColumn('email', 'text')
    .addColumn('ip', 'text')
    .addColumn('method', 'text')
    .addColumn('path', 'text')
    .addColumn('detail', 'text')
    .execute();
  await db.schema.createIndex('security_events_email').on('security_events').columns(['event', 'email', 'at']).execute();
  await db.schema.createIndex('security_events_ip').on('security_events').columns(['event', 'ip', 'at']).execute();
  await db.schema.createIndex('security_events_at').on('security_events').column('at').execute();
}
