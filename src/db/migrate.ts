// Applies the migrations of migrations/index.ts with Kysely's Migrator (which locks against concurrent runs).

import { Migrator, type Migration, type MigrationProvider, type MigrationResultSet } from 'kysely/migration';
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

/**
 * Before running anything, kysely's migrator looks for its own tables by introspecting every schema of the
 * database (kysely-org/kysely#1313); on PostgreSQL that query fails with "schema/relation/column does not exist"
 * when another session drops or renames a schema meanwhile (a test suite ending, a restore swapping schemas). Such
 * a failure, before any migration ran, is tried again.
 */
const INTROSPECTION_RACE = new Set(['3F000', '42P01', '42703']);
const ATTEMPTS = 10;

function migratorFor(db: Db): Migrator {
  return new Migrator({
    db: db.kysely,
    provider: new IndexMigrationProvider(db),
    ...(db.target.schema ? { migrationTableSchema: db.target.schema } : {}),
  });
}

/** Runs `step` again while it failed on the introspection race before any migration ran. */
async function withIntrospectionRetry(step: () => Promise<MigrationResultSet>): Promise<MigrationResultSet> {
  let outcome = await step();
  for (let attempt = 2; attempt <= ATTEMPTS && outcome.results === undefined && INTROSPECTION_RACE.has((outcome.error as { code?: string })?.code ?? ''); attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 10 * attempt + Math.random() * 20));
    outcome = await step();
  }
  return outcome;
}

function appliedOrThrow({ error, results }: MigrationResultSet): string[] {
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`migration ${failed?.migrationName ?? ''} failed: ${reason}`.replace('  ', ' '));
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Applies every pending migration; returns the names applied. Throws when one fails. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = migratorFor(db);
  return appliedOrThrow(await withIntrospectionRetry(() => migrator.migrateToLatest()));
}

/** Migrates up (or down) to the migration `name`, as migrateToLatest does (tests of migrations on old schemas). */
export async function migrateTo(db: Db, name: string): Promise<string[]> {
  const migrator = migratorFor(db);
  return appliedOrThrow(await withIntrospectionRetry(() => migrator.migrateTo(name)));
}
