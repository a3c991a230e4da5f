// Browser test harness: a real pactwatch server on a free port with the demo data, users of every role,
// and headless Chromium (Debian's package) driven by playwright-core.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type Browser, type Page } from 'playwright-core';
import { HtmlValidate } from 'html-validate';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app';
import { openTestDb, closeTestDb } from '../helpers/db';
import { addUser, testConfig } from '../helpers/app';
import type { Db } from '../../src/db/connect';
import { produceReport } from '../../src/reports/service';
import { parsePeriod } from '../../src/reports/periods';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENSHOTS = path.resolve('screenshots');

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface Harness {
  app: FastifyInstance;
  db: Db;
  baseUrl: string;
  browser: Browser;
  users: Record<'viewer' | 'evaluator' | 'reviewer' | 'admin', { email: string; password: string; id: number }>;
  close(): Promise<void>;
}

export async function startHarness(): Promise<Harness> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pactwatch-e2e-'));
  const db = await openTestDb(path.join(dir, 'e2e.db'), { seed: 'demo' });
  await produceReport(db.kysely, { period: parsePeriod('monthly', '2026-09')!, trigger: 'test' });
  await produceReport(db.kysely, { period: parsePeriod('monthly', '2026-10')!, trigger: 'test' });
  const app = await buildApp({ db, config: testConfig({ sessionSecret: 'e2e-secret-that-is-long-enough-0123456789' }) });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const users = {} as Harness['users'];
  for (const [role, delegation] of [['viewer', 'CHN'], ['evaluator', 'PAK'], ['reviewer', 'SEC'], ['admin', 'SEC']] as const) {
    const u = await addUser(db, role, { delegation, email: `${role}@e2e.example.org` });
    users[role] = { email: u.email, password: u.password, id: u.user.id };
  }
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    app,
    db,
    baseUrl: `http://127.0.0.1:${port}`,
    browser,
    users,
    async close() {
      await browser.close();
      await app.close();
      await closeTestDb(db);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A page in a fresh browser context, signed in as one of the harness's users or as the account given. */
export async function signInPage(
  h: Harness,
  who: keyof Harness['users'] | { email: string; password: string },
  viewport = { width: 1280, height: 900 },
): Promise<Page> {
  const account = typeof who === 'string' ? h.users[who] : who;
  const context = await h.browser.newContext({ viewport });
  const page = await context.newPage();
  await page.goto(`${h.baseUrl}/login`);
  await page.fill('#email', account.email);
  await page.fill('#password', account.password);
  // the sign-in form's button (the header's language switcher has one too)
  await Promise.all([page.waitForURL(`${h.baseUrl}/`), page.click('form[action^="/login"] button[type=submit]')]);
  return page;
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; html: string }[];
}

/** axe-core with the WCAG 2.1 A and AA rules; evaluated through the DevTools protocol, so the page's CSP stays on. */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: AxeViolation[] }> } }).axe;
    // passes and incomplete results are not needed: leaving them out saves much of axe's time on big pages
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => ({ target: n.target, html: n.html.slice(0, 200) })) }));
  });
}

const validator = new HtmlValidate({ extends: ['html-validate:standard'] });

export async function htmlErrors(html: string): Promise<string[]> {
  const report = await validator.validateString(html);
  return report.results.flatMap((r) => r.messages.filter((m) => m.severity === 2).map((m) => `${m.ruleId} line ${m.line}: ${m.message}`));
}

export function screenshotPath(name: string): string {
  return path.join(SCREENSHOTS, `${name.replace(/[^a-z0-9-]+/gi, '_')}.png`);
}
