// No per-row queries: every page that lists evidence (the list, its CSV and JSON exports, the list API, the review
// queue, the pillar, group and benchmark pages) runs as many queries for many items as for a few. Queries are
// counted per request through the database's query observer (Kysely's log hook), on SQLite or on the PostgreSQL
// of TEST_DATABASE_URL.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { openDatabase, type Db } from '../../src/db/connect';
import { migrateToLatest } from '../../src/db/migrate';
import type { UserRow } from '../../src/db/schema';
import { seedDefault } from '../../src/seed/index';
import { createEvidence, reviewEvidence } from '../../src/evidence/service';
import { addAttachment } from '../../src/evidence/attachments';
import { addUser, signIn } from '../helpers/app';
import { closeTestDb, freshDatabaseUrl, onPostgres } from '../helpers/db';

/** The pages, each with the user who reads it: admins see every item, a viewer only some. */
const PAGES = [
  ['admin', '/evidence?limit=200'],
  ['viewer', '/evidence?limit=200&group=TTP'],
  ['admin', '/evidence/export.csv'],
  ['viewer', '/evidence/export.json'],
  ['admin', '/api/v1/evidence?limit=200'],
  ['reviewer', '/review?limit=200'],
  ['viewer', '/pillars/BORDER'],
  ['admin', '/groups/TTP'],
  ['viewer', '/benchmarks/BORDER-1'],
  ['admin', '/'],
] as const;

type Reader = (typeof PAGES)[number][0];

let db: Db;
let app: FastifyInstance;
let counting = false;
let queries = 0;
const users = {} as Record<'author' | 'checker' | Reader, UserRow>;
const jars = {} as Record<Reader, string>;

const item = (n: number, extra: Record<string, unknown> = {}) => ({
  title: `Patrol report ${n}`,
  summary: 'Seen by both sides.',
  source: 'Field observation',
  observed_on: '2026-03-01',
  source_reliability: 'B',
  credibility: 2,
  groups: n % 2 ? ['TTP', 'BLA'] : ['TTP'],
  tlp: (['GREEN', 'AMBER', 'RED', 'CLEAR'] as const)[n % 4],
  findings: [{ benchmark: 'BORDER-1', stance: (n % 5) - 2 }, { benchmark: 'BORDER-3', value: 10 + n }],
  ...extra,
});

let made = 0;
/** `count` verified items (every fifth with a document, every seventh corrected), as many waiting for review, a draft. */
async function addItems(count: number) {
  const k = db.kysely;
  for (let i = 0; i < count; i += 1) {
    const n = (made += 1);
    const row = await createEvidence(k, users.author, null, item(n), { submit: true });
    if (n % 5 === 0) await addAttachment(k, users.author, row.id, { filename: `note-${n}.txt`, data: Buffer.from(`note ${n}`) });
    await reviewEvidence(k, users.checker, row.id, 'verify', null);
    if (n % 7 === 0) await createEvidence(k, users.author, null, item(n, { tlp: 'RED', title: `Correction ${n}` }), { submit: true, supersedes: row.id });
    await createEvidence(k, users.author, null, item(n, { title: `Waiting ${n}` }), { submit: true });
  }
  await createEvidence(k, users.author, null, item(made), { submit: false });
}

/** Queries per page, each page read twice first (nothing cached may make the count depend on the order). */
async function countPages(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [who, url] of PAGES) {
    await app.inject({ url, headers: { cookie: jars[who] } });
    queries = 0;
    counting = true;
    const res = await app.inject({ url, headers: { cookie: jars[who] } });
    counting = false;
    expect(res.statusCode, `${who} ${url}`).toBe(200);
    out[`${who} ${url}`] = queries;
  }
  return out;
}

async function rowsShown(): Promise<number[]> {
  const csv = await app.inject({ url: '/evidence/export.csv', headers: { cookie: jars.admin } });
  const json = await app.inject({ url: '/evidence/export.json', headers: { cookie: jars.viewer } });
  return [csv.body.trim().split('\r\n').length - 1, (json.json() as { evidence: unknown[] }).evidence.length];
}

describe(`queries per request (${onPostgres ? 'PostgreSQL' : 'SQLite'})`, () => {
  beforeAll(async () => {
    db = await openDatabase(freshDatabaseUrl(), {
      onQuery: () => {
        if (counting) queries += 1;
      },
    });
    await migrateToLatest(db);
    await seedDefault(db.kysely, { demo: false });
    app = await buildApp({ db, config: loadConfig({}, { sessionSecret: 'test-secret-that-is-at-least-32-characters-long' }) });
    const roles = { author: ['evaluator', 'PAK'], checker: ['reviewer', 'SEC'], admin: ['admin', null], reviewer: ['reviewer', 'RUS'], viewer: ['viewer', 'CHN'] } as const;
    for (const [key, [role, delegation]] of Object.entries(roles)) {
      const made = await addUser(db, role, { delegation: delegation ?? undefined });
      users[key as keyof typeof users] = made.user;
      if (key !== 'author' && key !== 'checker') jars[key as Reader] = (await signIn(app, made.email, made.password)).jar;
    }
  }, 120_000);

  afterAll(async () => {
    await app?.close();
    if (db) await closeTestDb(db);
  });

  it('does not grow with the number of rows on any list page, export, the review queue, pillar, group or benchmark page', async () => {
    await addItems(3);
    const few = await countPages();
    const fewRows = await rowsShown();
    await addItems(45);
    const many = await countPages();
    const manyRows = await rowsShown();
    // the pages did show more rows the second time
    expect(manyRows[0]).toBeGreaterThan(fewRows[0] * 10);
    expect(manyRows[1]).toBeGreaterThan(fewRows[1] * 5);
    console.log(
      [`rows shown (admin CSV, viewer JSON): ${fewRows.join(', ')} -> ${manyRows.join(', ')}`, ...Object.keys(few).map((k) => `${k}: ${few[k]} -> ${many[k]} queries`)].join('\n'),
    );
    expect(many).toEqual(few);
  }, 300_000);
});
