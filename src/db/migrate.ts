// Applies the migrations of migrations/index.ts with Kysely's Migrator (which locks against concurrent runs).

import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import { migrations } from '../../migrations/index';
import type { Db } from './connect';

class IndexMigrationProvider implements MigrationProvider {
  constructor(private readonly db: Db) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const out: Record<string, Migration> = {};
    for (const [name, module] of Object.entries(migrations)) {
      out[name] = { up: (kysely) => module.up({ db: kysely, dialect: this.db.dialect }) };
    }
    return out;
  }
}

/** Applies every pending migration; returns the names applied. Throws when one fails. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({
    db: db.kysely,
    provider: new IndexMigrationProvider(db),
    ...(db.target.schema ? { migrationTableSchema: db.target.schema } : {}),
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${reason}`.replace('  ', ' '));
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
