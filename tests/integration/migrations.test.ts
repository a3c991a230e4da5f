// Migrations on a database that already holds data: every row kept, references intact and still enforced.

import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateTo, migrateToLatest } from '../../src/db/migrate';
import { openDatabase, type Db } from '../../src/db/connect';
import { closeTestDb, freshDatabaseUrl, onPostgres } from '../helpers/db';
import { seedDefault } from '../../src/seed/index';
import { createUser } from '../../src/users/service';
import { createEvidence, reviewEvidence } from '../../src/evidence/service';
import { addAttachment } from '../../src/evidence/attachments';

const BEFORE_REF_SCOPE = '20261125_0004_reports';

/** The tables of the schema as of migration 0004, parents before children (frozen: that schema never changes). */
const TABLES_0004 = [
  'frameworks', 'framework_groups', 'pillars', 'benchmarks', 'perspectives', 'users', 'evidence', 'evidence_groups', 'findings',
  'sessions', 'settings', 'audit_log', 'attachments', 'api_tokens', 'password_resets', 'security_events', 'reports', 'report_runs',
] as const;

async function columnsOf(db: Db, table: string): Promise<string[]> {
  if (db.dialect === 'sqlite') {
    const { rows } = await sql<{ name: string }>`select name from pragma_table_info(${table})`.execute(db.kysely);
    return rows.map((r) => r.name);
  }
  const { rows } = await sql<{ column_name: string }>`select column_name from information_schema.columns where table_schema = ${db.target.schema} and table_name = ${table} order by ordinal_position`.execute(db.kysely);
  return rows.map((r) => r.column_name);
}

/**
 * Copies the rows of a database made by today's code into one still at the schema of 0004, column by column as
 * that schema has them: old data made with today's services, without those services having to run on an old schema.
 */
async function copyIntoOldSchema(from: Db, to: Db): Promise<void> {
  for (const table of TABLES_0004) {
    const columns = await columnsOf(to, table);
    const rows = (await sql<Record<string, unknown>>`select ${sql.join(columns.map((c) => sql.ref(c)))} from ${sql.table(table)}`.execute(from.kysely)).rows;
    for (let i = 0; i < rows.length; i += 200) {
      await to.kysely.insertInto(table as never).values(rows.slice(i, i + 200) as never).execute();
    }
    if (to.dialect === 'postgres' && columns.includes('id') && rows.length) {
      await sql`select setval(pg_get_serial_sequence(${table}, 'id'), (select max(id) from ${sql.table(table)}))`.execute(to.kysely);
    }
  }
}

const counts = async (db: Db) => {
  const out: Record<string, number> = {};
  for (const table of ['evidence', 'findings', 'evidence_groups', 'attachments', 'audit_log']) {
    const { rows } = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(db.kysely);
    out[table] = Number(rows[0].n);
  }
  return out;
};

describe('migration 0007 (refs per submitter) on a database with data', () => {
  let db: Db;
  let before: Record<string, number>;
  let evidenceBefore: unknown[];
  const users: Record<string, Awaited<ReturnType<typeof createUser>>> = {};

  beforeAll(async () => {
    // the data, made by today's code in a database of its own
    const source = await openDatabase(freshDatabaseUrl(':memory:'));
    await migrateToLatest(source);
    await seedDefault(source.kysely, { demo: true });
    users.a = await createUser(source.kysely, { email: 'a@example.org', role: 'evaluator', delegation: 'PAK', password: 'correct horse battery staple a' });
    users.b = await createUser(source.kysely, { email: 'b@example.org', role: 'reviewer', delegation: 'SEC', password: 'correct horse battery staple b' });
    const row = await createEvidence(source.kysely, users.a, null, {
      ref: 'A-1', title: 'Before the migration', observed_on: '2026-01-02', source_reliability: 'B', credibility: 2, tlp: 'AMBER', groups: ['TTP', 'ISKP'],
      findings: [{ benchmark: 'BORDER-1', stance: 1 }, { benchmark: 'DISRUPT-1', stance: -1 }],
    }, { submit: true });
    await addAttachment(source.kysely, users.a, row.id, { filename: 'note.txt', data: Buffer.from('a note') });
    await reviewEvidence(source.kysely, users.b, row.id, 'verify', null);
    // copied into a database still at 0004, which is then migrated
    db = await openDatabase(freshDatabaseUrl(':memory:'));
    await migrateTo(db, BEFORE_REF_SCOPE);
    await copyIntoOldSchema(source, db);
    await closeTestDb(source);
    before = await counts(db);
    evidenceBefore = await db.kysely.selectFrom('evidence').selectAll().orderBy('id').execute();
    await migrateToLatest(db);
  });
  afterAll(() => closeTestDb(db));

  it('keeps every row and every column', async () => {
    expect(await counts(db)).toEqual(before);
    // every row as it was, plus the column migration 0009 added (no row belongs to an import batch)
    const after = await db.kysely.selectFrom('evidence').selectAll().orderBy('id').execute();
    expect(after.map(({ import_batch_id: _batch, ...row }) => row)).toEqual(evidenceBefore);
    expect(after.every((row) => row.import_batch_id === null)).toBe(true);
  });

  it('still enforces the references to and from evidence', async () => {
    const bad = db.kysely.insertInto('findings').values({ evidence_id: 999_999, benchmark_id: 1, stance: 1, value: null, position: 0 }).execute();
    await expect(bad).rejects.toThrow();
    if (!onPostgres) {
      const { rows } = await sql`pragma foreign_key_check`.execute(db.kysely);
      expect(rows).toEqual([]);
    }
  });

  it('lets two submitters use one ref, but not one submitter twice, and keeps imported refs unique', async () => {
    const input = { ref: 'A-1', title: 'Same ref', observed_on: '2026-01-03', source_reliability: 'B', credibility: 2, findings: [{ benchmark: 'BORDER-1', stance: 1 }] };
    await expect(createEvidence(db.kysely, users.b, null, input, { submit: false })).resolves.toMatchObject({ ref: 'A-1' });
    await expect(createEvidence(db.kysely, users.a, null, input, { submit: false })).rejects.toMatchObject({ code: 'CONFLICT', fields: [{ path: 'ref' }] });
    const imported = await db.kysely.selectFrom('evidence').select(['framework_id', 'ref']).where('origin', '=', 'import').executeTakeFirstOrThrow();
    const now = new Date().toISOString();
    const duplicate = db.kysely
      .insertInto('evidence')
      .values({ framework_id: imported.framework_id, ref: imported.ref, title: 'x', observed_on: '2026-01-01', source_reliability: 'A', credibility: 1, tlp: 'GREEN', status: 'submitted', origin: 'import', created_at: now, updated_at: now })
      .execute();
    await expect(duplicate).rejects.toThrow();
  });
});
