// What differs between the two databases at run time, in one place: row locks (PostgreSQL only: SQLite's write
// transactions already hold the whole database), and how each names a unique-key violation.

import { PostgresAdapter, type Kysely, type SelectQueryBuilder } from 'kysely';

export function isPostgres(db: Pick<Kysely<unknown>, 'getExecutor'>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * The query with `FOR UPDATE` on PostgreSQL, so a transaction that reads a row to decide a state change holds it
 * until commit (a concurrent change waits, then sees the result). On SQLite `BEGIN IMMEDIATE` serialises writers.
 */
export function lockingRows<Q extends SelectQueryBuilder<any, any, any>>(db: Pick<Kysely<unknown>, 'getExecutor'>, query: Q): Q {
  return isPostgres(db) ? (query.forUpdate() as Q) : query;
}

export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '23505' || e?.code === 'SQLITE_CONSTRAINT_UNIQUE' || /UNIQUE constraint failed/.test(e?.message ?? '');
}
