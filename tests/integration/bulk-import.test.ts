// Bulk import by evaluators (evidence/bulk-import.ts): all or nothing, written as insertEvidence would write each
// item (rows and log entries that `audit verify` replays), in one short transaction or, for a large file, staged
// and published at once.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect';
import { bulkImportEvidence, BULK_SINGLE_TRANSACTION_ITEMS } from '../../src/evidence/bulk-import';
import { evidenceCsvHeader as csvHeader } from '../../src/evidence/present';
import { createEvidence } from '../../src/evidence/service';
import { findingsAndGroupsOf, listEvidence } from '../../src/evidence/repository';
import { verifyAudit } from '../../src/audit/verify';
import { addUser } from '../helpers/app';
import { closeTestDb, openTestDb } from '../helpers/db';

const item = (i: number, extra: Record<string, unknown> = {}) => ({
  ref: `bulk-${i}`,
  title: `Bulk item ${i}`,
  observed_on: '2026-03-01',
  source_reliability: 'B',
  credibility: 2,
  tlp: i % 2 ? 'GREEN' : 'AMBER',
  groups: i % 3 ? ['TTP'] : [],
  findings: [{ benchmark: 'BORDER-1', stance: (i % 5) - 2 }, { benchmark: 'DISRUPT-1', stance: 1 }],
  ...extra,
});

describe('bulk import of evidence', () => {
  let db: Db;
  beforeEach(async () => {
    db = await openTestDb(undefined, { seed: 'demo' });
  });
  afterEach(() => closeTestDb(db));

  const mine = async (userId: number) => db.kysely.selectFrom('evidence').selectAll().where('created_by', '=', userId).orderBy('id').execute();

  for (const count of [5, BULK_SINGLE_TRANSACTION_ITEMS + 50]) {
    it(`writes ${count} items as submitted, with findings, tags and log entries that verify`, async () => {
      const { user } = await addUser(db, 'evaluator', { delegation: 'PAK' });
      const text = JSON.stringify({ evidence: Array.from({ length: count }, (_, i) => item(i, i === 1 ? { ref: undefined } : {})) });
      const result = await bulkImportEvidence(db.kysely, user, { format: 'json', text, dryRun: false });
      expect(result).toEqual({ ok: true, dryRun: false, rows: count, created: count, errors: [] });
      const rows = await mine(user.id);
      expect(rows).toHaveLength(count);
      expect(rows.every((r) => r.status === 'submitted' && r.origin === 'desk' && r.owner_delegation === 'PAK')).toBe(true);
      // each row has its own item's content, also the one without a ref
      const { findings, groups } = await findingsAndGroupsOf(db.kysely, rows.map((r) => r.id));
      for (const row of rows) {
        const i = row.ref === null ? 1 : Number(row.ref.slice('bulk-'.length));
        expect(row.title).toBe(`Bulk item ${i}`);
        expect(findings.get(row.id)?.[0]).toEqual({ benchmark: 'BORDER-1', stance: (i % 5) - 2, value: null });
        expect(groups.get(row.id) ?? []).toEqual(i % 3 ? ['TTP'] : []);
      }
      const list = await listEvidence(db.kysely, user, { createdBy: user.id }, { offset: 0, limit: 1 });
      expect(list.total).toBe(count);
      expect(await verifyAudit(db.kysely)).toMatchObject({ live: { ok: true, staging: { batches: 0, rows: 0 } } });
      const batches = await db.kysely.selectFrom('import_batches').select('state').execute();
      expect(batches).toEqual(count > BULK_SINGLE_TRANSACTION_ITEMS ? [{ state: 'published' }] : []);
    });
  }

  it("lists refs the submitter already used, and writes nothing", async () => {
    const { user } = await addUser(db, 'evaluator', { delegation: 'PAK' });
    await createEvidence(db.kysely, user, null, item(7), { submit: false });
    const text = JSON.stringify({ evidence: Array.from({ length: 10 }, (_, i) => item(i)) });
    const result = await bulkImportEvidence(db.kysely, user, { format: 'json', text, dryRun: false });
    expect(result).toMatchObject({ ok: false, created: 0, errors: [{ path: 'evidence[7].ref', message: expect.stringMatching(/already used by your item/) }] });
    expect(await mine(user.id)).toHaveLength(1);
    // another submitter may use the same refs
    const other = (await addUser(db, 'evaluator', { delegation: 'CHN' })).user;
    expect((await bulkImportEvidence(db.kysely, other, { format: 'json', text, dryRun: false })).ok).toBe(true);
  });

  it('reads a CSV whose header names columns in another language beside their names, as exports in that language write them', async () => {
    const { user } = await addUser(db, 'evaluator', { delegation: 'PAK' });
    const header = ['Заголовок (title)', 'Наблюдалось (observed_on)', 'Надёжность источника (source_reliability)', 'Достоверность информации (credibility)', 'Выводы (findings)', 'عنوان (ref)'];
    const csv = `${header.map((h) => `"${h}"`).join(',')}\r\nПатруль на Торхаме,2026-05-02,B,2,BORDER-1=1,csv-ru-1\r\n`;
    const result = await bulkImportEvidence(db.kysely, user, { format: 'csv', text: csv, dryRun: false });
    expect(result).toMatchObject({ ok: true, created: 1, errors: [] });
    expect((await mine(user.id)).map((r) => [r.title, r.ref, r.observed_on])).toEqual([['Патруль на Торхаме', 'csv-ru-1', '2026-05-02']]);
    // the export's header in Russian names each column the same way; in English it is the plain column names
    expect(csvHeader('ru')).toContain('Заголовок (title)');
    expect(csvHeader('en')).toBe('id,framework,ref,status,title,summary,source,url,observed_on,source_reliability,credibility,groups,tlp,location,findings,verified_at,retracted_at,supersedes');
    // a header that names no column is still refused, with the column named
    const bad = await bulkImportEvidence(db.kysely, user, { format: 'csv', text: `"Заголовок",observed_on\r\nx,2026-05-02\r\n`, dryRun: true });
    expect(bad.ok).toBe(false);
    expect(bad.errors.map((e) => e.path)).toContain('header');
  });
});
