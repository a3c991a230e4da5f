// Evidence lists at size (issue 12): keyset pages that neither skip nor repeat an item when many share a date,
// search through the text indexes (case folded beyond ASCII; Cyrillic, Arabic script, Chinese), need-to-know on
// search and exports, exports streamed equal to the list, and an export that fails half-way seen as a failure.
// On SQLite, or on the PostgreSQL of TEST_DATABASE_URL.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { addUser, signIn, startTestApp, type TestApp } from '../helpers/app';
import { onPostgres } from '../helpers/db';
import { bulkImportEvidence } from '../../src/evidence/bulk-import';
import { mayRead } from '../../src/evidence/policy';
import type { EvidenceRow, UserRow } from '../../src/db/schema';

const ITEMS = 3000;
const DATES = Array.from({ length: 12 }, (_, d) => `2026-0${1 + (d % 9)}-1${d % 10}`);
const TLPS = ['GREEN', 'AMBER', 'RED', 'CLEAR', 'GREEN'] as const;
const FILLER = Array.from({ length: 20 }, (_, i) => `word${i % 37} patrol`).join(' ');

/** Items whose text the searches look for: [index, title]; TLP comes from the index (12, 22, 27 are RED). */
const SPECIAL: Record<number, string> = {
  10: 'Patrol seen in бадахшане',
  15: 'Meeting held in Бадахшане',
  12: 'Бадахшане informant',
  20: 'اجتماع في بدخشان',
  22: 'مخبر بدخشان',
  25: '巴达赫尚省的会议',
  27: '巴达赫尚线人',
};

const item = (i: number) => ({
  ref: `L-${i}`,
  title: SPECIAL[i] ?? `Patrol report ${i}`,
  summary: `${FILLER} ${i}`,
  observed_on: DATES[i % DATES.length],
  source_reliability: 'B',
  credibility: 2,
  tlp: TLPS[i % TLPS.length],
  groups: i % 2 ? ['TTP'] : [],
  findings: [{ benchmark: 'BORDER-1', stance: (i % 5) - 2 }],
});

