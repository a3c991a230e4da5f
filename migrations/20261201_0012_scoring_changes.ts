// The change log the scoring read model follows (src/framework/read-model.ts): every insert, update or delete of an
// evidence item that is or was verified appends the item's id, in the same transaction, by a trigger (so no code
// path can forget it); publishing or aborting an import batch appends a marker (null ids) meaning "reload all".
// Every app instance and the CLI read the log since what they last applied, so none serves a number older than
// the last commit. On PostgreSQL each row also carries its transaction id: ids from a sequence are not in commit
// order, so readers take rows from transactions not yet finished at their last read again (src/framework/read-model.ts).
// `epoch` names this database's log: a reader that finds another epoch starts over. The log is trimmed to its
// last rows now and then (`trims` counts it); a reader that finds it trimmed since its last read starts over when a row it had not
// read may have gone (on SQLite: rows past the last it read; on PostgreSQL: rows of transactions at or past its horizon).

import { sql } from 'kysely';
import type { MigrationContext } from './helpers';
import { withId } from './helpers';

export async function up(ctx: MigrationContext): Promise<void> {
  const { db } = ctx;
  await withId(ctx, db.schema.createTable('scoring_changes'))
    .addColumn('framework_id', 'integer')
    .addColumn('evidence_id', 'integer')
    .addColumn('xid', 'bigint')
    .execute();
  await db.schema.createIndex('scoring_changes_xid').on('scoring_changes').column('xid').execute();
  await db.schema
    .createTable('read_model_state')
    .addColumn('id', 'integer', (c) => c.primaryKey().check(sql`id = 1`))
    .addColumn('epoch', 'text', (c) => c.notNull())
    // how many times the log was trimmed to its last rows, up to which id, and (PostgreSQL) the newest transaction
    // of a removed row: a reader that may not have read a removed row starts over
    .addColumn('trims', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('trimmed_id', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('trimmed_xid', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  const epoch = `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
  await db.insertInto('read_model_state').values({ id: 1, epoch }).execute();

  if (ctx.dialect === 'sqlite') {
    await sql`create trigger evidence_scoring_insert after insert on evidence when new.verified_at is not null
      begin insert into scoring_changes (framework_id, evidence_id) values (new.framework_id, new.id); end`.execute(db);
    await sql`create trigger evidence_scoring_update after update on evidence when new.verified_at is not null or old.verified_at is not null
      begin insert into scoring_changes (framework_id, evidence_id) values (new.framework_id, new.id); end`.execute(db);
    await sql`create trigger evidence_scoring_delete after delete on evidence when old.verified_at is not null
      begin insert into scoring_changes (framework_id, evidence_id) values (old.framework_id, old.id); end`.execute(db);
    await sql`create trigger import_batch_scoring after update of state on import_batches
      begin insert into scoring_changes (framework_id, evidence_id) values (null, null); end`.execute(db);
    return;
  }
  // one statement-level trigger per operation: a bulk insert of thousands of rows logs them in one statement
  await sql`create or replace function pactwatch_scoring_changed() returns trigger language plpgsql as $$
    begin
      if tg_op = 'INSERT' then
        insert into scoring_changes (framework_id, evidence_id, xid)
          select framework_id, id, txid_current() from new_rows where verified_at is not null;
      elsif tg_op = 'UPDATE' then
        insert into scoring_changes (framework_id, evidence_id, xid)
          select n.framework_id, n.id, txid_current() from new_rows n join old_rows o on o.id = n.id
          where n.verified_at is not null or o.verified_at is not null;
      else
        insert into scoring_changes (framework_id, evidence_id, xid)
          select framework_id, id, txid_current() from old_rows where verified_at is not null;
      end if;
      return null;
    end $$`.execute(db);
  await sql`create trigger evidence_scoring_insert after insert on evidence referencing new table as new_rows
    for each statement execute function pactwatch_scoring_changed()`.execute(db);
  await sql`create trigger evidence_scoring_update after update on evidence referencing old table as old_rows new table as new_rows
    for each statement execute function pactwatch_scoring_changed()`.execute(db);
  await sql`create trigger evidence_scoring_delete after delete on evidence referencing old table as old_rows
    for each statement execute function pactwatch_scoring_changed()`.execute(db);
  await sql`create or replace function pactwatch_scoring_reload() returns trigger language plpgsql as $$
    begin
      insert into scoring_changes (framework_id, evidence_id, xid) values (null, null, txid_current());
      return null;
    end $$`.execute(db);
  await sql`create trigger import_batch_scoring after update of state on import_batches
    for each statement execute function pactwatch_scoring_reload()`.execute(db);
}
