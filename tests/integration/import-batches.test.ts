// Large imports staged in short transactions (framework/import-batches.ts): invisible while they stage, visible all
// at once when published, gone without a trace that readers could see when they fail or their process dies, and
// accounted for by `audit verify` at every point.

import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect';
import { importFile, MAX_PUBLISHED_ITEMS, SINGLE_TRANSACTION_ITEMS, type ImportProgress } from '../../src/framework/import-service';
import { IMPORT_OWNER } from '../../src/framework/import-batches';
import { findFrameworkByCode, loadScoringEvidence } from '../../src/framework/repository';
import { findEvidence, listEvidence } from '../../src/evidence/repository';
import { reviewEvidence } from '../../src/evidence/service';
import { buildScorecard } from '../../src/scorecards/service';
import { auditHead } from '../../src/audit/log';
import { verifyAudit } from '../../src/audit/verify';
import { defaultImportFramework, importEvidenceFile } from '../../benchmarks/generate';
import { addUser } from '../helpers/app';
import { closeTestDb, openTestDb } from '../helpers/db';

type FileItem = Record<string, unknown> & { ref: string };

/** An evidence-only file of `count` generated items on the default framework, refs `${prefix}-N`. */
function evidenceFile(count: number, prefix: string, seed = 7) {
  const file = importEvidenceFile(defaultImportFramework(), count, seed) as { framework_code: string; evidence: FileItem[] };
  file.evidence.forEach((item, i) => (item.ref = `${prefix}-${i + 1}`));
  return file;
}

const LARGE = SINGLE_TRANSACTION_ITEMS * 3;
const admin = { id: -1, role: 'admin' as const, delegation: null };

