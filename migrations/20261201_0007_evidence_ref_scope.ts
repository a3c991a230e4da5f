// A submitter's references are their own: `ref` is unique per framework and creator (imports, which have no
// creator, share one namespace), not per framework. A clash with somebody else's item would tell the submitter
// that an item they may not see exists, and what it is called. Also: at most one pending correction per item,
// enforced by the database so two corrections proposed at the same moment cannot both be created.

import { sql } from 'kysely';
import type { MigrationContext } from './helpers';

const SCOPED_REF_INDEX = sql`create unique index evidence_ref_by_creator on evidence (framework_id, coalesce(created_by, 0), ref)`;
const ONE_PENDING_CORRECTION = sql`create unique index evidence_one_pending_correction on evidence (supersedes_id)
  where supersedes_id is not null and status in ('draft', 'submitted')`;

export async function up(ctx: MigrationContext): Promise<void> {
  const { db, dialect } = ctx;
  if (dialect === 'postgres') {
    await sql`alter table evidence drop constraint evidence_ref`.execute(db);
    await SCOPED_REF_INDEX.execute(db);
    await ONE_PENDING_CORRECTION.execute(db);
    return;
  }
  // SQLite cannot drop a table constraint: rebuild the table without it (the documented 12-step procedure),
  // with foreign keys off so the rows that reference evidence are neither checked nor cascaded meanwhile.
  const table = await sql<{ sql: string }>`select sql from sqlite_master where type = 'table' and name = 'evidence'`.execute(db);
  const definition = table.rows[0]?.sql ?? '';
  const constraint = /,\s*constraint "evidence_ref" unique \("framework_id", "ref"\)/;
  if (!constraint.test(definition)) throw new Error('evidence table: the unique constraint evidence_ref was not found');
  const rebuilt = definition.replace(constraint, '').replace(/^CREATE TABLE "evidence"/, 'CREATE TABLE "evidence_rebuilt"');
  const indexes = await sql<{ sql: string }>`select sql from sqlite_master where type = 'index' and tbl_name = 'evidence' and sql is not null`.execute(db);
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await sql`begin immediate`.execute(db);
    try {
      await sql.raw(rebuilt).execute(db);
      await sql`insert into evidence_rebuilt select * from evidence`.execute(db);
      await sql`drop table evidence`.execute(db);
      await sql`alter table evidence_rebuilt rename to evidence`.execute(db);
      for (const index of indexes.rows) await sql.raw(index.sql).execute(db);
      await SCOPED_REF_INDEX.execute(db);
      await ONE_PENDING_CORRECTION.execute(db);
      const broken = await sql`pragma foreign_key_check`.execute(db);
      if (broken.rows.length) throw new Error(`evidence table rebuild left ${broken.rows.length} broken references`);
      await sql`commit`.execute(db);
    } catch (err) {
      await sql`rollback`.execute(db);
      throw err;
    }
  } finally {
    await sql`pragma foreign_keys = on`.execute(db);
  }
}
