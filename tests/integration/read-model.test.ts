// The scoring read model kept in step with the database (src/framework/read-model.ts): a reader holding a model
// sees every change another connection (another app instance, the CLI) commits, and its numbers always equal a
// fresh computation by the engine over the evidence as stored, on SQLite and PostgreSQL.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/connect';
import type { UserRow } from '../../src/db/schema';
import { migrateToLatest } from '../../src/db/migrate';
import { seedDefault } from '../../src/seed/index';
import { createEvidence, reviewEvidence } from '../../src/evidence/service';
import { importFile } from '../../src/framework/import-service';
import { frameworkTreeFor, JOINT, loadScoringEvidence, toScoringFramework } from '../../src/framework/repository';
import { scoringModelFor, setScoringLogRetention, trimScoringChanges } from '../../src/framework/read-model';
import { addDays, createScoringIndex } from '../../src/scoring/index';
import { mulberry32 } from '../../benchmarks/harness';
import { dropTestSchema, freshDatabaseUrl, onPostgres } from '../helpers/db';
import { insertUser } from '../helpers/users';
import { evidenceItem } from '../helpers/evidence';
import { itemGenerator } from './fixtures/import-file';
import { expectSameScorecard } from '../helpers/scorecards';

describe('the scoring read model over the database', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pactwatch-read-model-'));
  const url = freshDatabaseUrl(path.join(dir, 'rm.db'));
  let reader: Db;
  let writer: Db;
  let evaluator: UserRow;
  let reviewer: UserRow;
  const today = new Date().toISOString().slice(0, 10);

  beforeAll(async () => {
    reader = await openDatabase(url);
    await migrateToLatest(reader);
    await seedDefault(reader.kysely, { demo: true });
    // another connection (a pool on PostgreSQL): another app instance or the CLI as far as the reader knows
    writer = await openDatabase(url);
    evaluator = await insertUser(writer.kysely, 'evaluator', { delegation: 'PAK' });
    reviewer = await insertUser(writer.kysely, 'reviewer', { delegation: 'SEC' });
  });
  afterAll(async () => {
    await writer.close();
    await reader.close();
    fs.rmSync(dir, { recursive: true, force: true });
    if (reader.target.schema) await dropTestSchema(reader.target.schema);
  });

  /** The reader's model answers as the engine does over what is stored now, known now and known an hour ago. */
  async function expectFresh(what: string, on: Db = reader) {
    const tree = await frameworkTreeFor(on.kysely, null);
    const model = await scoringModelFor(on.kysely, tree);
    const evidence = await loadScoringEvidence(writer.kysely, tree.id);
    expect(model.size, what).toBe(evidence.length);
    const framework = toScoringFramework(tree);
    const knownAts = [new Date().toISOString(), new Date(Date.now() - 3_600_000).toISOString(), addDays(today, -200)];
    for (const perspective of [JOINT, ...tree.perspectives.map((p) => p.code)]) {
      for (const knownAt of knownAts) {
        const view = { knownAt, perspective };
        const mine = model.index(view);
        const engine = createScoringIndex(framework, evidence, view);
        for (const asOf of [today, addDays(today, -120)]) expectSameScorecard(mine.scorecard(asOf), engine.scorecard(asOf));
      }
    }
  }

  it('follows verifications, retractions, corrections and imports committed by another connection', async () => {
    const rand = mulberry32(20261201);
    const tree = await frameworkTreeFor(writer.kysely, null);
    const assessments = tree.pillars.flatMap((p) => p.benchmarks).filter((b) => b.kind === 'assessment').map((b) => b.code);
    const groups = tree.groups.map((g) => g.code);
    const pick = <T,>(list: readonly T[]) => list[Math.floor(rand() * list.length)];
    const randomItem = () =>
      evidenceItem({
        title: `Read model item ${Math.floor(rand() * 1e9)}`,
        observed_on: addDays(today, -Math.floor(rand() * 400)),
        source_reliability: pick(['A', 'B', 'C', 'D', 'E', 'F']),
        credibility: 1 + Math.floor(rand() * 6),
        groups: rand() < 0.3 ? [] : [pick(groups)],
        findings: [{ benchmark: pick(assessments), stance: Math.floor(rand() * 5) - 2 }],
      });
    const verified: number[] = [];
    const generate = itemGenerator(11, 'rm');
    let imported = 0;
    await expectFresh('at the start');
    for (let step = 0; step < 24; step += 1) {
      const roll = rand();
      if (roll < 0.4 || verified.length === 0) {
        const row = await createEvidence(writer.kysely, evaluator, null, randomItem(), { submit: true });
        await reviewEvidence(writer.kysely, reviewer, row.id, 'verify', null);
        verified.push(row.id);
      } else if (roll < 0.55) {
        const id = verified.splice(Math.floor(rand() * verified.length), 1)[0];
        await reviewEvidence(writer.kysely, reviewer, id, 'retract', 'found to be wrong');
      } else if (roll < 0.75) {
        const id = verified.splice(Math.floor(rand() * verified.length), 1)[0];
        const correction = await createEvidence(writer.kysely, evaluator, null, randomItem(), { submit: true, supersedes: id });
        await reviewEvidence(writer.kysely, reviewer, correction.id, 'verify', null);
        verified.push(correction.id);
      } else if (roll < 0.85) {
        // submitted but not verified: no change to any score
        await createEvidence(writer.kysely, evaluator, null, randomItem(), { submit: true });
      } else {
        const items = Array.from({ length: 3 + Math.floor(rand() * 20) }, () => generate(imported++));
        const result = await importFile(writer.kysely, { framework_code: tree.code, evidence: items });
        expect(result.ok, JSON.stringify(result)).toBe(true);
      }
      await expectFresh(`after step ${step} (${roll.toFixed(2)})`);
    }
  });

  it('sees a transaction that committed after a later one (PostgreSQL commits out of id order)', async (ctx) => {
    ctx.skip(!onPostgres, 'on SQLite writers are serialised: commit order is id order');
    const tree = await frameworkTreeFor(reader.kysely, null);
    await scoringModelFor(reader.kysely, tree);
    const slowRow = await createEvidence(writer.kysely, evaluator, null, evidenceItem({ title: 'slow', observed_on: addDays(today, -3) }), { submit: true });
    const fastRow = await createEvidence(writer.kysely, evaluator, null, evidenceItem({ title: 'fast', observed_on: addDays(today, -2) }), { submit: true });
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let updated!: () => void;
    const didUpdate = new Promise<void>((resolve) => (updated = resolve));
    // the slow transaction writes its change (and its log row) first, then waits before committing
    const slow = writer.kysely.transaction().execute(async (trx) => {
      await trx.updateTable('evidence').set({ status: 'verified', verified_at: new Date().toISOString(), verified_by: reviewer.id }).where('id', '=', slowRow.id).execute();
      updated();
      await held;
    });
    await didUpdate;
    await reviewEvidence(writer.kysely, reviewer, fastRow.id, 'verify', null);
    const before = await scoringModelFor(reader.kysely, tree);
    const ids = () => new Set(before.evidence().map((e) => Number(e.id)));
    expect(ids().has(fastRow.id)).toBe(true);
    expect(ids().has(slowRow.id)).toBe(false);
    release();
    await slow;
    const after = await scoringModelFor(reader.kysely, tree);
    expect(new Set(after.evidence().map((e) => Number(e.id))).has(slowRow.id)).toBe(true);
    await expectFresh('after the slow transaction');
  });

  it('does not reload, on its next read, what its first read loaded while another transaction holds the horizon back', async (ctx) => {
    ctx.skip(!onPostgres, 'the horizon is PostgreSQL\'s');
    const holder = await openDatabase(url);
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let started!: () => void;
    const holding = new Promise<void>((resolve) => (started = resolve));
    // a transaction elsewhere with an id: the oldest running, so the horizon of every reader stays before it
    const hold = holder.kysely.transaction().execute(async (trx) => {
      await trx.selectFrom('read_model_state').select('epoch').execute();
      await sql`select txid_current()`.execute(trx);
      started();
      await held;
    });
    const fresh = await openDatabase(url);
    try {
      await holding;
      const row = await createEvidence(writer.kysely, evaluator, null, evidenceItem({ title: 'behind the horizon' }), { submit: true });
      await reviewEvidence(writer.kysely, reviewer, row.id, 'verify', null);
      const tree = await frameworkTreeFor(fresh.kysely, null);
      const first = await scoringModelFor(fresh.kysely, tree);
      const version = first.version;
      expect(first.evidence().some((e) => Number(e.id) === row.id)).toBe(true);
      const again = await scoringModelFor(fresh.kysely, tree);
      expect(again).toBe(first);
      expect(again.version, 'the items loaded whole were patched again').toBe(version);
    } finally {
      release();
      await hold;
      await holder.close();
      await fresh.close();
    }
  });

  it('trims the log to its last rows; a reader that had not read the trimmed rows loads everything again', async () => {
    const lagging = await openDatabase(url);
    try {
      const tree = await frameworkTreeFor(lagging.kysely, null);
      const before = await scoringModelFor(lagging.kysely, tree);
      await expectFresh('the reader, before');
      for (let i = 0; i < 12; i += 1) {
        const row = await createEvidence(writer.kysely, evaluator, null, evidenceItem({ title: `trim ${i}`, observed_on: addDays(today, -i) }), { submit: true });
        await reviewEvidence(writer.kysely, reviewer, row.id, 'verify', null);
      }
      setScoringLogRetention(5);
      // the reader keeps up (and may trim, once the log is twice as long as kept)
      await expectFresh('the reader, kept up');
      expect(await trimScoringChanges(writer.kysely)).toBeGreaterThanOrEqual(0);
      const left = await writer.kysely.selectFrom('scoring_changes').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
      expect(Number(left.n)).toBeLessThanOrEqual(5);
      const after = await scoringModelFor(lagging.kysely, tree);
      expect(after).not.toBe(before);
      await expectFresh('the lagging reader', lagging);
      await expectFresh('the reader that kept up');
    } finally {
      setScoringLogRetention(50_000);
      await lagging.close();
    }
  });

  it('loads everything again when the framework changes or an import batch is published', async () => {
    const tree = await frameworkTreeFor(reader.kysely, null);
    const first = await scoringModelFor(reader.kysely, tree);
    expect(await scoringModelFor(reader.kysely, tree)).toBe(first);
    await writer.kysely.updateTable('import_batches').set({ state: 'aborted' }).where('state', '=', 'aborted').execute();
    await writer.kysely.insertInto('scoring_changes').values({ framework_id: null, evidence_id: null, xid: null }).execute();
    const reloaded = await scoringModelFor(reader.kysely, tree);
    expect(reloaded).not.toBe(first);
    const changedTree = { ...tree, priorStrength: tree.priorStrength + 1 };
    const other = await scoringModelFor(reader.kysely, changedTree);
    expect(other).not.toBe(reloaded);
    expect(other.framework.priorStrength).toBe(tree.priorStrength + 1);
    await expectFresh('after reloading');
  });
});
