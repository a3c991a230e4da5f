// Retries and lost forms (issue 10.4): the stored answers of state changes made with an Idempotency-Key (and the
// one-time tokens of the evidence web forms, in the same table under a `form:` key), written in the transaction of
// the change they answer; and evidence forms posted after their session expired, kept for their author to restore.

import { notNull, type MigrationContext } from './helpers';

export async function up(ctx: MigrationContext): Promise<void> {
  const { db } = ctx;

  await db.schema
    .createTable('idempotency_keys')
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('key', 'text', notNull)
    .addColumn('method', 'text', notNull)
    .addColumn('path', 'text', notNull)
    .addColumn('request_sha256', 'text', notNull)
    .addColumn('status', 'integer', notNull)
    .addColumn('response', 'text', notNull)
    .addColumn('created_at', 'text', notNull)
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['user_id', 'key'])
    .execute();
  await db.schema.createIndex('idempotency_keys_created_at').on('idempotency_keys').column('created_at').execute();

  await db.schema
    .createTable('saved_forms')
    // SHA-256 of the random id in the browser's cookie: the id itself is never stored
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('path', 'text', notNull)
    .addColumn('fields', 'text', notNull)
    .addColumn('created_at', 'text', notNull)
    .addColumn('expires_at', 'text', notNull)
    .execute();
  await db.schema.createIndex('saved_forms_user').on('saved_forms').columns(['user_id', 'created_at']).execute();
  await db.schema.createIndex('saved_forms_expires_at').on('saved_forms').column('expires_at').execute();
}
