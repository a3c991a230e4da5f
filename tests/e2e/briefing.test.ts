// The one-page briefing (issue 13) printed by Chromium: exactly one A4 page per perspective, both as the browser
// prints the page and as the server's PDF; key findings with the top movers and their causes; the demo watermark.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
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

describe('a frozen report in Chromium', () => {
  it('prints the reader’s TLP marking, the band legend and the page number on every page, and the demo watermark', async () => {
    const cookies = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
    const res = await fetch(`${h.baseUrl}/reports/2.pdf`, { headers: { cookie: cookies } });
    expect(res.status).toBe(200);
    const pdf = Buffer.from(await res.arrayBuffer());
    const pages = pdfText(pdf).split('\f').filter((p) => p.trim());
    expect(pages.length).toBeGreaterThan(1);
    pages.forEach((text, i) => {
      expect(text, `page ${i + 1}`).toMatch(/TLP:(CLEAR|GREEN|AMBER|RED)/);
      expect(text, `page ${i + 1}`).toContain('● compliant ◕ largely compliant ◑ partially compliant ○ non-compliant');
      expect(text, `page ${i + 1}`).toContain(`page ${i + 1} of ${pages.length}`);
    });
    expect(pages[0]).toContain('Illustrative demo data');
  });

  it('opens with key findings and names the top movers with their causes', async () => {
    await page.goto(`${h.baseUrl}/reports/2`);
    expect(await page.locator('#report-findings-h').textContent()).toMatch(/Key findings since the monthly report 2026-09/);
    expect(await page.locator('.key-findings h3').count()).toBe(5);
    expect(await page.locator('.key-findings p').first().textContent()).toMatch(/^Joint \(all four states\): overall /);
    const movers = page.locator('#changes-h ~ ul > li');
    expect(await movers.count()).toBeGreaterThan(0);
    expect(await page.locator('#changes-h ~ ul .causes li').count()).toBeGreaterThan(0);
    expect(await page.locator('#changes-h ~ ul .causes li').first().textContent()).toMatch(/\([+−±]\d+\)$/);
  });
});

/** The text of a PDF, pages separated by form feeds (poppler's pdftotext, installed by .ci/run). */
function pdfText(pdf: Buffer): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pactwatch-pdf-text-'));
  try {
    fs.writeFileSync(path.join(dir, 'in.pdf'), pdf);
    return execFileSync('pdftotext', ['-layout', path.join(dir, 'in.pdf'), '-'], { encoding: 'utf8' });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('printed scorecard pages', () => {
  it('fit the width of an A4 page: no column cut off (dashboard, pillar, group, perspectives, report)', async () => {
    // A4 less the 12 mm side margins is 186 mm: about 703 CSS pixels, the width Chromium lays a printed page out at
    const printer = await signInPage(h, 'viewer', { width: 703, height: 1000 });
    await printer.emulateMedia({ media: 'print' });
    for (const url of ['/?perspective=PAK', '/pillars/DISRUPT', '/groups/TTP', '/perspectives', '/reports/2', '/briefing?perspective=RUS']) {
      await printer.goto(`${h.baseUrl}${url}`);
      const overflow = await printer.evaluate(() => {
        const width = document.documentElement.clientWidth;
        const culprits = [...document.querySelectorAll('main *')]
          .filter((el) => el.getBoundingClientRect().right > width + 1 && getComputedStyle(el).display !== 'none')
          .slice(0, 3)
          .map((el) => `${el.tagName}.${el.className}`);
        return { excess: document.documentElement.scrollWidth - width, culprits };
      });
      expect(overflow.excess, `${url}: ${overflow.culprits.join(', ')}`).toBeLessThanOrEqual(1);
      expect(overflow.culprits, url).toEqual([]);
    }
  });
});
