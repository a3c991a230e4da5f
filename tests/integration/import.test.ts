import fs from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/connect';
import { importFile } from '../../src/framework/import-service';
import { buildScorecard } from '../../src/scorecards/service';
import { DEFAULT_FRAMEWORK_FILE, DEMO_EVIDENCE_FILE, seedDefault } from '../../src/seed/index';
import { closeTestDb, openTestDb } from '../helpers/db';

const framework = () => ({
  code: 'T-1',
  name: 'Test framework',
  groups: [{ code: 'TTP', name: 'Tehrik-i-Taliban Pakistan' }],
  pillars: [
    {
      code: 'BORDER',
      name: 'Border policing',
      benchmarks: [
        { code: 'BORDER-1', title: 'Joint border patrols held', kind: 'assessment' },
        { code: 'BORDER-2', title: 'Cross-border attacks per month', kind: 'indicator', baseline: 40, target: 5, unit: 'attacks/month' },
      ],
    },
  ],
  perspectives: [{ code: 'PAK', name: 'Pakistan', pillar_weights: { BORDER: 1.5 }, group_weights: { TTP: 2 } }],
});

const item = (ref: string, extra: Record<string, unknown> = {}) => ({
  ref,
  title: `Item ${ref}`,
  source: 'Joint statement',
  observed_on: '2026-01-10',
  source_reliability: 'B',
  credibility: 2,
  groups: ['TTP'],
  tlp: 'GREEN',
  findings: [{ benchmark: 'BORDER-1', stance: 1 }, { benchmark: 'BORDER-2', value: 12 }],
  verified_at: '2026-01-12T10:00:00Z',
  ...extra,
});

