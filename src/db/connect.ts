// Opens the database named by a URL: SQLite (file path, `sqlite:PATH`, `:memory:`) or PostgreSQL (`postgres://`).
// One Kysely code base over both; the dialect is chosen here and nowhere else.

import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { CompiledQuery, Kysely, PostgresDialect, SqliteDialect, SqliteDriver, type DatabaseConnection } from 'kysely';
import type { Database } from './schema';

export type DialectName = 'sqlite' | 'postgres';

export interface DbTarget {
  dialect: DialectName;
  /** SQLite: file path or ':memory:'; PostgreSQL: connection string without the `schema` parameter */
  location: string;
  /** PostgreSQL only: schema to create and use (from `?schema=NAME`) */
  schema: string | null;
}

export interface Db {
  kysely: Kysely<Database>;
  dialect: DialectName;
  target: DbTarget;
  close(): Promise<void>;
}

export const DEFAULT_SQLITE_PATH = './data/pactwatch.db';

export class DatabaseUrlError extends Error {}

/** Parses `--db` / DATABASE_URL into a target; throws DatabaseUrlError naming what is wrong. */
export function parseDatabaseUrl(url: string | undefined): DbTarget {
  const raw = (url ?? '').trim() || DEFAULT_SQLITE_PATH;
  if (/^postgres(ql)?:\/\//i.test(raw)) {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new DatabaseUrlError(`DATABASE_URL: not a valid PostgreSQL URL`);
    }
    const schema = parsed.searchParams.get('schema');
    if (schema !== null && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new DatabaseUrlError('DATABASE_URL: schema must be lower-case letters, digits and _ (at most 63)');
    }
    parsed.searchParams.delete('schema');
    return { dialect: 'postgres', location: parsed.toString(), schema };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    throw new DatabaseUrlError(`DATABASE_URL: unsupported scheme in "${raw.split('://')[0]}://" (use a file path, sqlite:PATH or postgres://)`);
  }
  const location = raw.startsWith('sqlite:') ? raw.slice('sqlite:'.length) : raw;
  if (location === '') throw new DatabaseUrlError('DATABASE_URL: sqlite: needs a file path');
  return { dialect: 'sqlite', location, schema: null };
}

/** SQLite driver whose transactions take the write lock up front, so concurrent writers wait instead of failing. */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: ConstructorParameters<typeof SqliteDialect>[0];
  constructor(config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config);
    this.#config = config;
  }
  override createDriver() {
    return new ImmediateSqliteDriver(this.#config);
  }
}

function openSqlite(target: DbTarget): Db {
  if (target.location !== ':memory:') {
    fs.mkdirSync(path.dirname(path.resolve(target.location)), { recursive: true });
  }
  const sqlite = new SqliteDatabase(target.location);
  sqlite.pragma('journal_mode = WAL');
  // evidence must survive power loss: WAL defaults to NORMAL, which can lose the last commits
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 10000');
  const kysely = new Kysely<Database>({ dialect: new ImmediateSqliteDialect({ database: sqlite }) });
  return {
    kysely,
    dialect: 'sqlite',
    target,
    close: () => kysely.destroy(),
  };
}

// PostgreSQL returns bigint (int8) as strings by default; counts and ids here fit in a double.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

function openPostgres(target: DbTarget): Db {
  const pool = new pg.Pool({
    connectionString: target.location,
    max: 10,
    ...(target.schema ? { options: `-c search_path=${target.schema}` } : {}),
  });
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    kysely,
    dialect: 'postgres',
    target,
    close: () => kysely.destroy(),
  };
}

/** Opens the database; on PostgreSQL with a schema, creates the schema first. */
export async function openDatabase(url: string | undefined): Promise<Db> {
  const target = parseDatabaseUrl(url);
  if (target.dialect === 'sqlite') return openSqlite(target);
  if (target.schema) {
    const client = new pg.Client({ connectionString: target.location });
    await client.connect();
    try {
      await client.query(`create schema if not exists "${target.schema}"`);
    } finally {
      await client.end();
    }
  }
  return openPostgres(target);
}
