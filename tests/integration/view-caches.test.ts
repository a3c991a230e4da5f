// Pages and API answers are kept per read model until its next change (src/scorecards/view-cache.ts): a reader
// whose caches are warm answers, after every commit another instance makes, exactly what a new instance answers
// from the database (never a stale number), on SQLite and PostgreSQL. The dashboard's view models, scorecards,
// the benchmark page's split of findings by access and its chart series, and key findings are all cached.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app';
import { openDatabase, type Db } from '../../src/db/connect';
import type { UserRow } from '../../src/db/schema';
import { migrateToLatest } from '../../src/db/migrate';
import { seedDefault } from '../../src/seed/index';
import { createEvidence, reviewEvidence } from '../../src/evidence/service';
import { frameworkTreeFor } from '../../src/framework/repository';
import { importFile } from '../../src/framework/import-service';
import { itemGenerator } from './fixtures/import-file';
import { addDays } from '../../src/scoring/index';
import { mulberry32 } from '../../benchmarks/harness';
import { dropTestSchema, freshDatabaseUrl } from '../helpers/db';
import { insertUser } from '../helpers/users';
import { evidenceItem } from '../helpers/evidence';
import { addUser, manualClock, signIn, testConfig } from '../helpers/app';

/** A page as two instances render it for the same reader: without the per-request CSRF tokens. */
const comparable = (body: string) => body.replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value=""').replace(/content="[A-Za-z0-9_-]{20,}"/g, 'content=""');

