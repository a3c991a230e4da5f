// Audit coverage (log format 2): reports made before reports had entries in the tamper-evident log get one now,
// `report.registered`, with their SHA-256 and stored log head, so `audit verify` checks every stored report.

import type { Kysely, Transaction } from 'kysely';
import { appendAudit, SYSTEM_ACTOR } from '../src/audit/log';
import type { Database } from '../src/db/schema';
import type { MigrationContext } from './helpers';

export async function up(ctx: MigrationContext): Promise<void> {
  const register = async (trx: Kysely<any>) => {
    const reports = await trx
      .selectFrom('reports')
      .innerJoin('frameworks', 'frameworks.id', 'reports.framework_id')
      .select([
        'reports.id',
        'frameworks.code as framework',
        'reports.kind',
        'reports.period',
        'reports.period_start',
        'reports.period_end',
        'reports.generated_at',
        'reports.methodology',
        'reports.sha256',
        'reports.audit_head_seq',
        'reports.audit_head_hash',
      ])
      .orderBy('reports.id')
      .execute();
    const at = new Date().toISOString();
    for (const r of reports) {
      await appendAudit(trx as Transaction<Database>, {
        actor: SYSTEM_ACTOR,
        action: 'report.registered',
        entityType: 'report',
        entityId: r.id,
        content: {
          framework: r.framework,
          kind: r.kind,
          period: r.period,
          period_start: r.period_start,
          period_end: r.period_end,
          generated_at: r.generated_at,
          methodology: r.methodology,
          sha256: r.sha256,
          audit_head: r.audit_head_seq === null ? null : { seq: Number(r.audit_head_seq), hash: r.audit_head_hash },
        },
        at,
      });
    }
  };
  // PostgreSQL runs each migration in a transaction already; SQLite gets one here, so all entries or none are written
  if (ctx.db.isTransaction) await register(ctx.db);
  else await ctx.db.transaction().execute(register);
}
