import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { screenshotPath, signInPage, startHarness, type Harness } from './harness';

let h: Harness;
let page: Page;

beforeAll(async () => {
  h = await startHarness();
  page = await signInPage(h, 'viewer');
});
afterAll(() => h?.close());

const Q = 'as_of=2026-09-30&known_at=2026-10-05';
const round = (n: number | null) => (n === null ? '–' : String(Math.round(n)));

async function api(query: string) {
  const res = await page.request.get(`${h.baseUrl}/api/v1/scorecard?${query}`);
  expect(res.status()).toBe(200);
  return res.json();
}

/** Benchmark rows of the score tables as shown: code -> [score, low, high]. */
async function shownBenchmarks(): Promise<Map<string, string[]>> {
  const rows = await page.$$eval('table.scores tbody tr', (trs) =>
    trs.map((tr) => [tr.querySelector('th .code')?.textContent ?? '', ...[...tr.querySelectorAll('td.num')].slice(0, 2).map((td) => td.textContent?.trim() ?? '')]),
  );
  return new Map(rows.map(([code, score, interval]) => [code, [score, ...interval.split('–')]]));
}

function expectBenchmarks(shown: Map<string, string[]>, card: { pillars: { benchmarks: { code: string; score: number; low: number; high: number }[] }[] }) {
  const all = card.pillars.flatMap((p) => p.benchmarks);
  expect(shown.size).toBe(all.length);
  for (const b of all) expect(shown.get(b.code), b.code).toEqual([round(b.score), round(b.low), round(b.high)]);
}