describe('cached pages and API answers after commits by another instance', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pactwatch-view-caches-'));
  const url = freshDatabaseUrl(path.join(dir, 'views.db'));
  // every instance on one fixed clock a day ahead, so "now" is the same instant for the warm and the new instance
  const clock = manualClock(new Date(Date.now() + 86_400_000).toISOString()).clock;
  const today = new Date().toISOString().slice(0, 10);
  let readerDb: Db;
  let writer: Db;
  let reader: FastifyInstance;
  let evaluator: UserRow;
  let reviewer: UserRow;
  const jars: Record<string, string> = {};

  beforeAll(async () => {
    readerDb = await openDatabase(url);
    await migrateToLatest(readerDb);
    await seedDefault(readerDb.kysely, { demo: true });
    reader = await buildApp({ db: readerDb, config: testConfig(), clock });
    writer = await openDatabase(url);
    evaluator = await insertUser(writer.kysely, 'evaluator', { delegation: 'PAK' });
    reviewer = await insertUser(writer.kysely, 'reviewer', { delegation: 'SEC' });
    for (const [name, role, delegation] of [['admin', 'admin', 'SEC'], ['viewerPAK', 'viewer', 'PAK'], ['viewerCHN', 'viewer', 'CHN']] as const) {
      const u = await addUser(readerDb, role, { delegation });
      jars[name] = (await signIn(reader, u.email, u.password)).jar;
      await reader.inject({ url: '/', headers: { cookie: jars[name] } }); // the sign-in notice is shown once
    }
  });
  afterAll(async () => {
    await reader?.close();
    await writer?.close();
    await readerDb?.close();
    fs.rmSync(dir, { recursive: true, force: true });
    if (readerDb?.target.schema) await dropTestSchema(readerDb.target.schema);
  });

  const pages = ['/', '/?perspective=PAK', '/perspectives', '/pillars/INTEL', '/groups/TTP', '/benchmarks/BORDER-1', '/benchmarks/BORDER-1?page=2', `/benchmarks/DISRUPT-1?as_of=${addDays(today, -40)}&perspective=CHN`, '/api/v1/scorecard', '/api/v1/scorecard?perspective=RUS&group=ISKP',
    // lists: their counts are kept until the next logged change, which need not be a scoring one (a submission)
    '/evidence', '/evidence?status=submitted', '/evidence?q=cached&group=TTP', '/evidence?tlp=RED', '/api/v1/evidence?limit=5', '/api/v1/evidence?status=rejected&limit=5'];

  /** Every page, twice from the warm reader (the second from its caches), equal to a new instance's answer. */
  async function expectSameAsNewInstance(what: string) {
    const freshDb = await openDatabase(url);
    const fresh = await buildApp({ db: freshDb, config: testConfig(), clock });
    try {
      for (const who of Object.keys(jars)) {
        for (const page of pages) {
          const headers = { cookie: jars[who] };
          const warm = [await reader.inject({ url: page, headers }), await reader.inject({ url: page, headers })];
          const cold = await fresh.inject({ url: page, headers });
          expect(cold.statusCode, `${what}: ${who} ${page}`).toBe(200);
          for (const answer of warm) {
            expect(answer.statusCode, `${what}: ${who} ${page}`).toBe(200);
            expect(comparable(answer.body), `${what}: ${who} ${page}`).toBe(comparable(cold.body));
          }
        }
      }
    } finally {
      await fresh.close();
      await freshDb.close();
    }
  }

  it('answers every page and the API as a new instance does, after each verification, retraction, correction and import', async () => {
    const rand = mulberry32(1212);
    const tree = await frameworkTreeFor(writer.kysely, null);
    const codes = tree.pillars.flatMap((p) => p.benchmarks).filter((b) => b.kind === 'assessment').map((b) => b.code);
    const pick = <T,>(list: readonly T[]) => list[Math.floor(rand() * list.length)];
    const item = () =>
      evidenceItem({
        title: `Cached view item ${Math.floor(rand() * 1e9)}`,
        observed_on: addDays(today, -Math.floor(rand() * 200)),
        source_reliability: pick(['A', 'B', 'C']),
        credibility: 1 + Math.floor(rand() * 3),
        tlp: pick(['GREEN', 'AMBER', 'RED']),
        groups: rand() < 0.5 ? ['TTP'] : ['ISKP'],
        findings: [{ benchmark: rand() < 0.5 ? 'BORDER-1' : pick(codes), stance: Math.floor(rand() * 5) - 2 }],
      });
    const verified: number[] = [];
    const generate = itemGenerator(12, 'cache');
    let imported = 0;
    await expectSameAsNewInstance('at the start');
    for (let step = 0; step < 14; step += 1) {
      const roll = rand();
      if (roll < 0.2) {
        // no scoring change: submitted only, or rejected
        const row = await createEvidence(writer.kysely, evaluator, null, item(), { submit: true });
        if (roll < 0.1) await reviewEvidence(writer.kysely, reviewer, row.id, 'reject', 'not enough detail');
      } else if (roll < 0.5 || verified.length === 0) {
        const row = await createEvidence(writer.kysely, evaluator, null, item(), { submit: true });
        await reviewEvidence(writer.kysely, reviewer, row.id, 'verify', null);
        verified.push(row.id);
      } else if (roll < 0.65) {
        const id = verified.splice(Math.floor(rand() * verified.length), 1)[0];
        await reviewEvidence(writer.kysely, reviewer, id, 'retract', 'found to be wrong');
      } else if (roll < 0.8) {
        const items = Array.from({ length: 5 + Math.floor(rand() * 20) }, () => generate(imported++));
        const result = await importFile(writer.kysely, { framework_code: tree.code, evidence: items });
        expect(result.ok, JSON.stringify(result)).toBe(true);
      } else {
        // a correction with another TLP: who may see the finding changes with the item that replaces it
        const id = verified.splice(Math.floor(rand() * verified.length), 1)[0];
        // (never below the original's marking: a correction may only keep or raise it)
        const original = await writer.kysely.selectFrom('evidence').select('tlp').where('id', '=', id).executeTakeFirstOrThrow();
        const proposed = item();
        const order = ['CLEAR', 'GREEN', 'AMBER', 'RED'];
        if (order.indexOf(proposed.tlp!) < order.indexOf(original.tlp)) proposed.tlp = original.tlp;
        const correction = await createEvidence(writer.kysely, evaluator, null, proposed, { submit: true, supersedes: id });
        await reviewEvidence(writer.kysely, reviewer, correction.id, 'verify', null);
        verified.push(correction.id);
      }
      await expectSameAsNewInstance(`after step ${step}`);
    }
  });

  it('shows a framework edited by another instance (titles, weights) at once', async () => {
    const definition = JSON.parse(fs.readFileSync(new URL('../../src/seed/quad-2025.framework.json', import.meta.url), 'utf8'));
    const benchmark = definition.framework.pillars[2].benchmarks[0];
    benchmark.title = `${benchmark.title} (edited)`;
    benchmark.weight = 2.5;
    const result = await importFile(writer.kysely, definition);
    expect(result.ok, JSON.stringify(result)).toBe(true);
    const page = await reader.inject({ url: `/benchmarks/${benchmark.code}`, headers: { cookie: jars.admin } });
    expect(page.body).toContain('(edited)');
    await expectSameAsNewInstance('after the framework changed');
  });
});
