// Template databases: migrated (and seeded) once per test run by tests/global-setup.ts, then copied into each new
// test database instead of running the migrations (and the seed) again; on PostgreSQL that took 0.5-2 s a database.
//   SQLite: a template file per kind; an in-memory test database gets its schema from the template's own CREATE
//     statements and its rows copied over (ATTACH), a file database is a copy of the file.
//   PostgreSQL: a template schema per kind, dumped with pg_dump (schema and rows) and then dropped; a test
//     database is a new schema the dump is replayed into, under the new schema's name.
// Both give the database the migrations and the seed would have given it, kysely's migration table included, so
// migrating it again does nothing.

import { fillEvidenceFts } from '../../migrations/20261201_0015_search_fold';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase, parseDatabaseUrl, type Db } from '../../src/db/connect';
import { migrateToLatest } from '../../src/db/migrate';
import { seedDefault } from '../../src/seed/index';

/** What a template holds beyond the migrated schema: nothing, the default framework, or it and the demo evidence. */
export type TemplateKind = 'migrated' | 'framework' | 'demo';
export const TEMPLATE_KINDS: TemplateKind[] = ['migrated', 'framework', 'demo'];

/** Where each kind's template is: a SQLite file, or a PostgreSQL dump with the schema name it was taken under. */
export type Templates =
  | { dialect: 'sqlite'; files: Record<TemplateKind, string> }
  | { dialect: 'postgres'; dumps: Record<TemplateKind, { schema: string; sql: string }> };

async function fillTemplate(db: Db, kind: TemplateKind): Promise<void> {
  await migrateToLatest(db);
  if (kind !== 'migrated') await seedDefault(db.kysely, { demo: kind === 'demo' });
}

/** Builds every kind of template for the database named by `postgresUrl` (else SQLite); `remove` deletes them. */
export async function buildTemplates(postgresUrl: string | null): Promise<{ templates: Templates; remove(): Promise<void> }> {
  if (!postgresUrl) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pactwatch-templates-'));
    const files = {} as Record<TemplateKind, string>;
    for (const kind of TEMPLATE_KINDS) {
      files[kind] = path.join(dir, `${kind}.db`);
      const db = await openDatabase(files[kind]);
      try {
        await fillTemplate(db, kind);
      } finally {
        // closing the last connection checkpoints the WAL into the file and removes it
        await db.close();
      }
    }
    return { templates: { dialect: 'sqlite', files }, remove: async () => fs.rmSync(dir, { recursive: true, force: true }) };
  }
  const location = parseDatabaseUrl(postgresUrl).location;
  const dumps = {} as Record<TemplateKind, { schema: string; sql: string }>;
  for (const kind of TEMPLATE_KINDS) {
    const schema = `pwtemplate_${process.pid}_${kind}`;
    const url = new URL(postgresUrl);
    url.searchParams.set('schema', schema);
    try {
      const db = await openDatabase(url.toString());
      try {
        await fillTemplate(db, kind);
      } finally {
        await db.close();
      }
      const { stdout } = await promisify(execFile)('pg_dump', ['--dbname', location, '--schema', schema, '--no-owner', '--no-privileges', '--inserts', '--rows-per-insert=500'], { maxBuffer: 256 * 1024 * 1024 });
      // psql meta-commands (\restrict and \unrestrict from pg_dump 15.14 on) are not SQL
      dumps[kind] = { schema, sql: stdout.replace(/^\\.*$/gm, '') };
    } finally {
      await dropSchema(location, schema);
    }
  }
  return { templates: { dialect: 'postgres', dumps }, remove: async () => undefined };
}

export async function dropSchema(location: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: location });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

/** Replays a template's dump into `schema`, which must not exist yet. */
export async function restorePostgresTemplate(location: string, schema: string, dump: { schema: string; sql: string }): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema) || schema.includes(dump.schema)) throw new Error(`unusable schema name ${schema}`);
  const client = new pg.Client({ connectionString: location });
  await client.connect();
  try {
    // one simple query: one implicit transaction, so a failure leaves no half-made schema
    await client.query(dump.sql.replaceAll(dump.schema, schema));
  } finally {
    await client.end();
  }
}

/**
 * Fills an empty SQLite database (in memory) from a template file: its tables by their own CREATE statements and
 * their rows, then its indexes, triggers and views, and the AUTOINCREMENT counters.
 */
export async function restoreSqliteTemplate(db: Db, file: string): Promise<void> {
  const k = db.kysely;
  await sql`attach database ${file} as template`.execute(k);
  try {
    const objects = (
      await sql<{ type: string; name: string; sql: string }>`select type, name, sql from template.sqlite_master where sql is not null order by rowid`.execute(k)
    ).rows;
    // a virtual table (FTS5) makes its own shadow tables (`<name>_data`, ...) when it is created
    const virtual = objects.filter((o) => o.type === 'table' && /^create virtual table/i.test(o.sql)).map((o) => o.name);
    const isShadow = (name: string) => virtual.some((v) => ['data', 'idx', 'docsize', 'config', 'content'].some((shadow) => name === `${v}_${shadow}`));
    const tables = objects.filter((o) => o.type === 'table' && !o.name.startsWith('sqlite_'));
    // the rows are copied as they are, before the triggers that guard some tables exist
    await sql`pragma foreign_keys = off`.execute(k);
    try {
      for (const t of tables.filter((x) => !isShadow(x.name))) {
        await sql.raw(t.sql).execute(k);
        if (!virtual.includes(t.name)) await sql`insert into main.${sql.id(t.name)} select * from template.${sql.id(t.name)}`.execute(k);
      }
      // shadow tables may not be written (defensive mode): an index of another table's content is rebuilt, one of
      // its own content gets its rows
      for (const t of tables.filter((x) => virtual.includes(x.name))) {
        if (t.name === 'evidence_fts' && /\bcontent\s*=\s*''/i.test(t.sql)) {
          // contentless (migration 0015): filled again from the items, folded as its triggers fold them
          await fillEvidenceFts(k);
        } else if (/\bcontent\s*=/i.test(t.sql)) {
          await sql`insert into main.${sql.id(t.name)} (${sql.id(t.name)}) values ('rebuild')`.execute(k);
        } else {
          const columns = (await sql<{ name: string }>`select name from pragma_table_info(${t.name}, 'template')`.execute(k)).rows.map((c) => sql.id(c.name));
          await sql`insert into main.${sql.id(t.name)} (rowid, ${sql.join(columns)}) select rowid, ${sql.join(columns)} from template.${sql.id(t.name)}`.execute(k);
        }
      }
      if (objects.some((o) => o.name === 'sqlite_sequence')) {
        // the counters as the template has them (inserting the rows set them to the highest id, maybe lower)
        await sql`delete from main.sqlite_sequence`.execute(k);
        await sql`insert into main.sqlite_sequence select * from template.sqlite_sequence`.execute(k);
      }
      for (const o of objects.filter((x) => x.type === 'index' || x.type === 'view')) await sql.raw(o.sql).execute(k);
      for (const o of objects.filter((x) => x.type === 'trigger')) await sql.raw(o.sql).execute(k);
    } finally {
      await sql`pragma foreign_keys = on`.execute(k);
    }
  } finally {
    await sql`detach database template`.execute(k);
  }
}
