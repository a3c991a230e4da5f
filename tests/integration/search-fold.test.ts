// Search finds Arabic-script words however they were keyed (issue 14): letter variants (ي/ی, ك/ک, أ/ا, ة/ه),
// diacritics, tatweel and zero-width non-joiners, Arabic-Indic digits; and Cyrillic with capitals and Chinese, on
// SQLite and on the PostgreSQL of TEST_DATABASE_URL. The fold the indexes store and the fold searches apply are
// one table: the database's folding (SQL) equals the JavaScript one character by character.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { addUser, signIn, startTestApp, type TestApp } from '../helpers/app';
import { onPostgres } from '../helpers/db';
import { bulkImportEvidence } from '../../src/evidence/bulk-import';
import { createEvidence } from '../../src/evidence/service';
import { FOLD_REMOVE, FOLD_REPLACE, postgresFoldSql, searchFold, sqliteFoldSql } from '../../src/evidence/search-fold';

/** [title, searches that must find it] */
const CASES: [string, string[]][] = [
  ['نشست در ولایت بدخشان', ['بدخشان', 'بَدَخشان', 'بدخـشان', 'ولايت']],
  ['Кабульская встреча в Бадахшане', ['Бадахшане', 'бадахшане', 'БАДАХШАНЕ']],
  ['巴达赫尚省的会议', ['巴达赫尚']],
  ['گزارش كابل و ديدار', ['کابل', 'كابل', 'دیدار']],
  ['می‌خواهند مرز را ببندند', ['میخواهند', 'می‌خواهند']],
  ['حادثه در سال ۱۴۰۵ در مرز', ['1405', '۱۴۰۵', '١٤٠٥']],
  ['مدرسة دينية في الحدود', ['مدرسه', 'دینیه']],
  ['د پښتونخوا پوليس', ['پولیس', 'پښتونخوا']],
];

describe(`search folding (${onPostgres ? 'PostgreSQL' : 'SQLite'})`, () => {
  let t: TestApp;
  let jar: string;
  const ids = new Map<string, number>();

  beforeAll(async () => {
    t = await startTestApp({ seed: 'framework' });
    const author = await addUser(t.db, 'evaluator', { delegation: 'PAK' });
    // imported (bulk path) and logged at the desk (single path): both reach the index through the same triggers
    const half = Math.ceil(CASES.length / 2);
    const imported = CASES.slice(0, half).map(([title], i) => ({ ref: `F-${i}`, title, observed_on: '2026-05-01', source_reliability: 'B', credibility: 2, tlp: 'GREEN', findings: [{ benchmark: 'BORDER-1', stance: 1 }] }));
    const result = await bulkImportEvidence(t.db.kysely, author.user, { format: 'json', text: JSON.stringify({ evidence: imported }), dryRun: false });
    expect(result.ok).toBe(true);
    for (const [title] of CASES.slice(half)) {
      await createEvidence(t.db.kysely, author.user, null, { title, observed_on: '2026-05-02', source_reliability: 'B', credibility: 2, tlp: 'GREEN', findings: [{ benchmark: 'BORDER-1', stance: 1 }] }, { submit: true });
    }
    for (const r of await t.db.kysely.selectFrom('evidence').select(['id', 'title']).execute()) ids.set(r.title, r.id);
    const admin = await addUser(t.db, 'admin');
    jar = (await signIn(t.app, admin.email, admin.password)).jar;
  });
  afterAll(() => t?.close());

  const search = async (q: string) => {
    const res = await t.app.inject({ url: `/api/v1/evidence?limit=50&q=${encodeURIComponent(q)}`, headers: { cookie: jar } });
    expect(res.statusCode, q).toBe(200);
    return (res.json() as { items: { id: number }[] }).items.map((e) => e.id);
  };

  for (const [title, queries] of CASES) {
    it(`finds “${title}” by ${queries.join(', ')}`, async () => {
      for (const q of queries) expect(await search(q), q).toContain(ids.get(title));
    });
  }

  it('does not find what is not there', async () => {
    expect(await search('بدخشانات')).toEqual([]);
    expect(await search('1406')).toEqual([]);
  });

  it('keeps the index right through edits: the old words go, the new ones come', async () => {
    const id = ids.get('د پښتونخوا پوليس')!;
    await sql`update evidence set title = ${'د کندهار سرحد'} where id = ${id}`.execute(t.db.kysely);
    expect(await search('پولیس')).not.toContain(id);
    expect(await search('كندهار')).toContain(id);
  });

  it('folds in the database exactly as in JavaScript, for every character of the table', async () => {
    const sample = [...FOLD_REPLACE.map(([from]) => from), ...FOLD_REMOVE].join('') + 'abc Ж 巴 ی';
    const expression = onPostgres ? postgresFoldSql('$1') : sqliteFoldSql('?');
    const { rows } = await t.db.kysely.executeQuery<{ folded: string }>({ sql: `select ${expression} as folded`, parameters: [sample], query: { kind: 'RawNode' } as never, queryId: { queryId: 'fold' } as never });
    expect(rows[0].folded).toBe(searchFold(sample));
    expect(searchFold(sample)).toBe(`${FOLD_REPLACE.map(([, to]) => to).join('')}abc Ж 巴 ی`);
  });
});
