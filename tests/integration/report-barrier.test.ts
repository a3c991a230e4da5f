// A report is built outside the write lock, so its generation time must come after every write that could carry
// an earlier time: a writer that chose its time before the report did, but commits later, must be in the report
// (else a regeneration with known-at = the generation time, which sees that write, would differ).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/connect';
import { migrateToLatest } from '../../src/db/migrate';
import { appendAudit, SYSTEM_ACTOR } from '../../src/audit/log';
import { seedDefault } from '../../src/seed/index';
import { buildReportContent, contentHash, produceReport, reportBarrier } from '../../src/reports/service';
import { parsePeriod } from '../../src/reports/periods';
import { dropTestSchema, freshDatabaseUrl } from '../helpers/db';

describe('the report barrier', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pactwatch-barrier-'));
  const url = freshDatabaseUrl(path.join(dir, 'b.db'));
  let reporter: Db;
  let writer: Db;

  beforeAll(async () => {
    reporter = await openDatabase(url);
    await migrateToLatest(reporter);
    await seedDefault(reporter.kysely, { demo: true, clock: () => new Date('2026-05-15T00:00:00Z') });
    // a second connection (pool on PostgreSQL): the writer is another process as far as locks go
    writer = await openDatabase(url);
  });
  afterAll(async () => {
    await writer.close();
    await reporter.close();
    fs.rmSync(dir, { recursive: true, force: true });
    if (reporter.target.schema) await dropTestSchema(reporter.target.schema);
  });

  it('includes a write that chose its time first and commits while the report is starting', async () => {
    let entrySeq = 0;
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    // the writer takes the lock, chooses its time, logs, and is slow to commit
    const slowWrite = writer.kysely.transaction().execute(async (trx) => {
      const row = await appendAudit(trx, { actor: SYSTEM_ACTOR, action: 'test.slow_write', entityType: 'test', entityId: null, content: {}, at: new Date().toISOString() });
      entrySeq = row.seq;
      entered();
      await new Promise((r) => setTimeout(r, 400));
    });
    await inside;
    const produced = await produceReport(reporter.kysely, { period: parsePeriod('monthly', '2026-04')!, trigger: 'test' });
    await slowWrite;
    const content = JSON.parse(produced.report.content);
    // the slow write is before the report's time and in it
    expect(content.audit_head.seq).toBeGreaterThanOrEqual(entrySeq);
    const again = await buildReportContent(reporter.kysely, produced.report.framework_id, parsePeriod('monthly', '2026-04')!, produced.report.generated_at);
    expect(contentHash(again).text).toBe(produced.report.content);
  });

  it('returns a time only once every write that chose an earlier one has committed', async () => {
    let entry = { seq: 0, at: '' };
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const slowWrite = writer.kysely.transaction().execute(async (trx) => {
      entry = await appendAudit(trx, { actor: SYSTEM_ACTOR, action: 'test.slow_write', entityType: 'test', entityId: null, content: {}, at: new Date().toISOString() });
      entered();
      await new Promise((r) => setTimeout(r, 400));
    });
    await inside;
    const generatedAt = await reportBarrier(reporter.kysely, () => new Date());
    const committed = await reporter.kysely.selectFrom('audit_log').select('seq').where('seq', '=', entry.seq).executeTakeFirst();
    await slowWrite;
    expect(generatedAt > entry.at).toBe(true);
    expect(committed).toEqual({ seq: entry.seq });
  });
});
