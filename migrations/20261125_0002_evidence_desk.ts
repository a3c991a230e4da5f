// The evidence desk: the append-only, hash-chained audit log (the database refuses UPDATE and DELETE on it),
// attachments stored with their SHA-256, and per-user API tokens stored hashed.

import { sql } from 'kysely';
import { withId, notNull, type MigrationContext } from './helpers';

export async function up(ctx: MigrationContext): Promise<void> {
  const { db, dialect } = ctx;

  await db.schema
    .createTable('audit_log')
    .addColumn('seq', 'integer', (c) => c.primaryKey())
    .addColumn('at', 'text', notNull)
    .addColumn('actor_id', 'integer')
    .addColumn('actor', 'text')
    .addColumn('action', 'text', notNull)
    .addColumn('entity_type', 'text', notNull)
    .addColumn('entity_id', 'text')
    .addColumn('content', 'text', notNull)
    .addColumn('prev_hash', 'text', notNull)
    .addColumn('hash', 'text', (c) => c.notNull().unique())
    .execute();
  await db.schema.createIndex('audit_log_entity').on('audit_log').columns(['entity_type', 'entity_id']).execute();

  if (dialect === 'sqlite') {
    await sql`create trigger audit_log_no_update before update on audit_log
      begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
    await sql`create trigger audit_log_no_delete before delete on audit_log
      begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
    // INSERT OR REPLACE deletes without firing delete triggers (recursive_triggers is off): refuse it up front
    await sql`create trigger audit_log_no_replace before insert on audit_log
      when exists (select 1 from audit_log where seq = new.seq or hash = new.hash)
      begin select raise(abort, 'audit_log is append-only'); end`.execute(db);
  } else {
    await sql`create or replace function pactwatch_audit_append_only() returns trigger language plpgsql as $$
      begin raise exception 'audit_log is append-only'; end $$`.execute(db);
    await sql`create trigger audit_log_no_change before update or delete on audit_log
      for each row execute function pactwatch_audit_append_only()`.execute(db);
    await sql`create trigger audit_log_no_truncate before truncate on audit_log
      for each statement execute function pactwatch_audit_append_only()`.execute(db);
  }

  await withId(ctx, db.schema.createTable('attachments'))
    .addColumn('evidence_id', 'integer', (c) => c.notNull().references('evidence.id'))
    .addColumn('filename', 'text', notNull)
    .addColumn('content_type', 'text', notNull)
    .addColumn('size_bytes', 'integer', notNull)
    .addColumn('sha256', 'text', notNull)
    .addColumn('data', dialect === 'postgres' ? 'bytea' : 'blob', notNull)
    .addColumn('uploaded_by', 'integer', (c) => c.references('users.id'))
    .addColumn('uploaded_at', 'text', notNull)
    .execute();
  await db.schema.createIndex('attachments_evidence').on('attachments').column('evidence_id').execute();

  await withId(ctx, db.schema.createTable('api_tokens'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', notNull)
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('created_at', 'text', notNull)
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  await db.schema.createIndex('api_tokens_user').on('api_tokens').column('user_id').execute();

  // the submitter's delegation when the item was created: it decides who may read AMBER items
  await db.schema.alterTable('evidence').addColumn('owner_delegation', 'text').execute();
  await db.schema.createIndex('evidence_supersedes').on('evidence').column('supersedes_id').execute();
  await db.schema.createIndex('evidence_created_by').on('evidence').column('created_by').execute();
}