describe(`evidence lists, search and exports at size (${onPostgres ? 'PostgreSQL' : 'SQLite'})`, () => {
  let t: TestApp;
  const jars = {} as Record<'admin' | 'viewer', string>;
  const users = {} as Record<'admin' | 'viewer', UserRow>;
  let rows: EvidenceRow[];

  beforeAll(async () => {
    t = await startTestApp({ seed: 'framework' });
    const author = await addUser(t.db, 'evaluator', { delegation: 'PAK' });
    for (let from = 0; from < ITEMS; from += 1500) {
      const text = JSON.stringify({ evidence: Array.from({ length: 1500 }, (_, k) => item(from + k)) });
      const result = await bulkImportEvidence(t.db.kysely, author.user, { format: 'json', text, dryRun: false });
      expect(result.ok).toBe(true);
    }
    for (const [key, role, delegation] of [['admin', 'admin', undefined], ['viewer', 'viewer', 'CHN']] as const) {
      const made = await addUser(t.db, role, { delegation });
      users[key] = made.user;
      jars[key] = (await signIn(t.app, made.email, made.password)).jar;
    }
    rows = await t.db.kysely.selectFrom('evidence').selectAll().execute();
  }, 300_000);
  afterAll(() => t?.close());

  const get = (who: 'admin' | 'viewer', url: string) => t.app.inject({ url, headers: { cookie: jars[who] } });
  /** The ids the reader may see, newest observed first (ties: newest id first), by the need-to-know rule itself. */
  const expectedIds = (who: 'admin' | 'viewer', sort: 'observed' | 'logged' = 'observed', where: (r: EvidenceRow) => boolean = () => true) =>
    rows
      .filter((r) => mayRead(users[who], r) && where(r))
      .sort((a, b) => (sort === 'observed' ? b.observed_on.localeCompare(a.observed_on) : 0) || b.id - a.id)
      .map((r) => r.id);
  const csvIds = (body: string) => body.trim().split('\r\n').slice(1).map((line) => Number(line.split(',')[0]));
  const idsWithTitles = (titles: string[]) => rows.filter((r) => titles.includes(r.title)).map((r) => r.id).sort((a, b) => a - b);

  /** Follows `next` (or `previous`) through the API list, collecting the ids of every page. */
  async function walkApi(who: 'admin' | 'viewer', query: string, direction: 'next' | 'previous' = 'next', start = '') {
    const ids: number[][] = [];
    let cursor: string | null = start;
    for (let pages = 0; pages < 200; pages += 1) {
      const param = cursor ? `&${direction === 'next' ? 'after' : 'before'}=${encodeURIComponent(cursor)}` : '';
      const res = await get(who, `/api/v1/evidence?${query}${param}`);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      ids.push(body.items.map((e: { id: number }) => e.id));
      cursor = body[direction];
      if (cursor === null) return { ids, last: body };
    }
    throw new Error('the pages did not end');
  }

  it('pages through every item the reader may see, neither skipping nor repeating one when hundreds share a date', async () => {
    for (const who of ['viewer', 'admin'] as const) {
      const forward = await walkApi(who, 'limit=97');
      expect(forward.ids.flat()).toEqual(expectedIds(who));
      expect(forward.ids.every((page) => page.length <= 97)).toBe(true);
      // and back again from the last page, before its first item
      const lastPage = forward.ids[forward.ids.length - 1];
      const firstOfLast = rows.find((r) => r.id === lastPage[0])!;
      const backward = await walkApi(who, 'limit=97', 'previous', `${firstOfLast.observed_on}.${firstOfLast.id}`);
      expect([...backward.ids].reverse().flat().concat(lastPage)).toEqual(expectedIds(who));
    }
  });

  it('pages in the order items were logged, and keeps filters across pages', async () => {
    const logged = await walkApi('viewer', 'limit=150&sort=logged');
    expect(logged.ids.flat()).toEqual(expectedIds('viewer', 'logged'));
    const filtered = await walkApi('viewer', `limit=40&group=TTP&from=${DATES[3]}&to=${DATES[8]}`);
    expect(filtered.ids.flat()).toEqual(expectedIds('viewer', 'observed', (r) => Number(r.ref!.slice(2)) % 2 === 1 && r.observed_on >= DATES[3] && r.observed_on <= DATES[8]));
  });

  it('links the pages of the list with next and previous, keeping the filters', async () => {
    const seen: number[] = [];
    let url: string | null = '/evidence?limit=200&tlp=GREEN';
    let previous: string | null = null;
    while (url) {
      const res = await get('viewer', url);
      expect(res.statusCode).toBe(200);
      seen.push(...[...res.body.matchAll(/<td class="num">(\d+)<\/td>/g)].map((m) => Number(m[1])));
      const unescape = (href: string) => href.replaceAll('&#x3D;', '=').replaceAll('&amp;', '&');
      const next = unescape(/<a href="([^"]+)" rel="next">/.exec(res.body)?.[1] ?? '') || null;
      previous = unescape(/<a href="([^"]+)" rel="prev">/.exec(res.body)?.[1] ?? '') || previous;
      if (next) expect(next).toMatch(/tlp=GREEN/);
      url = next;
    }
    expect(seen).toEqual(expectedIds('viewer', 'observed', (r) => r.tlp === 'GREEN'));
    expect(previous).toMatch(/before=\d{4}-\d{2}-\d{2}\.\d+/);
  });

  it('keeps old page= links working to a bound, and names the field of a bad cursor or a page too deep', async () => {
    const page3 = (await get('viewer', '/api/v1/evidence?limit=50&page=3')).json();
    expect(page3.items.map((e: { id: number }) => e.id)).toEqual(expectedIds('viewer').slice(100, 150));
    const deep = await get('viewer', '/api/v1/evidence?limit=10&page=900');
    expect(deep.statusCode).toBe(400);
    expect(deep.json().error.fields[0].path).toBe('page');
    for (const [query, field] of [['after=12', 'after'], ['sort=logged&after=2026-01-01.12', 'after'], ['after=x', 'after'], ['after=2026-01-01.5&before=2026-01-01.9', 'before']]) {
      const bad = await get('viewer', `/api/v1/evidence?${query}`);
      expect(bad.statusCode, query).toBe(400);
      expect(JSON.stringify(bad.json().error), query).toContain(field);
    }
    const page = await get('viewer', '/evidence?after=nonsense');
    expect(page.statusCode).toBe(400);
  });

  it('counts within bounds (at least N beyond them), and the restricted count never depends on the text searched', async () => {
    const all = (await get('viewer', '/api/v1/evidence?limit=1')).json();
    expect(all).toMatchObject({ total: 1000, total_is_lower_bound: true, restricted_is_lower_bound: true });
    // the restricted count read only the newest 2,000 items: a lower bound, the same with any search
    expect(all.restricted).toBeLessThan(rows.filter((r) => !mayRead(users.viewer, r)).length);
    for (const q of ['Бадахшане', 'zzzz', 'patrol']) expect((await get('viewer', `/api/v1/evidence?limit=1&q=${encodeURIComponent(q)}`)).json().restricted, q).toBe(all.restricted);
    const some = (await get('viewer', '/api/v1/evidence?limit=1&q=Бадахшане&from=2026-01-10&to=2026-01-10')).json();
    const none = (await get('viewer', '/api/v1/evidence?limit=1&q=zzzz&from=2026-01-10&to=2026-01-10')).json();
    expect(some.restricted).toBe(none.restricted);
    expect(some.restricted).toBe(rows.filter((r) => r.observed_on === '2026-01-10' && !mayRead(users.viewer, r)).length);
    expect(some.total_is_lower_bound).toBe(false);
    expect(some.restricted_is_lower_bound).toBe(false);
    const html = await get('viewer', '/evidence');
    expect(html.body).toContain('At least 1000 items you may see');
  });

  describe('search', () => {
    const found = async (who: 'admin' | 'viewer', q: string) =>
      ((await get(who, `/api/v1/evidence?limit=200&q=${encodeURIComponent(q)}`)).json().items as { id: number }[]).map((e) => e.id).sort((a, b) => a - b);

    it('folds Cyrillic capitals both ways, and finds hidden items for those who may read them only', async () => {
      const visible = idsWithTitles([SPECIAL[10], SPECIAL[15]]);
      for (const q of ['Бадахшане', 'бадахшане', 'БАДАХШАНЕ', 'бадахш']) expect(await found('viewer', q), q).toEqual(visible);
      expect(await found('admin', 'бадахшане')).toEqual(idsWithTitles([SPECIAL[10], SPECIAL[15], SPECIAL[12]]));
    });

    it('finds Arabic script and Chinese (two characters, three, a whole word)', async () => {
      expect(await found('viewer', 'بدخشان')).toEqual(idsWithTitles([SPECIAL[20]]));
      expect(await found('admin', 'بدخشان')).toEqual(idsWithTitles([SPECIAL[20], SPECIAL[22]]));
      for (const q of ['巴达赫尚', '达赫', '赫尚省', '会议']) expect(await found('viewer', q), q).toEqual(idsWithTitles([SPECIAL[25]]));
      expect(await found('admin', '巴达赫尚')).toEqual(idsWithTitles([SPECIAL[25], SPECIAL[27]]));
      expect(await found('viewer', '线人')).toEqual([]);
    });

    it('needs every word, matches words by their beginning, and finds nothing for punctuation alone', async () => {
      expect(await found('viewer', 'seen бадахшане')).toEqual(idsWithTitles([SPECIAL[10]]));
      expect(await found('viewer', 'Meet')).toEqual(idsWithTitles([SPECIAL[15]]));
      expect(await found('viewer', '%')).toEqual([]);
      expect(await found('viewer', '"*')).toEqual([]);
    });

    it('pages through a word most items hold (read in list order) as through one few hold (read first)', async () => {
      // every item's summary says "patrol": more matches than the admin's plan reads first, fewer than the viewer's
      for (const who of ['admin', 'viewer'] as const) expect((await walkApi(who, 'limit=150&q=patrol')).ids.flat(), who).toEqual(expectedIds(who));
      expect(csvIds((await get('admin', '/evidence/export.csv?q=PATROL')).body)).toEqual(expectedIds('admin'));
      const rare = await walkApi('admin', 'limit=1&q=Meeting');
      expect(rare.ids.flat()).toEqual(idsWithTitles([SPECIAL[15]]));
    });

    it('follows an edit of the text (the index is kept in step with every write)', async () => {
      const id = idsWithTitles([SPECIAL[15]])[0];
      await t.db.kysely.updateTable('evidence').set({ title: 'Meeting held in Файзабаде' }).where('id', '=', id).execute();
      expect(await found('viewer', 'файзабаде')).toEqual([id]);
      expect(await found('viewer', 'Бадахшане')).toEqual(idsWithTitles([SPECIAL[10]]));
      await t.db.kysely.updateTable('evidence').set({ title: SPECIAL[15] }).where('id', '=', id).execute();
      expect(await found('viewer', 'Бадахшане')).toEqual(idsWithTitles([SPECIAL[10], SPECIAL[15]]));
    });
  });

  describe('exports', () => {

    it('streams every item the list shows, in its order, as CSV and JSON, with the exact restricted count', async () => {
      const csv = await get('viewer', '/evidence/export.csv');
      expect(csv.statusCode).toBe(200);
      expect(csv.headers['content-length']).toBeUndefined();
      expect(csvIds(csv.body)).toEqual(expectedIds('viewer'));
      const json = await get('viewer', '/evidence/export.json');
      const body = json.json();
      expect(body.evidence.map((e: { id: number }) => e.id)).toEqual(expectedIds('viewer'));
      expect(body.total).toBe(expectedIds('viewer').length);
      expect(body.restricted).toBe(rows.filter((r) => !mayRead(users.viewer, r)).length);
      const admin = await get('admin', '/evidence/export.csv?sort=logged');
      expect(csvIds(admin.body)).toEqual(expectedIds('admin', 'logged'));
    });

    it('exports what a search finds, never a hidden item', async () => {
      const csv = await get('viewer', `/evidence/export.csv?q=${encodeURIComponent('巴达赫尚')}`);
      expect(csvIds(csv.body)).toEqual(idsWithTitles([SPECIAL[25]]));
      const json = (await get('viewer', `/evidence/export.json?q=${encodeURIComponent('БАДАХШАНЕ')}`)).json();
      expect(json.evidence.map((e: { id: number }) => e.id).sort((a: number, b: number) => a - b)).toEqual(idsWithTitles([SPECIAL[10], SPECIAL[15]]));
      expect(json.restricted).toBe((await get('viewer', '/evidence/export.json?q=zzzz')).json().restricted);
    });

    it('breaks the connection when the database fails half-way, so the file is never taken for a complete one', async () => {
      // the oldest item (in the last chunk) gets a document whose row the database cannot read: the export fails there,
      // after the first chunks were sent
      const oldest = expectedIds('admin').at(-1)!;
      const k = t.db.kysely;
      const doc = await k
        .insertInto('attachments')
        .values({ evidence_id: oldest, filename: 'broken.txt', content_type: 'text/plain', size_bytes: 1, sha256: '0'.repeat(64), data: Buffer.from('x'), uploaded_by: null, uploaded_at: '2026-03-01T00:00:00.000Z' })
        .returning('id')
        .executeTakeFirstOrThrow();
      const unreadable = onPostgres ? sql`cast(filename as integer)` : sql`json(filename)`;
      await sql`alter table attachments rename to attachments_kept`.execute(k);
      await sql`create view attachments as select id, evidence_id, filename, content_type, case when id = ${sql.lit(doc.id)} then ${unreadable} else size_bytes end as size_bytes, sha256, data, uploaded_by, uploaded_at from attachments_kept`.execute(k);
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const { port } = t.app.server.address() as AddressInfo;
      try {
        for (const kind of ['csv', 'json']) {
          const outcome = await new Promise<{ complete: boolean; body: string; status: number }>((resolve) => {
            const req = http.get({ host: '127.0.0.1', port, path: `/evidence/export.${kind}`, headers: { cookie: jars.admin } }, (res) => {
              const parts: Buffer[] = [];
              res.on('data', (chunk: Buffer) => parts.push(chunk));
              res.on('error', () => undefined);
              res.on('close', () => resolve({ complete: res.complete, body: Buffer.concat(parts).toString('utf8'), status: res.statusCode ?? 0 }));
            });
            req.on('error', () => undefined);
          });
          expect(outcome.status).toBe(200);
          expect(outcome.body.length).toBeGreaterThan(100_000);
          expect(outcome.complete, kind).toBe(false);
          if (kind === 'json') expect(() => JSON.parse(outcome.body)).toThrow();
          else expect(csvIds(outcome.body).length).toBeLessThan(ITEMS);
        }
      } finally {
        await sql`drop view attachments`.execute(k);
        await sql`alter table attachments_kept rename to attachments`.execute(k);
        await k.deleteFrom('attachments').where('id', '=', doc.id).execute();
      }
      // and a whole export works again
      expect(csvIds((await get('admin', '/evidence/export.csv')).body)).toHaveLength(ITEMS);
    });
  });
});
