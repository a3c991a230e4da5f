// A fresh, migrated database per test suite: SQLite in memory by default, or a schema of its own on the
// PostgreSQL named by TEST_DATABASE_URL (dropped afterwards), so runs never collide. It is made from a template
// built once per run (tests/helpers/templates.ts, tests/global-setup.ts), optionally with the default framework
// or the demo data already seeded; without the templates (a config without the global setup) it is migrated
// and seeded here.

import crypto from 'node:crypto';
import fs from 'node:fs';
import { inject } from 'vitest';
import { openDatabase, parseDatabaseUrl, type Db } from '../../src/db/connect';
import { migrateToLatest } from '../../src/db/migrate';
import { seedDefault } from '../../src/seed/index';
import { dropSchema, restorePostgresTemplate, restoreSqliteTemplate, type TemplateKind, type Templates } from './templates';

declare module 'vitest' {
  export interface ProvidedContext {
    /** the template databases of this run, or null when they could not be made */
    pactwatchDbTemplates: Templates | null;
  }
}

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

function templates(): Templates | null {
  try {
    return inject('pactwatchDbTemplates') ?? null;
  } catch {
    return null;
  }
}

/**
 * A new migrated database; with `seed`, holding the default framework ('framework') or it and the demo evidence
 * ('demo') as seedDefault loads them.
 */
export async function openTestDb(sqlitePath = ':memory:', options: { seed?: 'framework' | 'demo' | null } = {}): Promise<Db> {
  const kind: TemplateKind = options.seed ?? 'migrated';
  const url = freshDatabaseUrl(sqlitePath);
  const from = templates();
  if (from?.dialect === 'postgres' && onPostgres) {
    await restorePostgresTemplate(parseDatabaseUrl(url).location, new URL(url).searchParams.get('schema')!, from.dumps[kind]);
    return openDatabase(url);
  }
  if (from?.dialect === 'sqlite' && !onPostgres) {
    if (sqlitePath === ':memory:') {
      const db = await openDatabase(url);
      await restoreSqliteTemplate(db, from.files[kind]);
      return db;
    }
    if (!fs.existsSync(sqlitePath)) {
      fs.copyFileSync(from.files[kind], sqlitePath);
      return openDatabase(url);
    }
  }
  const db = await openDatabase(url);
  await migrateToLatest(db);
  if (options.seed) await seedDefault(db.kysely, { demo: options.seed === 'demo' });
  return db;
}

/** Closes the database and, on PostgreSQL, drops its schema. */
export async function closeTestDb(db: Db): Promise<void> {
  await db.close();
  await dropTestSchema(db.target.schema);
}

export async function dropTestSchema(schema: string | null): Promise<void> {
  if (!schema) return;
  await dropSchema(parseDatabaseUrl(testDatabaseUrl).location, schema);
}
