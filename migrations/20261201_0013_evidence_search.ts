// Evidence lists at any size (issue 12): indexes in the orders the lists page through (keyset, never OFFSET scans),
// and a text index for search that folds case beyond ASCII.
//
// SQLite: `evidence_fts`, FTS5 with unicode61 (remove_diacritics 2) over title, summary, source and ref, an
// external-content index of `evidence` (no second copy of the text), for word and word-prefix search in every script
// that separates words (Latin, Cyrillic, Arabic, ...). unicode61 keeps a run of CJK ideographs (or kana, hangul) as
// one token, so `evidence_fts_cjk` (FTS5 trigram) indexes the items whose text holds such characters, and only
// those, for substring search in them (kept small: the rest of the data set pays nothing for it). Triggers keep both
// in step with every write, in the writer's transaction.
// PostgreSQL: `evidence_search`, each item's `evidence_search_document(...)` (`to_tsvector('simple', ...)` of the same
// columns with CJK characters spaced apart, so a CJK word is found as a phrase of its characters; no extension
// needed) under a GIN index, kept in step by a trigger.

import { sql } from 'kysely';
import type { MigrationContext } from './helpers';

/** Han (with extension A and compatibility ideographs), hiragana, katakana and hangul syllables. */
const CJK_GLOB = "'*[぀-ヿ㐀-䶿一-鿿가-힯豈-﫿]*'";
const CJK_CLASS_PG = '[\\u3040-\\u30ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uac00-\\ud7af\\uf900-\\ufaff]';

const sqliteText = (row: 'new' | 'old' | 'evidence') =>
  `coalesce(${row}.title, '') || char(10) || coalesce(${row}.summary, '') || char(10) || coalesce(${row}.source, '') || char(10) || coalesce(${row}.ref, '')`;

async function sqliteSearch(ctx: MigrationContext) {
  const { db } = ctx;
  await sql`create virtual table evidence_fts using fts5(title, summary, source, ref, content = 'evidence', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2')`.execute(db);
  await sql`create virtual table evidence_fts_cjk using fts5(text, tokenize = 'trigram case_sensitive 0')`.execute(db);
  const addNew = `insert into evidence_fts (rowid, title, summary, source, ref) values (new.id, new.title, new.summary, new.source, new.ref);
    insert into evidence_fts_cjk (rowid, text) select new.id, ${sqliteText('new')} where ${sqliteText('new')} glob ${CJK_GLOB};`;
  const dropOld = `insert into evidence_fts (evidence_fts, rowid, title, summary, source, ref) values ('delete', old.id, old.title, old.summary, old.source, old.ref);
    delete from evidence_fts_cjk where rowid = old.id;`;
  await sql.raw(`create trigger evidence_search_insert after insert on evidence begin ${addNew} end`).execute(db);
  await sql.raw(`create trigger evidence_search_delete after delete on evidence begin ${dropOld} end`).execute(db);
  await sql.raw(`create trigger evidence_search_update after update of title, summary, source, ref on evidence begin ${dropOld} ${addNew} end`).execute(db);
  // the items already there
  await sql`insert into evidence_fts (evidence_fts) values ('rebuild')`.execute(db);
  await sql.raw(`insert into evidence_fts_cjk (rowid, text) select evidence.id, ${sqliteText('evidence')} from evidence where ${sqliteText('evidence')} glob ${CJK_GLOB}`).execute(db);
}

async function postgresSearch(ctx: MigrationContext) {
  const { db } = ctx;
  await sql.raw(`create function evidence_search_document(title text, summary text, source text, ref text) returns tsvector
    language sql immutable parallel safe
    as $$ select to_tsvector('simple'::regconfig, regexp_replace(coalesce(title, '') || ' ' || coalesce(summary, '') || ' ' || coalesce(source, '') || ' ' || coalesce(ref, ''), '(${CJK_CLASS_PG})', ' \\1 ', 'g')) $$`).execute(db);
  // the documents are stored (not an expression index): a GIN match is rechecked against the row's document, and
  // recomputing it from the text costs tens of microseconds a row
  await db.schema
    .createTable('evidence_search')
    .addColumn('evidence_id', 'integer', (c) => c.primaryKey().references('evidence.id').onDelete('cascade'))
    .addColumn('document', sql`tsvector`, (c) => c.notNull())
    .execute();
  await sql`create index evidence_search_document_gin on evidence_search using gin (document)`.execute(db);
  await sql`create function evidence_search_sync() returns trigger language plpgsql as $$
    begin
      insert into evidence_search (evidence_id, document) values (new.id, evidence_search_document(new.title, new.summary, new.source, new.ref))
        on conflict (evidence_id) do update set document = excluded.document;
      return null;
    end $$`.execute(db);
  await sql`create trigger evidence_search_sync after insert or update of title, summary, source, ref on evidence
    for each row execute function evidence_search_sync()`.execute(db);
  await sql`insert into evidence_search (evidence_id, document) select id, evidence_search_document(title, summary, source, ref) from evidence`.execute(db);
}

export async function up(ctx: MigrationContext): Promise<void> {
  const { db } = ctx;
  // the orders lists page through: observed (newest first), logged (newest first), within a framework, a status
  await db.schema.dropIndex('evidence_framework_status').execute();
  await db.schema.createIndex('evidence_list_status').on('evidence').columns(['framework_id', 'status', 'observed_on', 'id']).execute();
  await db.schema.createIndex('evidence_list_observed').on('evidence').columns(['framework_id', 'observed_on', 'id']).execute();
  await db.schema.createIndex('evidence_list_logged').on('evidence').columns(['framework_id', 'id']).execute();
  // the API lists every framework unless asked for one
  await db.schema.createIndex('evidence_observed').on('evidence').columns(['observed_on', 'id']).execute();
  await db.schema.createIndex('evidence_status').on('evidence').columns(['status', 'observed_on', 'id']).execute();
  await (ctx.dialect === 'sqlite' ? sqliteSearch(ctx) : postgresSearch(ctx));
}
