import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { axeViolations, htmlErrors, screenshotPath, signInPage, startHarness, type Harness } from './harness';
import { PAGES, type PageRole } from './pages-list';

let h: Harness;
const pages: Partial<Record<'viewer' | 'evaluator' | 'reviewer' | 'admin', Page>> = {};
let evidenceId = 0;

beforeAll(async () => {
  h = await startHarness();
  for (const role of ['viewer', 'evaluator', 'reviewer', 'admin'] as const) pages[role] = await signInPage(h, role);
  const row = await h.db.kysely.selectFrom('evidence').select('id').where('tlp', '=', 'GREEN').where('status', '=', 'verified').orderBy('id').executeTakeFirstOrThrow();
  evidenceId = row.id;
});
afterAll(() => h?.close());

async function pageFor(role: PageRole): Promise<Page> {
  if (role === 'anonymous') return (await h.browser.newContext()).newPage();
  return pages[role]!;
}

describe('every page in Chromium', () => {
  for (const p of PAGES) {
    it(`${p.name}: renders, has no WCAG 2.1 A/AA violations and valid HTML`, async () => {
      const page = await pageFor(p.role);
      const response = await page.goto(`${h.baseUrl}${p.url({ evidenceId, viewerId: h.users.viewer.id })}`);
      expect(response).not.toBeNull();
      await expect(page.locator('h1').first().textContent()).resolves.toMatch(p.heading);
      const violations = await axeViolations(page);
      expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
      const html = await response!.text();
      expect(await htmlErrors(html)).toEqual([]);
      await page.screenshot({ path: screenshotPath(`desktop-${p.name}`), fullPage: true });
    });
  }
});
