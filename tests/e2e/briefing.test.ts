// The one-page briefing (issue 13) printed by Chromium: exactly one A4 page per perspective, both as the browser
// prints the page and as the server's PDF; key findings with the top movers and their causes; the demo watermark.

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

/** Pages of a PDF as Chromium writes it (page objects, not the page tree). */
const pdfPages = (pdf: Buffer) => (pdf.toString('latin1').match(/\/Type\s*\/Page(?!s)\b/g) ?? []).length;
/** A4 in PDF points, portrait */
const A4 = { width: 595.92, height: 842.88 };

describe('the briefing in Chromium', () => {
  for (const perspective of ['JOINT', 'PAK', 'CHN', 'RUS', 'IRN']) {
    for (const asOf of ['2026-09-30', '2026-11-15']) {
      it(`${perspective} as of ${asOf}: prints on exactly one A4 page`, async () => {
        await page.goto(`${h.baseUrl}/briefing?perspective=${perspective}&as_of=${asOf}`);
        const pdf = await page.pdf({ format: 'A4', printBackground: true, preferCSSPageSize: true });
        expect(pdfPages(pdf)).toBe(1);
        const box = /\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/.exec(pdf.toString('latin1'));
        expect(Math.abs(Number(box?.[1]) - A4.width)).toBeLessThan(2);
        expect(Math.abs(Number(box?.[2]) - A4.height)).toBeLessThan(2);
      });
    }
  }

  it('is served as a one-page PDF by the server too (GET /briefing.pdf), for every perspective', async () => {
    const cookies = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    for (const perspective of ['JOINT', 'PAK', 'CHN', 'RUS', 'IRN']) {
      const res = await fetch(`${h.baseUrl}/briefing.pdf?perspective=${perspective}&as_of=2026-09-30`, { headers: { cookie: cookies } });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('application/pdf');
      const pdf = Buffer.from(await res.arrayBuffer());
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      expect(pdfPages(pdf), perspective).toBe(1);
    }
  });

  it('names the top movers with their causes, and marks the page', async () => {
    await page.goto(`${h.baseUrl}/briefing?perspective=PAK&as_of=2026-09-30`);
    const movers = page.locator('.briefing-movers > ol > li');
    expect(await movers.count()).toBeGreaterThan(0);
    expect(await movers.count()).toBeLessThanOrEqual(3);
    const first = await movers.first().textContent();
    expect(first).toMatch(/[A-Z]+-\d+ .+: \d+ → \d+ \([+−±]\d+\)/);
    // a mover that is not drift has at least one cause with its points
    expect(await page.locator('.briefing-movers .causes li').count()).toBeGreaterThan(0);
    expect(await page.locator('.briefing-movers .causes li').first().textContent()).toMatch(/\([+−±]\d+\)$/);
    expect(await page.locator('.key-findings p').first().textContent()).toMatch(/^Pakistan: overall /);
    expect(await page.textContent('.marking')).toMatch(/TLP:(CLEAR|GREEN|AMBER|RED)/);
    await page.emulateMedia({ media: 'print' });
    expect(await page.isVisible('.demo-banner')).toBe(true);
    expect(await page.isVisible('.briefing nav.perspectives')).toBe(false);
    await page.screenshot({ path: screenshotPath('print-briefing-pak'), fullPage: true });
    await page.emulateMedia({ media: 'screen' });
  });

  it('key findings on the dashboard name the top movers with their causes', async () => {
    await page.goto(`${h.baseUrl}/?perspective=PAK&as_of=2026-09-30`);
    expect(await page.locator('.key-findings p').first().textContent()).toMatch(/^Pakistan: overall /);
    const causes = page.locator('.changes .causes li');
    expect(await causes.count()).toBeGreaterThan(0);
    expect(await page.locator('a[href^="/briefing"]').count()).toBe(1);
  });
});