describe('numbers on pages equal the scorecard API (rounded to whole points)', () => {
  it('dashboard, for every perspective', async () => {
    for (const perspective of ['JOINT', 'PAK', 'CHN', 'RUS', 'IRN']) {
      await page.goto(`${h.baseUrl}/?${Q}&perspective=${perspective}`);
      const card = await api(`${Q}&perspective=${perspective}`);
      expect(await page.textContent('.big-score .num')).toBe(round(card.overall.score));
      expectBenchmarks(await shownBenchmarks(), card);
      const pillarScores = await page.$$eval('.pillar h2 .pillar-score', (els) => els.map((e) => e.textContent));
      expect(pillarScores).toEqual(card.pillars.map((p: { score: number | null }) => round(p.score)));
    }
  });

  it('perspectives side by side', async () => {
    await page.goto(`${h.baseUrl}/perspectives?${Q}`);
    const table = await page.$$eval('table.side-by-side tbody tr', (trs) =>
      trs.map((tr) => ({ kind: tr.className.split(' ')[0], label: tr.querySelector('th')?.textContent?.trim() ?? '', cells: [...tr.querySelectorAll('td .cell-score')].map((c) => c.textContent) })),
    );
    const codes = ['JOINT', 'PAK', 'CHN', 'RUS', 'IRN'];
    const cards = await Promise.all(codes.map((p) => api(`${Q}&perspective=${p}`)));
    expect(table[0].cells).toEqual(cards.map((c) => round(c.overall.score)));
    expect(table[0].kind).toBe('row-overall');
    for (const row of table.filter((r) => r.kind === 'row-benchmark')) {
      const code = row.label.split(' ')[0];
      const expected = cards.map((c) => round(c.pillars.flatMap((p: { benchmarks: { code: string; score: number }[] }) => p.benchmarks).find((b: { code: string }) => b.code === code).score));
      expect(row.cells, code).toEqual(expected);
    }
    const pillarRows = table.filter((r) => r.kind === 'row-pillar');
    expect(pillarRows.map((r) => r.cells)).toEqual(cards[0].pillars.map((_: unknown, i: number) => cards.map((c) => round(c.pillars[i].score))));
  });

  it('benchmark page', async () => {
    await page.goto(`${h.baseUrl}/benchmarks/BORDER-3?${Q}&perspective=RUS`);
    const card = await api(`${Q}&perspective=RUS`);
    const b = card.pillars.flatMap((p: { benchmarks: { code: string }[] }) => p.benchmarks).find((x: { code: string }) => x.code === 'BORDER-3');
    expect(await page.textContent('.big-score .num')).toBe(round(b.score));
    expect(await page.textContent('.overall-card')).toContain(`80% interval ${round(b.low)}–${round(b.high)}`);
    const lastMonth = await page.$$eval('table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent?.trim())));
    expect(lastMonth.some((r) => r[0] === '2026-09-30' && r[1] === round(b.score))).toBe(true);
    expect(await page.locator('svg.score-chart title').count()).toBeGreaterThan(0);
  });

  it('pillar page', async () => {
    await page.goto(`${h.baseUrl}/pillars/BORDER?${Q}&perspective=PAK`);
    const card = await api(`${Q}&perspective=PAK`);
    const pillar = card.pillars.find((p: { code: string }) => p.code === 'BORDER');
    expect(await page.textContent('.big-score .num')).toBe(round(pillar.score));
    expectBenchmarks(await shownBenchmarks(), { pillars: [pillar] });
  });

  it('group page', async () => {
    await page.goto(`${h.baseUrl}/groups/ISKP?${Q}&perspective=IRN`);
    const card = await api(`${Q}&perspective=IRN&group=ISKP`);
    expect(await page.textContent('.big-score .num')).toBe(round(card.overall.score));
    expectBenchmarks(await shownBenchmarks(), card);
  });
});

describe('reports', () => {
  it('opens the latest monthly report, which equals the API as known at its generation time', async () => {
    await page.goto(`${h.baseUrl}/reports`);
    await page.click('text=Latest monthly report: 2026-10');
    expect(await page.textContent('h1')).toMatch(/Monthly report 2026-10/);
    const row = await h.db.kysely.selectFrom('reports').selectAll().where('period', '=', '2026-10').executeTakeFirstOrThrow();
    const card = await api(`as_of=2026-10-31&known_at=${encodeURIComponent(row.generated_at)}&perspective=PAK`);
    const pak = await page.$$eval('table tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll('th, td')].map((c) => c.textContent?.trim())).find((r) => r[0] === 'Pakistan'));
    expect(pak![1]).toBe(round(card.overall.score));
    expect(pak!.slice(3)).toEqual(card.pillars.map((p: { score: number | null }) => round(p.score)));
  });
});

describe('time travel, JavaScript off, phones and print', () => {
  it('says which dates a page shows and links to the same view as known now', async () => {
    await page.goto(`${h.baseUrl}/benchmarks/INTEL-1?as_of=2026-03-31&known_at=2026-04-02`);
    expect((await page.textContent('.as-of'))!.replace(/\s+/g, ' ')).toMatch(/As of 2026-03-31, as known at 2026-04-02 23:59 UTC/);
    await page.click('text=See it as known now');
    expect(page.url()).toBe(`${h.baseUrl}/benchmarks/INTEL-1?as_of=2026-03-31`);
    expect(await page.textContent('.as-of')).toMatch(/as known now/);
  });

  it('works with JavaScript off', async () => {
    const context = await h.browser.newContext({ javaScriptEnabled: false });
    const p = await context.newPage();
    await p.goto(`${h.baseUrl}/login`);
    await p.fill('#email', h.users.viewer.email);
    await p.fill('#password', h.users.viewer.password);
    await Promise.all([p.waitForURL(`${h.baseUrl}/`), p.click('form[action^="/login"] button[type=submit]')]);
    await p.selectOption('#as_of', { label: '' }).catch(() => undefined);
    await p.fill('#as_of', '2026-05-31');
    await Promise.all([p.waitForURL(/as_of=2026-05-31/), p.click('.date-form button')]);
    expect(await p.textContent('.as-of')).toMatch(/As of 2026-05-31/);
    await context.close();
  });

  it('fits a phone screen without sideways scrolling of the page', async () => {
    const phone = await signInPage(h, 'viewer', { width: 390, height: 844 });
    for (const [name, url] of [['dashboard', '/'], ['perspectives', '/perspectives'], ['benchmark', '/benchmarks/DISRUPT-2'], ['evidence-list', '/evidence'], ['methodology', '/methodology']]) {
      await phone.goto(`${h.baseUrl}${url}`);
      const overflow = await phone.evaluate(() => {
        const excess = document.documentElement.scrollWidth - window.innerWidth;
        const culprits = [...document.querySelectorAll('body *')]
          .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1 && !el.closest('.table-wrap'))
          .slice(0, 3)
          .map((el) => `${el.tagName}.${el.className}`);
        return { excess, culprits };
      });
      expect(overflow.excess, `${name}: ${overflow.culprits.join(', ')}`).toBeLessThanOrEqual(1);
      await phone.screenshot({ path: screenshotPath(`phone-${name}`), fullPage: true });
    }
  });

  it('prints without navigation, with a header naming framework, date and perspective', async () => {
    await page.goto(`${h.baseUrl}/?${Q}&perspective=CHN`);
    await page.emulateMedia({ media: 'print' });
    expect(await page.isVisible('.site-header')).toBe(false);
    expect(await page.isVisible('.date-form')).toBe(false);
    const header = await page.textContent('.print-header');
    expect(header).toMatch(/Four-state demands.*China.*as of 2026-09-30/);
    expect(await page.isVisible('.print-header')).toBe(true);
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    await page.emulateMedia({ media: 'screen' });
  });
});
