// The benchmark page lists its counted findings a page at a time (issue 12): newest first, 50 a page, with links
// that keep the view; the totals (count and weight of every counted finding, and how many are restricted) are those
// of all of them and agree with the scorecard API; the chart still places every finding the reader may see.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserRow } from '../../src/db/schema';
import { createEvidence, reviewEvidence } from '../../src/evidence/service';
import { addDays } from '../../src/scoring/index';
import { BENCHMARK_PAGE_SIZE } from '../../src/scorecards/service';
import { addUser, signIn, startTestApp, type TestApp } from '../helpers/app';

const ITEMS = 130;
const VIEW = 'as_of=2026-06-30&perspective=PAK';

/** Item n: observed on day n of 2026, every fourth RED (hidden from viewers), every fifth AMBER of the CHN delegation. */
const tlpOf = (n: number) => (n % 4 === 0 ? 'RED' : n % 5 === 0 ? 'AMBER' : 'GREEN');
const observedOf = (n: number) => addDays('2026-01-01', n);

function rowsOf(html: string): { id: number; observed: string }[] {
  const table = /<caption class="visually-hidden">Visible findings[\s\S]*?<\/table>/.exec(html)?.[0] ?? '';
  return [...table.matchAll(/<a href="\/evidence\/(\d+)">#\d+ <bdi>[^<]*<\/bdi><\/a><\/th><td class="nowrap">([0-9-]+)<\/td>/g)].map((m) => ({ id: Number(m[1]), observed: m[2] }));
}
const unescape = (href: string) => href.replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
const linkOf = (html: string, rel: 'next' | 'prev') => {
  const m = new RegExp(`<a href="([^"]+)" rel="${rel}">`).exec(html);
  return m ? unescape(m[1]) : null;
};
/** How many findings the chart's dots stand for (a dot stands for every finding of its week and value). */
const markersOf = (html: string) =>
  [.../<svg class="score-chart"[\s\S]*?<\/svg>/.exec(html)![0].matchAll(/class="marker" data-findings="(\d+)"/g)].reduce((sum, m) => sum + Number(m[1]), 0);

describe('the benchmark page lists its counted findings a page at a time', () => {
  let t: TestApp;
  let viewerJar: string;
  let adminJar: string;
  const ids = new Map<number, number>(); // id -> n

  beforeAll(async () => {
    t = await startTestApp({ seed: 'framework' });
    const author = (await addUser(t.db, 'evaluator', { delegation: 'CHN' })).user as UserRow;
    const checker = (await addUser(t.db, 'reviewer', { delegation: 'SEC' })).user as UserRow;
    for (let n = 1; n <= ITEMS; n += 1) {
      const row = await createEvidence(t.db.kysely, author, null, {
        title: `Crossing ${n}`,
        summary: 'Seen from the road.',
        source: 'Field observation',
        observed_on: observedOf(n),
        source_reliability: 'B',
        credibility: 2,
        groups: n % 3 ? ['TTP'] : [],
        tlp: tlpOf(n),
        findings: [{ benchmark: 'BORDER-1', stance: (n % 5) - 2 }],
      }, { submit: true });
      await reviewEvidence(t.db.kysely, checker, row.id, 'verify', null);
      ids.set(row.id, n);
    }
    const viewer = await addUser(t.db, 'viewer', { delegation: 'PAK' });
    viewerJar = (await signIn(t.app, viewer.email, viewer.password)).jar;
    const admin = await addUser(t.db, 'admin', { delegation: 'SEC' });
    adminJar = (await signIn(t.app, admin.email, admin.password)).jar;
  });
  afterAll(() => t?.close());

  const get = (jar: string, url: string) => t.app.inject({ url, headers: { cookie: jar } });

  it('shows the visible findings newest first, 50 a page, and every one of them once across the pages', async () => {
    const visible = [...ids].filter(([, n]) => tlpOf(n) === 'GREEN').sort((a, b) => b[1] - a[1]).map(([id]) => id);
    let url: string | null = `/benchmarks/BORDER-1?${VIEW}`;
    const seen: number[] = [];
    const pages: string[] = [];
    while (url) {
      const res = await get(viewerJar, url);
      expect(res.statusCode, url).toBe(200);
      const rows = rowsOf(res.body);
      expect(rows.length).toBeLessThanOrEqual(BENCHMARK_PAGE_SIZE);
      seen.push(...rows.map((r) => r.id));
      for (const r of rows) expect(r.observed).toBe(observedOf(ids.get(r.id)!));
      // a page never names a restricted item
      for (const [id, n] of ids) if (tlpOf(n) !== 'GREEN') expect(res.body).not.toContain(`Crossing ${n}<`), expect(res.body).not.toContain(`/evidence/${id}"`);
      // the chart places every visible finding, not only the page's
      expect(markersOf(res.body)).toBe(visible.length);
      pages.push(url);
      url = linkOf(res.body, 'next');
      if (url) {
        expect(url).toContain('as_of=2026-06-30');
        expect(url).toContain('perspective=PAK');
        expect(url).toMatch(/page=\d+/);
      }
    }
    expect(seen).toEqual(visible);
    expect(pages.length).toBe(Math.ceil(visible.length / BENCHMARK_PAGE_SIZE));
    expect(pages.length).toBeGreaterThan(1);
    // and back
    const last = await get(viewerJar, pages[pages.length - 1]);
    expect(linkOf(last.body, 'prev')).toBe(pages[pages.length - 2]);
    expect(linkOf(last.body, 'next')).toBeNull();
  });

  it('states the totals of all counted findings, as the scorecard API counts them, and how many are restricted', async () => {
    const api = (await get(viewerJar, `/api/v1/scorecard?${VIEW}`)).json();
    const score = api.pillars.flatMap((p: { benchmarks: unknown[] }) => p.benchmarks).find((b: { code: string }) => b.code === 'BORDER-1');
    expect(score.findings).toBe(ITEMS);
    const restricted = [...ids.values()].filter((n) => tlpOf(n) !== 'GREEN').length;
    for (const [jar, hidden] of [[viewerJar, restricted], [adminJar, 0]] as const) {
      const body = (await get(jar, `/benchmarks/BORDER-1?${VIEW}&page=2`)).body;
      const totals = /<p>(\d+) findings count now, with a total weight of ([0-9.,]+)(?:; (\d+) of them are in items you may read)?\.<\/p>/.exec(body)!;
      expect(Number(totals[1])).toBe(score.findings);
      expect(totals[2]).toBe(score.evidence_weight.toFixed(2));
      if (hidden) {
        expect(Number(totals[3])).toBe(ITEMS - hidden);
        expect(body).toContain(`<p class="notice">${hidden} of the findings that count are in items restricted from you`);
      } else {
        expect(totals[3]).toBeUndefined();
        expect(body).not.toContain('of the findings that count are in items restricted');
      }
    }
  });

  it('answers a page past the last with the last page, and refuses a page that is not a number', async () => {
    const res = await get(viewerJar, `/benchmarks/BORDER-1?${VIEW}&page=999`);
    expect(res.statusCode).toBe(200);
    expect(linkOf(res.body, 'next')).toBeNull();
    expect(rowsOf(res.body).length).toBeGreaterThan(0);
    expect((await get(viewerJar, `/benchmarks/BORDER-1?${VIEW}&page=0`)).statusCode).toBe(400);
    expect((await get(viewerJar, `/benchmarks/BORDER-1?${VIEW}&page=x`)).statusCode).toBe(400);
  });
});
