// Opens the database named by a URL: SQLite (file path, `sqlite:PATH`, `:memory:`) or PostgreSQL (`postgres://`).
// One Kysely code base over both; the dialect is chosen here and nowhere else.

import fs from 'node:fs';
import path from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import pg from 'pg';
import { Kysely, PostgresDialect, type LogEvent } from 'kysely';
import type { Database } from './schema';
import { BusyWaitingSqliteDialect, type BusyPolicy } from './sqlite-driver';
import { registerSnapshotReader } from './snapshot';

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

function openSqliteHandle(location: string, options: { readonly: boolean }): SqliteDatabase.Database {
  const sqlite = new SqliteDatabase(location, { readonly: options.readonly });
  if (!options.readonly) {
    sqlite.pragma('journal_mode = WAL');
    // evidence must survive power loss: WAL defaults to NORMAL, which can lose the last commits
    sqlite.pragma('synchronous = FULL');
  }
  sqlite.pragma('foreign_keys = ON');
  return sqlite;
}

/**
 * SQLite: one connection for everything (its transactions begin immediate, so concurrent writers wait for the
 * lock at BEGIN, asynchronously: see sqlite-driver.ts), and for a file database a second, read-only one that long
 * reads (reports) take a snapshot on without occupying the first.
 */
function openSqlite(target: DbTarget, busy: Partial<BusyPolicy> = {}, onQuery?: QueryObserver): Db {
  if (target.location !== ':memory:') {
    fs.mkdirSync(path.dirname(path.resolve(target.location)), { recursive: true });
  }
  const log = onQuery ? { log: onQuery } : {};
  const kysely = new Kysely<Database>({ dialect: new BusyWaitingSqliteDialect(openSqliteHandle(target.location, { readonly: false }), busy), ...log });
  let reader: Kysely<Database> | null = null;
  if (target.location !== ':memory:') {
    registerSnapshotReader(kysely, () => (reader ??= new Kysely<Database>({ dialect: new BusyWaitingSqliteDialect(openSqliteHandle(target.location, { readonly: true }), busy), ...log })));
  }
  return {
    kysely,
    dialect: 'sqlite',
    target,
    close: async () => {
      await reader?.destroy();
      await kysely.destroy();
    },
  };
}

// PostgreSQL returns bigint (int8) as strings by default; counts and ids here fit in a double.
pg.types.setTypeParser(20, (v) => Number.parseInt(v, 10));

/** Called after every query either dialect runs (and every failed one): tests count queries per request with it. */
export type QueryObserver = (event: LogEvent) => void;

export interface PostgresOptions {
  /** SQLite only: how long and how a statement waits for another writer's lock (see sqlite-driver.ts) */
  sqliteBusy?: Partial<BusyPolicy>;
  /** longest a statement may run on the server before PostgreSQL cancels it */
  statementTimeoutMs?: number;
  /** longest to wait for a new connection */
  connectTimeoutMs?: number;
  /** where connection errors that no query is waiting for are reported */
  onConnectionError?: (err: Error) => void;
  /** both dialects: sees every query run (Kysely's `log` hook) */
  onQuery?: QueryObserver;
}

export const POSTGRES_DEFAULTS = { statementTimeoutMs: 30_000, connectTimeoutMs: 5_000 } as const;

function openPostgres(target: DbTarget, options: PostgresOptions = {}): Db {
  const statementTimeoutMs = options.statementTimeoutMs ?? POSTGRES_DEFAULTS.statementTimeoutMs;
  const pool = new pg.Pool({
    connectionString: target.location,
    max: 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? POSTGRES_DEFAULTS.connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    // the server cancels a statement after this; the client stops waiting a little later (a frozen server)
    statement_timeout: statementTimeoutMs,
    query_timeout: statementTimeoutMs + 5_000,
    ...(target.schema ? { options: `-c search_path=${target.schema}` } : {}),
  });
  // A connection the server drops (restart, pg_terminate_backend, network) emits 'error' on the pool when idle
  // and on the client when checked out between queries; without listeners that ends the process. The pool
  // discards broken connections and opens new ones, so reporting is all there is to do.
  const report = options.onConnectionError ?? ((err: Error) => process.stderr.write(`database connection error: ${err.message}\n`));
  pool.on('error', report);
  pool.on('connect', (client) => client.on('error', report));
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), ...(options.onQuery ? { log: options.onQuery } : {}) });
  return {
    kysely,
    dialect: 'postgres',
    target,
    close: () => kysely.destroy(),
  };
}

/** Opens the database; on PostgreSQL with a schema, creates the schema first. */
export async function openDatabase(url: string | undefined, options: PostgresOptions = {}): Promise<Db> {
  const target = parseDatabaseUrl(url);
  if (target.dialect === 'sqlite') return openSqlite(target, options.sqliteBusy, options.onQuery);
  if (target.schema) {
    const client = new pg.Client({ connectionString: target.location, connectionTimeoutMillis: options.connectTimeoutMs ?? POSTGRES_DEFAULTS.connectTimeoutMs });
    await client.connect();
    try {
      await client.query(`create schema if not exists "${target.schema}"`);
    } finally {
      await client.end();
    }
  }
  return openPostgres(target, options);
}
