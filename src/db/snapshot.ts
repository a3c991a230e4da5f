// Long reads in one consistent snapshot, without the write lock: PostgreSQL a REPEATABLE READ, READ ONLY
// transaction; SQLite a deferred (read) transaction, on the file's second, read-only connection when there is one
// (connect.ts registers it), so a report being built does not hold the connection every request shares.

import type { Kysely } from 'kysely';
import type { Database } from './schema';
import { isPostgres } from './dialect';

const readers = new WeakMap<Kysely<Database>, () => Kysely<Database>>();

/** Names the connection that snapshot reads of `db` use (SQLite files only; opened on first use). */
export function registerSnapshotReader(db: Kysely<Database>, reader: () => Kysely<Database>): void {
  readers.set(db, reader);
}

/** Runs `fn` on one snapshot of the database: every read in it sees the same committed state. */
export async function inReadSnapshot<T>(db: Kysely<Database>, fn: (snapshot: Kysely<Database>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db);
  if (isPostgres(db)) return db.transaction().setIsolationLevel('repeatable read').setAccessMode('read only').execute(fn);
  const reader = readers.get(db)?.() ?? db;
  return reader.transaction().setAccessMode('read only').execute(fn);
}
