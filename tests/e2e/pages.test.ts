import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { axeViolations, htmlErrors, screenshotPath, signInPage, startHarness, type Harness } from './harness';

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

const PAGES: { name: string; role: 'anonymous' | 'viewer' | 'evaluator' | 'reviewer' | 'admin'; url: () => string; heading: RegExp }[] = [
  { name: 'login', role: 'anonymous', url: () => '/login', heading: /Sign in/ },
  { name: 'set-password-invalid', role: 'anonymous', url: () => '/set-password?code=not-a-valid-code-at-all', heading: /Set your password/ },
  { name: 'dashboard', role: 'viewer', url: () => '/', heading: /Scorecard: Joint/ },
  { name: 'dashboard-pak-time-travel', role: 'viewer', url: () => '/?perspective=PAK&as_of=2026-06-30&known_at=2026-07-01', heading: /Scorecard: Pakistan/ },
  { name: 'perspectives', role: 'viewer', url: () => '/perspectives', heading: /Perspectives side by side/ },
  { name: 'benchmark', role: 'viewer', url: () => '/benchmarks/INTEL-2', heading: /Information requests/ },
  { name: 'pillar', role: 'viewer', url: () => '/pillars/DISRUPT', heading: /Group disruption/ },
  { name: 'group', role: 'viewer', url: () => '/groups/TTP', heading: /TTP/ },
  { name: 'methodology', role: 'viewer', url: () => '/methodology', heading: /How the scores are computed/ },
  { name: 'briefing', role: 'viewer', url: () => '/briefing', heading: /Briefing: Joint/ },
  { name: 'briefing-pak-future', role: 'viewer', url: () => '/briefing?perspective=PAK&as_of=2027-03-31', heading: /Briefing: Pakistan/ },
  { name: 'evidence-list', role: 'viewer', url: () => '/evidence', heading: /Evidence/ },
  { name: 'evidence-item', role: 'viewer', url: () => `/evidence/${evidenceId}`, heading: /.+/ },
  { name: 'evidence-new', role: 'evaluator', url: () => '/evidence/new', heading: /Log evidence/ },
  { name: 'evidence-import', role: 'evaluator', url: () => '/evidence/import', heading: /Import evidence/ },
  { name: 'review-queue', role: 'reviewer', url: () => '/review', heading: /Review queue/ },
  { name: 'evidence-item-reviewer', role: 'reviewer', url: () => `/evidence/${evidenceId}`, heading: /.+/ },
  { name: 'tokens', role: 'viewer', url: () => '/account/tokens', heading: /API tokens/ },
  { name: 'password', role: 'viewer', url: () => '/account/password', heading: /Change password/ },
  { name: 'admin-users', role: 'admin', url: () => '/admin/users', heading: /Users/ },
  { name: 'admin-user', role: 'admin', url: () => `/admin/users/${h.users.viewer.id}`, heading: /viewer@e2e/ },
  { name: 'security-log', role: 'admin', url: () => '/admin/security-log', heading: /Security log/ },
  { name: 'not-found', role: 'viewer', url: () => '/no-such-page', heading: /Page not found/ },
  { name: 'reports', role: 'viewer', url: () => '/reports', heading: /Reports/ },
  { name: 'report', role: 'viewer', url: () => '/reports/2', heading: /Monthly report 2026-10/ },
  { name: 'report-runs', role: 'admin', url: () => '/admin/report-runs', heading: /Report runs/ },
];

async function pageFor(role: (typeof PAGES)[number]['role']): Promise<Page> {
  if (role === 'anonymous') return (await h.browser.newContext()).newPage();
  return pages[role]!;
}

describe('every page in Chromium', () => {
  for (const p of PAGES) {
    it(`${p.name}: renders, has no WCAG 2.1 A/AA violations and valid HTML`, async () => {
      const page = await pageFor(p.role);
      const response = await page.goto(`${h.baseUrl}${p.url()}`);
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
