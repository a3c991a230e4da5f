// A reader's summary of an explanation (summarizeForReader: the top contributions of each kind named, the rest and
// the restricted summed) says exactly what the full naming says (nameContributions): the same key findings, the
// same causes with the same points (1e-9), the same counts of restricted items, for readers of every kind, on
// SQLite and PostgreSQL.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserRow } from '../../src/db/schema';
import { createEvidence, reviewEvidence } from '../../src/evidence/service';
import { frameworkTreeFor, JOINT } from '../../src/framework/repository';
import { scoringModelFor } from '../../src/framework/read-model';
import { addDays } from '../../src/scoring/index';
import { nameContributions, summarizeForReader } from '../../src/scorecards/explain';
import { keyFindingsFrom } from '../../src/scorecards/key-findings';
import { mulberry32 } from '../../benchmarks/harness';
import { closeTestDb, openTestDb } from '../helpers/db';
import { insertUser } from '../helpers/users';
import { evidenceItem } from '../helpers/evidence';
import type { Db } from '../../src/db/connect';

describe("a reader's summary of an explanation", () => {
  let db: Db;
  const readers: UserRow[] = [];
  const today = new Date().toISOString().slice(0, 10);

  beforeAll(async () => {
    db = await openTestDb(':memory:', { seed: 'demo' });
    const rand = mulberry32(4242);
    const authors = [await insertUser(db.kysely, 'evaluator', { delegation: 'PAK' }), await insertUser(db.kysely, 'evaluator', { delegation: 'CHN' })];
    const reviewer = await insertUser(db.kysely, 'reviewer', { delegation: 'SEC' });
    const pick = <T,>(list: readonly T[]) => list[Math.floor(rand() * list.length)];
    // many findings on few benchmarks, of every marking, old and new: every kind has more than three of each
    for (let i = 0; i < 120; i += 1) {
      const row = await createEvidence(db.kysely, pick(authors), null, evidenceItem({
        title: `Summary item ${i}`,
        observed_on: addDays(today, -Math.floor(rand() * 120)),
        source_reliability: pick(['A', 'B', 'C']),
        credibility: 1 + Math.floor(rand() * 3),
        tlp: pick(['CLEAR', 'GREEN', 'AMBER', 'RED']),
        groups: [pick(['TTP', 'ISKP', 'BLA'])],
        findings: [{ benchmark: pick(['BORDER-1', 'INTEL-1', 'DISRUPT-1']), stance: Math.floor(rand() * 5) - 2 }],
      }), { submit: true });
      await reviewEvidence(db.kysely, reviewer, row.id, 'verify', null);
      if (rand() < 0.15) await reviewEvidence(db.kysely, reviewer, row.id, 'retract', 'withdrawn');
    }
    readers.push(
      await insertUser(db.kysely, 'admin', { delegation: 'SEC' }),
      await insertUser(db.kysely, 'viewer', { delegation: 'PAK' }),
      await insertUser(db.kysely, 'viewer', { delegation: 'RUS' }),
      await insertUser(db.kysely, 'reviewer', { delegation: 'CHN' }),
      authors[0],
      reviewer,
    );
  });
  afterAll(async () => {
    if (db) await closeTestDb(db);
  });

  it('gives the same key findings, causes and restricted counts as naming every contribution', async () => {
    const tree = await frameworkTreeFor(db.kysely, null);
    const model = await scoringModelFor(db.kysely, tree);
    const now = new Date().toISOString();
    let compared = 0;
    for (const perspective of [JOINT, 'PAK', 'CHN']) {
      for (const [from, to] of [[addDays(today, -30), today], [addDays(today, -90), addDays(today, -10)], [today, addDays(today, -60)]]) {
        const raw = model.explain({ from: { asOf: from, knownAt: now }, to: { asOf: to, knownAt: now }, perspective });
        const index = model.index({ knownAt: now, perspective });
        const [before, after] = [index.scorecard(from), index.scorecard(to)];
        for (const reader of readers) {
          const full = await nameContributions(db.kysely, raw, reader, model);
          const summary = await summarizeForReader(db.kysely, raw, reader, model);
          const a = keyFindingsFrom(tree, before, after, full, 'then', {}, perspective);
          const b = keyFindingsFrom(tree, before, after, summary, 'then', {}, perspective);
          expect(b.sentences, `${perspective} ${from}..${to} ${reader.role}`).toEqual(a.sentences);
          expect(Object.keys(b.movements).sort()).toEqual(Object.keys(a.movements).sort());
          for (const code of Object.keys(a.movements)) {
            const [x, y] = [a.movements[code], b.movements[code]];
            expect(y.restrictedCount, code).toBe(x.restrictedCount);
            expect(y.causes.map((c) => [c.kind, c.label, c.href])).toEqual(x.causes.map((c) => [c.kind, c.label, c.href]));
            y.causes.forEach((c, i) => expect(Math.abs(c.points - x.causes[i].points)).toBeLessThan(1e-9));
          }
          // the summary names at most three visible findings of each kind per benchmark, and counts every one
          for (const [i, bench] of summary.benchmarks.entries()) {
            const named = bench.contributions.filter((c) => !c.restricted && !c.rest);
            for (const kind of ['new', 'aged', 'removed'] as const) expect(named.filter((c) => c.kind === kind).length).toBeLessThanOrEqual(3);
            const counted = bench.contributions.reduce((n, c) => n + (c.count ?? 1), 0);
            expect(counted).toBe(full.benchmarks[i].contributions.length);
            if (bench.contributions.some((c) => c.rest)) compared += 1;
          }
        }
      }
    }
    expect(compared).toBeGreaterThan(0); // the sums of unnamed visible findings were exercised
  });
});
