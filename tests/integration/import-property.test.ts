// Property: any sequence of imports, re-imports (some items changed), imports with an error, imports that fail
// part-way (their batch aborted) and imports whose process "dies" part-way (their batch left staging, cleaned up
// by the next import) leaves what readers see (scores, lists) and `audit verify` exactly as if only the successful
// imports had happened. Two databases: one runs everything, the other only the imports that succeeded there.

import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect';
import { importFile, type ImportOptions, type ImportSummary } from '../../src/framework/import-service';
import { IMPORT_OWNER } from '../../src/framework/import-batches';
import { findingsAndGroupsOf, listEvidence } from '../../src/evidence/repository';
import { buildScorecard } from '../../src/scorecards/service';
import { verifyAudit } from '../../src/audit/verify';
import { defaultImportFramework, importEvidenceFile } from '../../benchmarks/generate';
import { closeTestDb, onPostgres, openTestDb } from '../helpers/db';

type FileItem = Record<string, unknown> & { ref: string };

const POOL = (importEvidenceFile(defaultImportFramework(), 40, 31) as { evidence: FileItem[] }).evidence.map((item, i) => ({ ...item, ref: `p-${i}` }));
// small thresholds, so that files of a few items are staged, in several transactions
const STAGING: ImportOptions = { singleTransactionItems: 4, stageBatchItems: 3 };
const admin = { id: -1, role: 'admin' as const, delegation: null };
// a process id that no longer runs: the owner of a batch whose import "died"
const DEAD_OWNER = `${IMPORT_OWNER.slice(0, IMPORT_OWNER.lastIndexOf(':'))}:${spawnSync(process.execPath, ['-e', '']).pid}`;

type Failure = { kind: 'none' } | { kind: 'invalid' } | { kind: 'abort'; afterBatches: number } | { kind: 'crash'; afterBatches: number };

interface Op {
  /** pool index and version: 0 as generated, 1 retitled, 2 other credibility, 3 retracted */
  items: { index: number; version: number }[];
  failure: Failure;
}

const opArb: fc.Arbitrary<Op> = fc.record({
  items: fc.uniqueArray(fc.record({ index: fc.nat(POOL.length - 1), version: fc.nat(3) }), { selector: (i) => i.index, minLength: 1, maxLength: 14 }),
  failure: fc.oneof(
    { weight: 3, arbitrary: fc.constant<Failure>({ kind: 'none' }) },
    { weight: 1, arbitrary: fc.constant<Failure>({ kind: 'invalid' }) },
    { weight: 1, arbitrary: fc.nat(3).map((n): Failure => ({ kind: 'abort', afterBatches: n + 1 })) },
    { weight: 1, arbitrary: fc.nat(3).map((n): Failure => ({ kind: 'crash', afterBatches: n + 1 })) },
  ),
});

function fileOf(op: Op) {
  const evidence = op.items.map(({ index, version }) => {
    const item: FileItem = structuredClone(POOL[index]);
    if (version === 1) item.title = `${item.title as string} (revised)`;
    if (version === 2) item.credibility = ((item.credibility as number) % 6) + 1;
    if (version === 3 && item.verified_at) item.retracted_at = '2026-06-29T12:00:00.000Z';
    return item;
  });
  // an error only the last item has
  if (op.failure.kind === 'invalid') evidence.push({ ...structuredClone(POOL[0]), ref: 'bad', credibility: 9 });
  return { framework_code: 'QUAD-2025', evidence };
}

/** Runs the import as the op says; returns its summary if it succeeded. */
async function runOp(db: Db, op: Op): Promise<ImportSummary | null> {
  const failure = op.failure;
  let staged = 0;
  const options: ImportOptions = {
    ...STAGING,
    onProgress: async (p) => {
      if (p.phase !== 'staged' || (failure.kind !== 'abort' && failure.kind !== 'crash')) return;
      staged += 1;
      if (staged < failure.afterBatches) return;
      // the process dies: its batch stays staging, owned by a process that no longer runs
      if (failure.kind === 'crash') await db.kysely.updateTable('import_batches').set({ owner: DEAD_OWNER }).where('id', '=', p.batchId!).execute();
      throw new Error(failure.kind);
    },
  };
  const result = await importFile(db.kysely, fileOf(op), options).catch((err: Error) => {
    if (err.message !== failure.kind) throw err;
    return null;
  });
  return result?.ok ? result.summary : null;
}

/** What readers see, without ids (the database that ran the failures used more of them) or times. */
async function seen(db: Db) {
  const page = await listEvidence(db.kysely, admin, {}, { offset: 0, limit: 10_000 });
  const { findings, groups } = await findingsAndGroupsOf(db.kysely, page.items.map((r) => r.id));
  const list = page.items.map((r) => ({
    ref: r.ref, title: r.title, status: r.status, credibility: Number(r.credibility), tlp: r.tlp, observed_on: r.observed_on,
    verified_at: r.verified_at, retracted_at: r.retracted_at, findings: findings.get(r.id) ?? [], groups: groups.get(r.id) ?? [],
  }));
  const scores = [];
  for (const perspective of ['JOINT', 'PAK']) {
    for (const asOf of ['2025-12-31', '2026-06-30']) {
      scores.push((await buildScorecard(db.kysely, { asOf, knownAt: '2026-12-01', perspective })).scorecard);
    }
  }
  return { total: page.total, restricted: page.restricted, list, scores };
}

describe('imports, failed imports and aborted batches in any order', () => {
  it('leave scores, lists and audit verify as the successful imports alone would', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 6 }), async (ops) => {
        const all = await openTestDb(undefined, { seed: 'framework' });
        const onlyGood = await openTestDb(undefined, { seed: 'framework' });
        try {
          for (const op of ops) {
            const summary = await runOp(all, op);
            if (op.failure.kind === 'invalid') expect(summary).toBeNull();
            if (summary === null) continue;
            // the same import on the database that saw only successes says the same
            const again = await importFile(onlyGood.kysely, fileOf(op));
            expect(again).toEqual({ ok: true, summary });
          }
          expect(await seen(all)).toEqual(await seen(onlyGood));
          const [verifiedAll, verifiedGood] = [await verifyAudit(all.kysely), await verifyAudit(onlyGood.kysely)];
          expect(verifiedAll.live).toMatchObject({ ok: true });
          expect(verifiedGood.live).toMatchObject({ ok: true, staging: { batches: 0, rows: 0 } });
          // a batch left by a "dead" import is cleaned up by the next one, after which nothing is left staging
          await importFile(all.kysely, { framework_code: 'QUAD-2025', evidence: [] });
          expect((await verifyAudit(all.kysely)).live).toMatchObject({ ok: true, staging: { batches: 0, rows: 0 } });
          expect(await seen(all)).toEqual(await seen(onlyGood));
        } finally {
          await closeTestDb(all);
          await closeTestDb(onlyGood);
        }
      }),
      { numRuns: onPostgres ? 8 : 20 },
    );
  }, 300_000);
});
