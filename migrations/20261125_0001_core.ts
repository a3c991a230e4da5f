// Core schema: frameworks with their pillars, benchmarks, groups and perspectives; evidence and findings;
// users, sessions and settings. Frozen once landed: later changes get a migration of their own.

import { sql } from 'kysely';
import { withId, realType, notNull, type MigrationContext } from './helpers';

export async function up(ctx: MigrationContext): Promise<void> {
  const { db } = ctx;
  const real = realType(ctx);

  await withId(ctx, db.schema.createTable('frameworks'))
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', notNull)
    .addColumn('subject', 'text')
    .addColumn('description', 'text')
    .addColumn('prior_strength', real, notNull)
    .addColumn('assessed_threshold', real, notNull)
    .addColumn('methodology', 'text', notNull)
    .addColumn('created_at', 'text', notNull)
    .addColumn('updated_at', 'text', notNull)
    .execute();

  await withId(ctx, db.schema.createTable('framework_groups'))
    .addColumn('framework_id', 'integer', (c) => c.notNull().references('frameworks.id').onDelete('cascade'))
    .addColumn('code', 'text', notNull)
    .addColumn('name', 'text', notNull)
    .addColumn('description', 'text')
    .addColumn('position', 'integer', notNull)
    .addUniqueConstraint('framework_groups_code', ['framework_id', 'code'])
    .execute();

  await withId(ctx, db.schema.createTable('pillars'))
    .addColumn('framework_id', 'integer', (c) => c.notNull().references('frameworks.id').onDelete('cascade'))
    .addColumn('code', 'text', notNull)
    .addColumn('name', 'text', notNull)
    .addColumn('description', 'text')
    .addColumn('position', 'integer', notNull)
    .addUniqueConstraint('pillars_code', ['framework_id', 'code'])
    .execute();

  await withId(ctx, db.schema.createTable('benchmarks'))
    .addColumn('framework_id', 'integer', (c) => c.notNull().references('frameworks.id').onDelete('cascade'))
    .addColumn('pillar_id', 'integer', (c) => c.notNull().references('pillars.id').onDelete('cascade'))
    .addColumn('code', 'text', notNull)
    .addColumn('title', 'text', notNull)
    .addColumn('description', 'text')
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('assessment', 'indicator')`))
    .addColumn('weight', real, notNull)
    .addColumn('half_life_days', real, notNull)
    .addColumn('baseline', real)
    .addColumn('target', real)
    .addColumn('unit', 'text')
    .addColumn('position', 'integer', notNull)
    .addUniqueConstraint('benchmarks_code', ['framework_id', 'code'])
    .execute();

  await withId(ctx, db.schema.createTable('perspectives'))
    .addColumn('framework_id', 'integer', (c) => c.notNull().references('frameworks.id').onDelete('cascade'))
    .addColumn('code', 'text', notNull)
    .addColumn('name', 'text', notNull)
    .addColumn('description', 'text')
    .addColumn('pillar_weights', 'text', notNull)
    .addColumn('group_weights', 'text', notNull)
    .addColumn('position', 'integer', notNull)
    .addUniqueConstraint('perspectives_code', ['framework_id', 'code'])
    .execute();

  await withId(ctx, db.schema.createTable('users'))
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', notNull)
    .addColumn('password_hash', 'text', notNull)
    .addColumn('role', 'text', (c) => c.notNull().check(sql`role in ('viewer', 'evaluator', 'reviewer', 'admin')`))
    .addColumn('delegation', 'text')
    .addColumn('disabled_at', 'text')
    .addColumn('created_at', 'text', notNull)
    .addColumn('updated_at', 'text', notNull)
    .execute();

  await withId(ctx, db.schema.createTable('evidence'))
    .addColumn('framework_id', 'integer', (c) => c.notNull().references('frameworks.id'))
    .addColumn('ref', 'text')
    .addColumn('title', 'text', notNull)
    .addColumn('summary', 'text')
    .addColumn('source', 'text')
    .addColumn('url', 'text')
    .addColumn('observed_on', 'text', notNull)
    .addColumn('source_reliability', 'text', (c) => c.notNull().check(sql`source_reliability in ('A', 'B', 'C', 'D', 'E', 'F')`))
    .addColumn('credibility', 'integer', (c) => c.notNull().check(sql`credibility between 1 and 6`))
    .addColumn('tlp', 'text', (c) => c.notNull().check(sql`tlp in ('CLEAR', 'GREEN', 'AMBER', 'RED')`))
    .addColumn('location', 'text')
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('draft', 'submitted', 'verified', 'rejected', 'retracted', 'superseded')`),
    )
    .addColumn('origin', 'text', (c) => c.notNull().check(sql`origin in ('import', 'desk', 'api')`))
    .addColumn('created_by', 'integer', (c) => c.references('users.id'))
    .addColumn('created_at', 'text', notNull)
    .addColumn('updated_at', 'text', notNull)
    .addColumn('submitted_at', 'text')
    .addColumn('verified_at', 'text')
    .addColumn('verified_by', 'integer', (c) => c.references('users.id'))
    .addColumn('rejected_at', 'text')
    .addColumn('rejected_by', 'integer', (c) => c.references('users.id'))
    .addColumn('reject_reason', 'text')
    .addColumn('retracted_at', 'text')
    .addColumn('retracted_by', 'integer', (c) => c.references('users.id'))
    .addColumn('retract_reason', 'text')
    .addColumn('supersedes_id', 'integer', (c) => c.references('evidence.id'))
    .addColumn('superseded_at', 'text')
    .addUniqueConstraint('evidence_ref', ['framework_id', 'ref'])
    .execute();
  await db.schema.createIndex('evidence_framework_status').on('evidence').columns(['framework_id', 'status']).execute();

  await db.schema
    .createTable('evidence_groups')
    .addColumn('evidence_id', 'integer', (c) => c.notNull().references('evidence.id').onDelete('cascade'))
    .addColumn('group_id', 'integer', (c) => c.notNull().references('framework_groups.id'))
    .addPrimaryKeyConstraint('evidence_groups_pk', ['evidence_id', 'group_id'])
    .execute();

  await withId(ctx, db.schema.createTable('findings'))
    .addColumn('evidence_id', 'integer', (c) => c.notNull().references('evidence.id').onDelete('cascade'))
    .addColumn('benchmark_id', 'integer', (c) => c.notNull().references('benchmarks.id'))
    .addColumn('stance', 'integer', (c) => c.check(sql`stance between -2 and 2`))
    .addColumn('value', real)
    .addColumn('position', 'integer', notNull)
    .addUniqueConstraint('findings_benchmark', ['evidence_id', 'benchmark_id'])
    .addCheckConstraint('findings_one_of', sql`(stance is null) <> (value is null)`)
    .execute();
  await db.schema.createIndex('findings_benchmark_idx').on('findings').column('benchmark_id').execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('cascade'))
    .addColumn('data', 'text', notNull)
    .addColumn('created_at', 'text', notNull)
    .addColumn('expires_at', 'text', notNull)
    .execute();
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();
  await db.schema.createIndex('sessions_expiry').on('sessions').column('expires_at').execute();

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', notNull)
    .execute();
}
