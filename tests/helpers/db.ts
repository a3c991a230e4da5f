// A fresh, migrated database per test suite: SQLite in memory by default, or a schema of its own on the
// PostgreSQL named by TEST_DATABASE_URL (dropped afterwards), so runs never collide.

import crypto from 'node:crypto';
import pg from 'pg';
import { openDatabase, parseDatabaseUrl, type Db } from '../../src/db/connect';
import { migrateToLatest } from '../../src/db/migrate';

export const testDatabaseUrl = process.env.TEST_DATABASE_URL ?? '';
export const onPostgres = /^postgres(ql)?:\/\//.test(testDatabaseUrl);

/** A database URL for a new, empty test database (a new schema on PostgreSQL, else the given SQLite path). */
export function freshDatabaseUrl(sqlitePath = ':memory:'): string {
  if (!onPostgres) return sqlitePath;
  const schema = `t_${process.pid}_${crypto.randomBytes(4).toString('hex')}`;
  const url = new URL(testDatabaseUrl);
  url.searchParams.set('schema', schema);
  return url.toString();
}

export async function openTestDb(sqlitePath = ':memory:'): Promise<Db> {
  const db = await openDatabase(freshDatabaseUrl(sqlitePath));
  await migrateToLatest(db);
  return db;
}

/** Closes the database and, on PostgreSQL, drops its schema. */
export async function closeTestDb(db: Db): Promise<void> {
  await db.close();
  await dropTestSchema(db.target.schema);
}

export async function dropTestSchema(schema: string | null): Promise<void> {
  if (!schema) return;
  const client = new pg.Client({ connectionString: parseDatabaseUrl(testDatabaseUrl).location });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}
