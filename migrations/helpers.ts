// Portable column types shared by the migrations: timestamps are ISO-8601 UTC text, booleans integers, JSON text.

import type { ColumnDefinitionBuilder, CreateTableBuilder, Kysely } from 'kysely';

export type MigrationDialect = 'sqlite' | 'postgres';

export interface MigrationContext {
  db: Kysely<any>;
  dialect: MigrationDialect;
}

/** An auto-incrementing integer primary key named `id`. */
export function withId<T extends string>(ctx: MigrationContext, table: CreateTableBuilder<T, never>) {
  return ctx.dialect === 'postgres'
    ? table.addColumn('id', 'integer', (c) => c.primaryKey().generatedByDefaultAsIdentity())
    : table.addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement());
}

/** Double-precision floating point on both databases. */
export function realType(ctx: MigrationContext) {
  return ctx.dialect === 'postgres' ? ('double precision' as const) : ('real' as const);
}

export const notNull = (c: ColumnDefinitionBuilder) => c.notNull();
