// The database a command works on: `--db URL`, else DATABASE_URL, else ./data/pactwatch.db (INTERFACES.md), with
// pending migrations applied before the command touches it, and closed whatever happens.

import { openDatabase, type Db } from '../db/connect';
import { migrateToLatest } from '../db/migrate';

/** The URL `--db` names, else DATABASE_URL; undefined leaves the default to openDatabase. */
export const databaseUrl = (db: string | undefined): string | undefined => db ?? process.env.DATABASE_URL;

/** Opens the database, applies pending migrations, runs `fn` with the names of those applied, and closes it. */
export async function withDatabase<T>(db: string | undefined, fn: (db: Db, applied: string[]) => Promise<T>): Promise<T> {
  const handle = await openDatabase(databaseUrl(db));
  try {
    const applied = await migrateToLatest(handle);
    return await fn(handle, applied);
  } finally {
    await handle.close();
  }
}
