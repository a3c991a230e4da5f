// Search that finds Arabic-script words however they were keyed (issue 14): the text indexes store the items'
// text folded by src/evidence/search-fold.ts (letter variants, diacritics, tatweel, zero-width (non-)joiners,
// Arabic-Indic digits), and searches fold their terms the same way.
//
// SQLite: `evidence_fts` becomes a contentless FTS5 table (contentless_delete, so rows are deleted by rowid) fed the
// folded columns by the triggers, which fold in SQL (nested replace(): no extension, so any program that writes
// evidence through SQLite keeps the index right). The CJK trigram index is unchanged (CJK text is not folded).
// PostgreSQL: `evidence_search_document` folds with translate() before to_tsvector; the stored documents are
// recomputed.
// Changing the fold table later needs a new migration that rebuilds both (tests compare the three folds).

import { sql } from 'kysely';
import type { MigrationContext } from './helpers';
import { postgresFoldSql, sqliteFoldSql } from '../src/evidence/search-fold';

/** Han (with extension A and compatibility ideographs), hiragana, katakana and hangul syllables (as in 0013). */
const CJK_GLOB = "'*[぀-ヿ㐀-䶿一-鿿가-힯豈-﫿]*'";
const CJK_CLASS_PG = '[\\u3040-\\u30ff\\u3400-\\u4dbf\\u4e00-\\u9fff\\uac00-\\ud7af\\uf900-\\ufaff]';

const sqliteText = (row: 'new' | 'old' | 'evidence') =>
  `coalesce(${row}.title, '') || char(10) || coalesce(${row}.summary, '') || char(10) || coalesce(${row}.source, '') || char(10) || coalesce(${row}.ref, '')`;

const folded = (row: 'new' | 'evidence') => ['title', 'summary', 'source', 'ref'].map((c) => sqliteFoldSql(`${row}.${c}`)).join(', ');

async function sqliteSearch(ctx: MigrationContext) {
  const { db } = ctx;
  for (const trigger of ['evidence_search_insert', 'evidence_search_delete', 'evidence_search_update']) await sql.raw(`drop trigger if exists ${trigger}`).execute(db);
  await sql`drop table if exists evidence_fts`.execute(db);
  await sql`create virtual table evidence_fts using fts5(title, summary, source, ref, content = '', contentless_delete = 1, tokenize = 'unicode61 remove_diacritics 2')`.execute(db);
  const addNew = `insert into evidence_fts (rowid, title, summary, source, ref) values (new.id, ${folded('new')});
    insert into evidence_fts_cjk (rowid, text) select new.id, ${sqliteText('new')} where ${sqliteText('new')} glob ${CJK_GLOB};`;
  const dropOld = `delete from evidence_fts where rowid = old.id;
    delete from evidence_fts_cjk where rowid = old.id;`;
  await sql.raw(`create trigger evidence_search_insert after insert on evidence begin ${addNew} end`).execute(db);
  await sql.raw(`create trigger evidence_search_delete after delete on evidence begin ${dropOld} end`).execute(db);
  await sql.raw(`create trigger evidence_search_update after update of title, summary, source, ref on evidence begin ${dropOld} ${addNew} end`).execute(db);
  await fillEvidenceFts(db);
}

/**
 * Indexes every item already in `evidence` (the migration, and anything that copies a database table by table:
 * a contentless index cannot be rebuilt from its content, it is filled again from the items).
 */
export async function fillEvidenceFts(db: MigrationContext['db']): Promise<void> {
  await sql.raw(`insert into evidence_fts (rowid, title, summary, source, ref) select evidence.id, ${folded('evidence')} from evidence`).execute(db);
}

async function postgresSearch(ctx: MigrationContext) {
  const { db } = ctx;
  const text = `coalesce(title, '') || ' ' || coalesce(summary, '') || ' ' || coalesce(source, '') || ' ' || coalesce(ref, '')`;
  await sql.raw(`create or replace function evidence_search_document(title text, summary text, source text, ref text) returns tsvector
    language sql immutable parallel safe
    as $$ select to_tsvector('simple'::regconfig, regexp_replace(${postgresFoldSql(text)}, '(${CJK_CLASS_PG})', ' \\1 ', 'g')) $$`).execute(db);
  await sql`update evidence_search set document = evidence_search_document(evidence.title, evidence.summary, evidence.source, evidence.ref) from evidence where evidence.id = evidence_search.evidence_id`.execute(db);
}

export async function up(ctx: MigrationContext): Promise<void> {
  await (ctx.dialect === 'sqlite' ? sqliteSearch(ctx) : postgresSearch(ctx));
}
