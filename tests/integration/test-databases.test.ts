// The test databases copied from the run's templates (tests/helpers/templates.ts) are the databases the migrations
// and the seed make: the same tables, columns, indexes, constraints and triggers, the same rows (but for the
// times of seeding and the audit hashes that cover them), the same next ids, and migrating them again does nothing.

import { sql, type Kysely } from 'kysely';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/connect';
import type { Database } from '../../src/db/schema';
import { migrateToLatest } from '../../src/db/migrate';
import { seedDefault } from '../../src/seed/index';
import { closeTestDb, freshDatabaseUrl, onPostgres, openTestDb } from '../helpers/db';

const opened: Db[] = [];
afterAll(async () => {
  for (const db of opened.splice(0)) await closeTestDb(db);
});

/** A database made the long way: migrated, then seeded. */
async function madeByMigrations(seed: 'framework' | 'demo' | null): Promise<Db> {
  const db = await openDatabase(freshDatabaseUrl());
  opened.push(db);
  expect((await migrateToLatest(db)).length).toBeGreaterThan(0);
  if (seed) await seedDefault(db.kysely, { demo: seed === 'demo' });
  return db;
}

/** Every schema object, as the database describes it (PostgreSQL: under a neutral schema name). */
async function schemaOf(db: Db): Promise<string[]> {
  const k = db.kysely;
  if (db.dialect === 'sqlite') {
    const { rows } = await sql<{ type: string; name: string; tbl_name: string; sql: string | null }>`select type, name, tbl_name, sql from sqlite_master order by type, name`.execute(k);
    return rows.map((r) => `${r.type} ${r.name} on ${r.tbl_name}: ${r.sql ?? ''}`);
  }
  const schema = db.target.schema!;
  const neutral = (s: string) => s.replaceAll(schema, 'S');
  const q = async (query: ReturnType<typeof sql<{ d: string }>>) => (await query.execute(k)).rows.map((r) => neutral(r.d));
  return [
    ...(await q(sql<{ d: string }>`select 'column ' || table_name || '.' || column_name || ' ' || data_type || ' null:' || is_nullable || ' default:' || coalesce(column_default, '') || ' identity:' || is_identity || coalesce(identity_generation, '') as d from information_schema.columns where table_schema = ${schema} order by table_name, ordinal_position`)),
    ...(await q(sql<{ d: string }>`select 'index ' || indexdef as d from pg_indexes where schemaname = ${schema} order by indexname`)),
    ...(await q(sql<{ d: string }>`select 'constraint ' || c.conrelid::regclass::text || ' ' || c.conname || ' ' || pg_get_constraintdef(c.oid) as d from pg_constraint c join pg_namespace n on n.oid = c.connamespace where n.nspname = ${schema} order by 1`)),
    ...(await q(sql<{ d: string }>`select 'trigger ' || pg_get_triggerdef(t.oid) as d from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace where n.nspname = ${schema} and not t.tgisinternal order by 1`)),
    ...(await q(sql<{ d: string }>`select 'function ' || p.proname || ': ' || p.prosrc as d from pg_proc p join pg_namespace n on n.oid = p.pronamespace where n.nspname = ${schema} order by 1`)),
  ];
}

const TABLES = async (k: Kysely<Database>, db: Db): Promise<string[]> =>
  db.dialect === 'sqlite'
    ? // the shadow tables of a text index hold its b-tree as built (a copy rebuilds it): the index is compared by its answers
      (await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name`.execute(k)).rows.map((r) => r.name).filter((name) => !/^evidence_fts.*_(data|idx|docsize|config)$/.test(name))
    : (await sql<{ name: string }>`select table_name as name from information_schema.tables where table_schema = ${db.target.schema} order by table_name`.execute(k)).rows.map((r) => r.name);

/** Each table's rows, without the values that depend on when the seed ran (times, and hashes over them). */
async function contentOf(db: Db): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  // times, hashes, transaction ids and the read model's random epoch (migration 0012) differ between any two databases
  const timeLike = /(_at|_on_record|^at|hash|timestamp|^epoch|^xid)$/;
  for (const table of await TABLES(db.kysely, db)) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)}`.execute(db.kysely);
    const cleaned = rows.map((r) => Object.fromEntries(Object.entries(r).filter(([key]) => !timeLike.test(key) && !(table.startsWith('kysely_migration') && key === 'timestamp'))));
    out[table] = cleaned.map((r) => JSON.stringify(r)).sort();
  }
  return out;
}

/** The id the next row of each table with an id gets. */
async function nextIds(db: Db): Promise<Record<string, unknown>> {
  if (db.dialect === 'sqlite') {
    const { rows } = await sql<{ name: string; seq: number }>`select name, seq from sqlite_sequence order by name`.execute(db.kysely);
    return Object.fromEntries(rows.map((r) => [r.name, r.seq]));
  }
  const { rows } = await sql<{ name: string; last: string | null }>`select sequencename as name, last_value::text as last from pg_sequences where schemaname = ${db.target.schema} order by sequencename`.execute(db.kysely);
  return Object.fromEntries(rows.map((r) => [r.name, r.last]));
}

describe('test databases made from the templates', () => {
  it('are made from templates in this run', () => {
    const templates = inject('pactwatchDbTemplates');
    expect(templates?.dialect).toBe(onPostgres ? 'postgres' : 'sqlite');
  });

  for (const seed of [null, 'framework', 'demo'] as const) {
    it(`equal a database migrated${seed ? ` and seeded (${seed})` : ''} here`, async () => {
      const copy = await openTestDb(undefined, { seed });
      opened.push(copy);
      const made = await madeByMigrations(seed);
      expect(await schemaOf(copy)).toEqual(await schemaOf(made));
      expect(await contentOf(copy)).toEqual(await contentOf(made));
      expect(await nextIds(copy)).toEqual(await nextIds(made));
      expect(await migrateToLatest(copy)).toEqual([]);
      if (seed) {
        const counts = async (d: Db) => Number((await d.kysely.selectFrom('evidence').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
        expect(await counts(copy)).toBe(await counts(made));
        if (seed === 'demo') expect(await counts(copy)).toBeGreaterThan(0);
      }
    });
  }

  it('keeps the guards of the audit log on a copy', async () => {
    const copy = await openTestDb(undefined, { seed: 'framework' });
    opened.push(copy);
    await expect(sql`delete from audit_log`.execute(copy.kysely)).rejects.toThrow();
  });
});