async function counts(db: Db) {
  const n = async (table: 'frameworks' | 'benchmarks' | 'evidence' | 'findings' | 'evidence_groups' | 'perspectives') =>
    Number((await db.kysely.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  return {
    frameworks: await n('frameworks'),
    benchmarks: await n('benchmarks'),
    perspectives: await n('perspectives'),
    evidence: await n('evidence'),
    findings: await n('findings'),
    tags: await n('evidence_groups'),
  };
}

describe('import', () => {
  let db: Db;
  beforeEach(async () => {
    db = await openTestDb();
  });
  afterEach(() => closeTestDb(db));

  it('loads a framework and evidence and reports what it did', async () => {
    const result = await importFile(db.kysely, { framework: framework(), evidence: [item('a'), item('b', { verified_at: undefined })] });
    expect(result).toEqual({ ok: true, summary: { dryRun: false, framework: { code: 'T-1', change: 'created' }, evidence: { created: 2, updated: 0, unchanged: 0 } } });
    expect(await counts(db)).toEqual({ frameworks: 1, benchmarks: 2, perspectives: 1, evidence: 2, findings: 4, tags: 2 });
    const statuses = await db.kysely.selectFrom('evidence').select(['ref', 'status', 'verified_at']).orderBy('ref').execute();
    expect(statuses).toEqual([
      { ref: 'a', status: 'verified', verified_at: '2026-01-12T10:00:00.000Z' },
      { ref: 'b', status: 'submitted', verified_at: null },
    ]);
  });

  it('changes nothing when the same file is imported twice', async () => {
    const file = { framework: framework(), evidence: [item('a'), item('b', { retracted_at: '2026-02-01T00:00:00Z' })] };
    await importFile(db.kysely, file);
    const before = await db.kysely.selectFrom('evidence').selectAll().orderBy('id').execute();
    const fwBefore = await db.kysely.selectFrom('frameworks').selectAll().execute();
    const again = await importFile(db.kysely, structuredClone(file));
    expect(again).toEqual({ ok: true, summary: { dryRun: false, framework: { code: 'T-1', change: 'unchanged' }, evidence: { created: 0, updated: 0, unchanged: 2 } } });
    expect(await db.kysely.selectFrom('evidence').selectAll().orderBy('id').execute()).toEqual(before);
    expect(await db.kysely.selectFrom('frameworks').selectAll().execute()).toEqual(fwBefore);
  });

  it('rejects a bad file whole, listing every error as path: message, and writes nothing', async () => {
    const result = await importFile(db.kysely, {
      framework: framework(),
      evidence: [
        item('a'),
        item('b', { findings: [{ benchmark: 'BORDER-2', stance: 1 }] }),
        item('c', { findings: [{ benchmark: 'BORDER-9', stance: 1 }], observed_on: '2026-02-30', source_reliability: 'G' }),
      ],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const paths = result.errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(['evidence[1].findings[0].stance', 'evidence[2].findings[0].benchmark', 'evidence[2].observed_on', 'evidence[2].source_reliability']));
    expect(await counts(db)).toEqual({ frameworks: 0, benchmarks: 0, perspectives: 0, evidence: 0, findings: 0, tags: 0 });
  });

  it('writes nothing on a dry run but reports what would change', async () => {
    const result = await importFile(db.kysely, { framework: framework(), evidence: [item('a')] }, { dryRun: true });
    expect(result).toEqual({ ok: true, summary: { dryRun: true, framework: { code: 'T-1', change: 'created' }, evidence: { created: 1, updated: 0, unchanged: 0 } } });
    expect(await counts(db)).toEqual({ frameworks: 0, benchmarks: 0, perspectives: 0, evidence: 0, findings: 0, tags: 0 });
  });

  it('checks an evidence-only file against the stored framework', async () => {
    await importFile(db.kysely, { framework: framework() });
    const ok = await importFile(db.kysely, { framework_code: 'T-1', evidence: [item('a')] });
    expect(ok.ok).toBe(true);
    const unknown = await importFile(db.kysely, { framework_code: 'NOPE', evidence: [item('b')] });
    expect(unknown).toMatchObject({ ok: false, errors: [expect.objectContaining({ path: 'framework_code' })] });
    const wrongKind = await importFile(db.kysely, { framework_code: 'T-1', evidence: [item('c', { findings: [{ benchmark: 'BORDER-1', value: 3 }] })] });
    expect(wrongKind.ok).toBe(false);
    expect((await counts(db)).evidence).toBe(1);
  });

  it('updates a framework by code and an imported item by ref', async () => {
    await importFile(db.kysely, { framework: framework(), evidence: [item('a')] });
    const changed = framework();
    changed.pillars[0].benchmarks[0].title = 'Joint border patrols held each month';
    changed.pillars[0].benchmarks.push({ code: 'BORDER-3', title: 'Crossings controlled', kind: 'assessment' });
    const result = await importFile(db.kysely, { framework: changed, evidence: [item('a', { credibility: 1 })] });
    expect(result).toMatchObject({ ok: true, summary: { framework: { change: 'updated' }, evidence: { updated: 1 } } });
    const titles = await db.kysely.selectFrom('benchmarks').select(['code', 'title']).orderBy('position').execute();
    expect(titles.map((t) => t.code)).toEqual(['BORDER-1', 'BORDER-2', 'BORDER-3']);
    expect(titles[0].title).toBe('Joint border patrols held each month');
    expect((await db.kysely.selectFrom('evidence').select('credibility').executeTakeFirstOrThrow()).credibility).toBe(1);
  });

  it('refuses to drop a benchmark that stored evidence uses, and writes nothing', async () => {
    await importFile(db.kysely, { framework: framework(), evidence: [item('a')] });
    const shrunk = framework();
    shrunk.pillars[0].benchmarks = [shrunk.pillars[0].benchmarks[0]];
    shrunk.name = 'Renamed';
    const result = await importFile(db.kysely, { framework: shrunk });
    expect(result).toMatchObject({ ok: false, errors: [expect.objectContaining({ message: expect.stringContaining('BORDER-2') })] });
    expect((await db.kysely.selectFrom('frameworks').select('name').executeTakeFirstOrThrow()).name).toBe('Test framework');
  });

  it('scores the imported file', async () => {
    await importFile(db.kysely, { framework: framework(), evidence: [item('a')] });
    const { scorecard } = await buildScorecard(db.kysely, { asOf: '2026-01-10', knownAt: '2026-01-31', perspective: 'PAK' });
    // w = R(B) 0.8 * C(2) 0.8 * decay 1 (age 0) * g 2 (TTP) = 1.28 per finding
    const b1 = scorecard.pillars[0].benchmarks[0];
    expect(b1.evidence_weight).toBeCloseTo(1.28, 12);
    // mu = (2 * 0.5 + 1.28 * 0.75) / (2 + 1.28)
    expect(b1.score).toBeCloseTo((100 * (1 + 1.28 * 0.75)) / 3.28, 9);
    // known before verification: nothing counts
    const early = await buildScorecard(db.kysely, { asOf: '2026-01-10', knownAt: '2026-01-11', perspective: 'PAK' });
    expect(early.scorecard.pillars[0].benchmarks[0].findings).toBe(0);
  });
});

describe('the default framework and demo data', () => {
  it('are valid import files that load, and load again without changes', async () => {
    const db = await openTestDb();
    try {
      const first = await seedDefault(db.kysely, { demo: true });
      const fw = JSON.parse(fs.readFileSync(DEFAULT_FRAMEWORK_FILE, 'utf8'));
      const demo = JSON.parse(fs.readFileSync(DEMO_EVIDENCE_FILE, 'utf8'));
      expect(first.framework.framework).toEqual({ code: 'QUAD-2025', change: 'created' });
      expect(first.demo!.evidence.created).toBe(demo.evidence.length);
      const second = await seedDefault(db.kysely, { demo: true });
      expect(second.framework.framework!.change).toBe('unchanged');
      expect(second.demo!.evidence).toEqual({ created: 0, updated: 0, unchanged: demo.evidence.length });

      const benchmarks = fw.framework.pillars.flatMap((p: { benchmarks: unknown[] }) => p.benchmarks);
      expect(benchmarks.length).toBeGreaterThanOrEqual(10);
      expect(benchmarks.length).toBeLessThanOrEqual(16);
      expect(benchmarks.filter((b: { kind: string }) => b.kind === 'indicator').length).toBeGreaterThanOrEqual(3);
      expect(fw.framework.pillars.map((p: { code: string }) => p.code)).toEqual(['INTEL', 'DISRUPT', 'BORDER']);
      expect(fw.framework.perspectives.map((p: { code: string }) => p.code)).toEqual(['PAK', 'CHN', 'RUS', 'IRN']);
      expect(fw.framework.groups.map((g: { code: string }) => g.code)).toEqual(expect.arrayContaining(['ISKP', 'TTP', 'BLA', 'TIP']));
      expect(demo.evidence.length).toBeGreaterThanOrEqual(80);
      expect(demo.evidence.length).toBeLessThanOrEqual(150);
      for (const e of demo.evidence) expect(e.source).toMatch(/^Illustrative demo data/);
      expect(demo.evidence.some((e: { retracted_at?: string }) => e.retracted_at)).toBe(true);
      expect(demo.evidence.some((e: { verified_at?: string }) => !e.verified_at)).toBe(true);

      const { scorecard } = await buildScorecard(db.kysely, { asOf: '2026-11-20', knownAt: '2026-11-24' });
      expect(scorecard.overall.status).toBe('assessed');
    } finally {
      await closeTestDb(db);
    }
  });
});