describe('staged imports', () => {
  let db: Db;
  let frameworkId: number;

  beforeEach(async () => {
    db = await openTestDb(undefined, { seed: 'demo' });
    frameworkId = (await findFrameworkByCode(db.kysely, 'QUAD-2025'))!.id;
  });
  afterEach(() => closeTestDb(db));

  /** What any reader sees: the evidence list, what scoring reads, a scorecard. */
  async function visible() {
    const list = await listEvidence(db.kysely, admin, {}, { offset: 0, limit: 5 });
    const scoring = await loadScoringEvidence(db.kysely, frameworkId);
    const { scorecard } = await buildScorecard(db.kysely, { asOf: '2026-06-30', knownAt: '2026-07-01' });
    return { total: list.total, restricted: list.restricted, first: list.items.map((r) => r.id), scoring: scoring.length, scorecard: JSON.stringify(scorecard) };
  }

  const batches = () => db.kysely.selectFrom('import_batches').selectAll().orderBy('id').execute();
  const rowsOfBatch = async (id: number) =>
    Number((await db.kysely.selectFrom('evidence').select((eb) => eb.fn.countAll().as('n')).where('import_batch_id', '=', id).executeTakeFirstOrThrow()).n);
  const actions = async (after: number) =>
    (await db.kysely.selectFrom('audit_log').select('action').where('seq', '>', after).orderBy('seq').execute()).map((r) => r.action);

  it('stages a large file in several short transactions, invisible until one transaction publishes it', async () => {
    const before = await visible();
    const file = evidenceFile(LARGE, 'big');
    const progress: ImportProgress[] = [];
    let whileStaging: Awaited<ReturnType<typeof visible>> | null = null;
    let stagedRowVisible: unknown = 'not checked';
    let verifiedWhileStaging: Awaited<ReturnType<typeof verifyAudit>> | null = null;
    const result = await importFile(db.kysely, file, {
      onProgress: async (p) => {
        progress.push(p);
        if (p.phase === 'staged' && progress.length === 2) {
          whileStaging = await visible();
          const staged = await db.kysely.selectFrom('evidence').select('id').where('import_batch_id', '=', p.batchId).executeTakeFirstOrThrow();
          stagedRowVisible = await findEvidence(db.kysely, staged.id);
          verifiedWhileStaging = await verifyAudit(db.kysely);
        }
      },
    });
    expect(result).toEqual({ ok: true, summary: { dryRun: false, framework: null, evidence: { created: LARGE, updated: 0, unchanged: 0 } } });
    expect(progress.filter((p) => p.phase === 'staged').length).toBeGreaterThanOrEqual(2);
    expect(progress.at(-1)?.phase).toBe('published');
    // while it staged, readers saw exactly what they saw before, and `audit verify` found nothing amiss
    expect(whileStaging).toEqual(before);
    expect(stagedRowVisible).toBeUndefined();
    expect(verifiedWhileStaging!.live).toMatchObject({ ok: true, staging: { batches: 1 } });
    expect(verifiedWhileStaging!.live!.staging.rows).toBeGreaterThan(0);
    // published: all of it at once
    const after = await visible();
    expect(after.total).toBe(before.total + LARGE);
    expect(after.scorecard).not.toBe(before.scorecard);
    const [batch] = await batches();
    expect(batch).toMatchObject({ state: 'published', items: LARGE, owner: IMPORT_OWNER });
    expect(await verifyAudit(db.kysely)).toMatchObject({ chain: { ok: true }, live: { ok: true, staging: { batches: 0, rows: 0 } } });
  });

  it('re-importing the same large file changes nothing: no batch, no log entry', async () => {
    const file = evidenceFile(LARGE, 'same');
    expect((await importFile(db.kysely, structuredClone(file))).ok).toBe(true);
    const head = await auditHead(db.kysely);
    const count = (await batches()).length;
    const again = await importFile(db.kysely, structuredClone(file));
    expect(again).toEqual({ ok: true, summary: { dryRun: false, framework: null, evidence: { created: 0, updated: 0, unchanged: LARGE } } });
    expect(await auditHead(db.kysely)).toEqual(head);
    expect((await batches()).length).toBe(count);
  });

  it('aborts a failing import: nothing visible, its rows deleted, the abort logged, and the same file imports afterwards', async () => {
    const before = await visible();
    const head = (await auditHead(db.kysely))!.seq;
    const file = evidenceFile(LARGE, 'fail');
    let staged = 0;
    const failing = importFile(db.kysely, structuredClone(file), {
      onProgress: (p) => {
        if (p.phase === 'staged' && (staged += 1) === 2) throw new Error('disk full (simulated)');
      },
    });
    await expect(failing).rejects.toThrow('disk full (simulated)');
    expect(await visible()).toEqual(before);
    const [batch] = await batches();
    expect(batch).toMatchObject({ state: 'aborted', reason: 'failed: disk full (simulated)' });
    expect(batch.finished_at).not.toBeNull();
    expect(await rowsOfBatch(batch.id)).toBe(0);
    const logged = await actions(head);
    expect(logged.at(-1)).toBe('import.aborted');
    expect(logged.filter((a) => a === 'evidence.imported').length).toBe(batch.items);
    expect(await verifyAudit(db.kysely)).toMatchObject({ live: { ok: true, staging: { batches: 0, rows: 0 } } });

    expect(await importFile(db.kysely, structuredClone(file))).toMatchObject({ ok: true, summary: { evidence: { created: LARGE } } });
    expect((await visible()).total).toBe(before.total + LARGE);
    expect(await verifyAudit(db.kysely)).toMatchObject({ live: { ok: true } });
  });

  it('cleans up after an importing process that died: the next import aborts its batch and deletes its rows', async () => {
    const before = await visible();
    const file = evidenceFile(LARGE, 'crash');
    // a pid that no longer runs: the process that staged the batch "died" after its second transaction
    const dead = spawnSync(process.execPath, ['-e', '']).pid;
    let staged = 0;
    const crashing = importFile(db.kysely, structuredClone(file), {
      onProgress: async (p) => {
        if (p.phase !== 'staged' || (staged += 1) < 2) return;
        await db.kysely.updateTable('import_batches').set({ owner: `${IMPORT_OWNER.slice(0, IMPORT_OWNER.lastIndexOf(':'))}:${dead}` }).where('id', '=', p.batchId!).execute();
        throw new Error('killed');
      },
    });
    await expect(crashing).rejects.toThrow('killed');
    // not ours any more: the failing import left it alone, as a crashed process would have
    const [left] = await batches();
    expect(left.state).toBe('staging');
    expect(await rowsOfBatch(left.id)).toBe(left.items);
    expect(left.items).toBeGreaterThan(0);
    expect(await visible()).toEqual(before);
    expect(await verifyAudit(db.kysely)).toMatchObject({ live: { ok: true, staging: { batches: 1, rows: left.items } } });

    // the next import (here: a small one) cleans up first
    const head = (await auditHead(db.kysely))!.seq;
    expect((await importFile(db.kysely, evidenceFile(3, 'next'))).ok).toBe(true);
    const [cleaned] = await batches();
    expect(cleaned).toMatchObject({ id: left.id, state: 'aborted' });
    expect(cleaned.reason).toMatch(/abandoned/);
    expect(await rowsOfBatch(left.id)).toBe(0);
    expect((await actions(head))[0]).toBe('import.aborted');
    expect((await visible()).total).toBe(before.total + 3);
    expect(await verifyAudit(db.kysely)).toMatchObject({ live: { ok: true, staging: { batches: 0, rows: 0 } } });
  });

  it('applies changed items at publication, together with the new ones', async () => {
    const base = evidenceFile(50, 'upd');
    await importFile(db.kysely, structuredClone(base));
    const changed = structuredClone(base);
    for (const item of changed.evidence) item.title = `${item.title as string} (revised)`;
    changed.evidence.push(...evidenceFile(LARGE, 'upd-new', 11).evidence);
    const firstId = (await db.kysely.selectFrom('evidence').select('id').where('ref', '=', 'upd-1').executeTakeFirstOrThrow()).id;
    let titleWhileStaging: string | undefined;
    const result = await importFile(db.kysely, changed, {
      onProgress: async (p) => {
        if (p.phase === 'staged') titleWhileStaging ??= (await findEvidence(db.kysely, firstId))?.title;
      },
    });
    expect(result).toMatchObject({ ok: true, summary: { evidence: { created: LARGE, updated: 50, unchanged: 0 } } });
    expect(titleWhileStaging).not.toMatch(/revised/);
    expect((await findEvidence(db.kysely, firstId))?.title).toMatch(/revised/);
    expect(await verifyAudit(db.kysely)).toMatchObject({ live: { ok: true } });
  });

  it('plans changed items again when one was reviewed during the import', async () => {
    const base = evidenceFile(20, 'rev');
    for (const item of base.evidence) delete item.verified_at;
    for (const item of base.evidence) delete item.retracted_at;
    await importFile(db.kysely, structuredClone(base));
    const reviewer = (await addUser(db, 'reviewer', { delegation: 'SEC' })).user;
    const changed = structuredClone(base);
    for (const item of changed.evidence) item.title = `${item.title as string} (revised)`;
    changed.evidence.push(...evidenceFile(LARGE, 'rev-new', 12).evidence);
    const target = await db.kysely.selectFrom('evidence').select('id').where('ref', '=', 'rev-1').executeTakeFirstOrThrow();
    let reviewed = false;
    const result = await importFile(db.kysely, changed, {
      onProgress: async (p) => {
        if (p.phase === 'staged' && !reviewed) {
          reviewed = true;
          await reviewEvidence(db.kysely, reviewer, target.id, 'verify', null);
        }
      },
    });
    expect(reviewed).toBe(true);
    expect(result).toMatchObject({ ok: true, summary: { evidence: { created: LARGE, updated: 20 } } });
    expect(await verifyAudit(db.kysely)).toMatchObject({ live: { ok: true } });
  });

  it(`refuses, whole, a file that changes more than ${MAX_PUBLISHED_ITEMS} stored items`, async () => {
    const base = evidenceFile(MAX_PUBLISHED_ITEMS + 1, 'many');
    await importFile(db.kysely, structuredClone(base));
    const before = await visible();
    const head = await auditHead(db.kysely);
    for (const item of base.evidence) item.title = `${item.title as string} (revised)`;
    const result = await importFile(db.kysely, base);
    expect(result).toMatchObject({ ok: false, errors: [{ path: 'evidence', message: expect.stringMatching(/split the file/) }] });
    expect(await visible()).toEqual(before);
    expect(await auditHead(db.kysely)).toEqual(head);
  });

  it('runs two large imports at once one after the other', async () => {
    const before = await visible();
    const [a, b] = await Promise.all([importFile(db.kysely, evidenceFile(LARGE, 'one')), importFile(db.kysely, evidenceFile(LARGE, 'two', 9))]);
    expect(a).toMatchObject({ ok: true, summary: { evidence: { created: LARGE } } });
    expect(b).toMatchObject({ ok: true, summary: { evidence: { created: LARGE } } });
    expect((await visible()).total).toBe(before.total + 2 * LARGE);
    expect((await batches()).map((x) => x.state)).toEqual(['published', 'published']);
    expect(await verifyAudit(db.kysely)).toMatchObject({ live: { ok: true } });
  });

  describe('audit verify notices', () => {
    async function stagedThenFailed() {
      let staged = 0;
      await importFile(db.kysely, evidenceFile(LARGE, 'tamper'), {
        onProgress: (p) => {
          if (p.phase === 'staged' && (staged += 1) === 2) throw new Error('stop');
        },
      }).catch(() => undefined);
      return (await batches())[0];
    }

    it('an aborted batch published by hand', async () => {
      const batch = await stagedThenFailed();
      await db.kysely.updateTable('import_batches').set({ state: 'published' }).where('id', '=', batch.id).execute();
      expect((await verifyAudit(db.kysely)).live).toMatchObject({ ok: false, difference: { table: 'import_batches', row: String(batch.id), column: 'state' } });
    });

    it('a visible item hidden in an unpublished batch', async () => {
      const batch = await stagedThenFailed();
      await db.kysely.updateTable('import_batches').set({ state: 'staging', finished_at: null }).where('id', '=', batch.id).execute();
      const victim = (await db.kysely.selectFrom('evidence').select('id').where('import_batch_id', 'is', null).orderBy('id').executeTakeFirstOrThrow()).id;
      // the state flip alone is a difference; so is the hidden item, which is what a reader would miss
      expect((await verifyAudit(db.kysely)).live).toMatchObject({ ok: false, difference: { table: 'import_batches' } });
      await db.kysely.updateTable('import_batches').set({ state: 'aborted' }).where('id', '=', batch.id).execute();
      await db.kysely.updateTable('evidence').set({ import_batch_id: batch.id }).where('id', '=', victim).execute();
      expect((await verifyAudit(db.kysely)).live).toMatchObject({ ok: false, difference: { table: 'evidence', row: String(victim), column: 'import_batch_id' } });
    });
  });
});
