// Every page in every language (issue 14): the crawl of tests/e2e/pages.test.ts in en, zh-CN, ru, ur, fa and ps,
// by accounts whose language is set (users.locale) and, before sign-in, by browsers that ask for the language
// (Accept-Language). Per page: no WCAG 2.1 A/AA violations, valid HTML, <html lang> and dir of the locale, no
// sideways scrolling at desktop and phone widths, and screenshots of both. Then the header's language switcher:
// the choice shows at once, links keep it, and a choice made before sign-in is carried into the session.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { addUser } from '../helpers/app';
import { axeViolations, htmlErrors, screenshotPath, signInPage, startHarness, type Harness } from './harness';
import { PAGES, type PageIds, type PageRole } from './pages-list';

const LOCALES = [
  { code: 'en', dir: 'ltr' },
  { code: 'zh-CN', dir: 'ltr' },
  { code: 'ru', dir: 'ltr' },
  { code: 'ur', dir: 'rtl' },
  { code: 'fa', dir: 'rtl' },
  { code: 'ps', dir: 'rtl' },
] as const;
type LocaleCode = (typeof LOCALES)[number]['code'];

const WIDTHS = { desktop: { width: 1280, height: 900 }, phone: { width: 390, height: 844 } } as const;
/** pages shot whole in every locale; the others as far as the first screen shows */
const FULL_PAGE_SHOTS = new Set(['login', 'dashboard', 'benchmark', 'evidence-list', 'evidence-new', 'report', 'briefing']);
const ROLES = ['viewer', 'evaluator', 'reviewer', 'admin'] as const;
/** English pages are run through axe-core and html-validate by tests/e2e/pages.test.ts already */
const CHECKED_BY_PAGES_TEST: ReadonlySet<string> = new Set(['en']);
/** per page, in a run that shares two cores between the server, the tests and Chromium */
const PAGE_TIMEOUT_MS = 120_000;
const DELEGATION = { viewer: 'CHN', evaluator: 'PAK', reviewer: 'SEC', admin: 'SEC' } as const;

let h: Harness;
let ids: PageIds;
/** per locale and role: an account whose language is the locale */
const accounts = new Map<string, { email: string; password: string }>();

beforeAll(async () => {
  h = await startHarness();
  const row = await h.db.kysely.selectFrom('evidence').select('id').where('tlp', '=', 'GREEN').where('status', '=', 'verified').orderBy('id').executeTakeFirstOrThrow();
  ids = { evidenceId: row.id, viewerId: h.users.viewer.id };
  for (const { code } of LOCALES) {
    for (const role of ROLES) {
      const u = await addUser(h.db, role, { delegation: DELEGATION[role], email: `${role}.${code.toLowerCase()}@e2e.example.org` });
      await h.db.kysely.updateTable('users').set({ locale: code }).where('id', '=', u.user.id).execute();
      accounts.set(`${code}/${role}`, { email: u.email, password: u.password });
    }
  }
});
afterAll(() => h?.close());

async function rootOf(page: Page) {
  return page.evaluate(() => ({ lang: document.documentElement.lang, dir: document.documentElement.dir }));
}

interface Overflow {
  scrollWidth: number;
  clientWidth: number;
  /** element boxes past the edge the page scrolls to (right in ltr, left in rtl): the outermost, widest first */
  offenders: { selector: string; width: number; left: number; right: number }[];
  /** and the innermost (none of their children is past the edge), widest first */
  innermost: { selector: string; width: number; left: number; right: number }[];
  /** elements whose content spills out of their own box (when no box is past the edge: long text) */
  spills: { selector: string; width: number; contentWidth: number }[];
}

/** How far the page is wider than the window, and the elements that make it so. */
async function overflowOf(page: Page): Promise<Overflow> {
  return page.evaluate(() => {
    const root = document.documentElement;
    const clientWidth = root.clientWidth;
    const scrollWidth = root.scrollWidth;
    if (scrollWidth <= clientWidth + 1) return { scrollWidth, clientWidth, offenders: [], innermost: [], spills: [] };
    const rtl = getComputedStyle(root).direction === 'rtl';
    const selectorOf = (el: Element): string => {
      const parts: string[] = [];
      for (let e: Element | null = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
        const tag = e.tagName.toLowerCase();
        if (e.id) {
          parts.unshift(`${tag}#${e.id}`);
          break;
        }
        const classes = [...e.classList].slice(0, 2);
        parts.unshift(classes.length ? `${tag}.${classes.join('.')}` : tag);
      }
      return parts.join(' > ');
    };
    // inside a box that scrolls or clips sideways (a table wrapper), an element cannot widen the page
    const unclipped = (el: Element): boolean => {
      for (let a = el.parentElement; a && a !== document.body && a !== root; a = a.parentElement) {
        if (getComputedStyle(a).overflowX !== 'visible') return false;
      }
      return true;
    };
    const all = [...document.body.querySelectorAll('*')];
    const past = all
      .map((el) => ({ el, r: el.getBoundingClientRect() }))
      .filter(({ el, r }) => (rtl ? r.left < -1 : r.right > clientWidth + 1) && unclipped(el))
      .sort((a, b) => b.r.width - a.r.width);
    const pastSet = new Set(past.map(({ el }) => el));
    const shown = (list: typeof past) =>
      list.slice(0, 5).map(({ el, r }) => ({ selector: selectorOf(el), width: Math.round(r.width), left: Math.round(r.left), right: Math.round(r.right) }));
    const offenders = shown(past.filter(({ el }) => !pastSet.has(el.parentElement!)));
    const innermost = shown(past.filter(({ el }) => ![...el.children].some((c) => pastSet.has(c))));
    const spills = offenders.length
      ? []
      : all
          .filter((el) => el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0 && getComputedStyle(el).overflowX === 'visible' && unclipped(el))
          .sort((a, b) => b.scrollWidth - a.scrollWidth)
          .slice(0, 5)
          .map((el) => ({ selector: selectorOf(el), width: el.clientWidth, contentWidth: el.scrollWidth }));
    return { scrollWidth, clientWidth, offenders, innermost, spills };
  });
}

function describeOverflow(o: Overflow): string {
  const lines = [`the page is ${o.scrollWidth} px wide in a ${o.clientWidth} px window`];
  const list = (els: Overflow['offenders']) => els.map((e) => `  ${e.selector}: ${e.width} px wide (from x=${e.left} to x=${e.right})`);
  if (o.offenders.length) lines.push('widest elements past the edge:', ...list(o.offenders), 'innermost:', ...list(o.innermost));
  if (o.spills.length) lines.push('no element box is past the edge; content spilling out of:', ...o.spills.map((e) => `  ${e.selector}: ${e.contentWidth} px of content in ${e.width} px`));
  return lines.join('\n');
}

/** Chooses a language in the header's switcher and waits for the page it returns to. */
async function switchTo(page: Page, locale: LocaleCode) {
  await page.selectOption('#locale-select', locale);
  await Promise.all([page.waitForEvent('load'), page.click('.locale-switcher button[type=submit]')]);
}

/** Follows the first link in `scope` whose href matches, and waits for the page it leads to. */
async function follow(page: Page, scope: string, href: RegExp) {
  const hrefs = await page.$$eval(`${scope} a[href]`, (links) => links.map((a) => a.getAttribute('href') ?? ''));
  const target = hrefs.find((x) => href.test(x));
  expect(target, `a link in ${scope} to ${href}`).toBeDefined();
  await Promise.all([page.waitForURL(new URL(target!, page.url()).href), page.locator(`${scope} a[href="${target}"]`).first().click()]);
}

describe('the language switcher in the header', () => {
  it('signed in: the choice shows at once, on the page it was made on, is kept on the account, and links keep it', async () => {
    const u = await addUser(h.db, 'viewer', { delegation: 'CHN', email: 'switcher.account@e2e.example.org' });
    const page = await signInPage(h, u);
    await page.goto(`${h.baseUrl}/?perspective=PAK`);
    expect(await rootOf(page)).toEqual({ lang: 'en', dir: 'ltr' });

    await switchTo(page, 'ur');
    expect(page.url()).toBe(`${h.baseUrl}/?perspective=PAK`);
    expect(await rootOf(page)).toEqual({ lang: 'ur', dir: 'rtl' });
    expect(await page.inputValue('#locale-select')).toBe('ur');
    const account = await h.db.kysely.selectFrom('users').select('locale').where('id', '=', u.user.id).executeTakeFirstOrThrow();
    expect(account.locale).toBe('ur');

    // the navigation, then a link inside the page
    await follow(page, '.site-header nav', /^\/evidence$/);
    expect(await rootOf(page)).toEqual({ lang: 'ur', dir: 'rtl' });
    await follow(page, '.site-header nav', /^\/$/);
    await follow(page, 'main', /^\/benchmarks\/[A-Z]+-\d+/);
    expect(new URL(page.url()).pathname).toMatch(/^\/benchmarks\//);
    expect(await rootOf(page)).toEqual({ lang: 'ur', dir: 'rtl' });

    // another device, whose browser asks for Russian, gets the account's language
    const other = await signInPage(h, u);
    await other.context().setExtraHTTPHeaders({ 'Accept-Language': 'ru' });
    await other.goto(`${h.baseUrl}/methodology`);
    expect(await rootOf(other)).toEqual({ lang: 'ur', dir: 'rtl' });
    await other.context().close();

    // and back to a left-to-right language
    await switchTo(page, 'zh-CN');
    expect(await rootOf(page)).toEqual({ lang: 'zh-CN', dir: 'ltr' });
    await follow(page, '.site-header nav', /^\/perspectives$/);
    expect(await rootOf(page)).toEqual({ lang: 'zh-CN', dir: 'ltr' });
    await page.context().close();
  });

  it('before sign-in: the choice shows on the sign-in page and is carried into the session at sign-in', async () => {
    const u = await addUser(h.db, 'viewer', { delegation: 'CHN', email: 'switcher.session@e2e.example.org' });
    const context: BrowserContext = await h.browser.newContext({ viewport: WIDTHS.desktop, extraHTTPHeaders: { 'Accept-Language': 'en' } });
    const page = await context.newPage();
    await page.goto(`${h.baseUrl}/login`);
    expect(await rootOf(page)).toEqual({ lang: 'en', dir: 'ltr' });

    await switchTo(page, 'fa');
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(await rootOf(page)).toEqual({ lang: 'fa', dir: 'rtl' });
    expect(await page.inputValue('#locale-select')).toBe('fa');

    await page.fill('#email', u.email);
    await page.fill('#password', u.password);
    await Promise.all([page.waitForURL(`${h.baseUrl}/`), page.click('form[action^="/login"] button[type=submit]')]);
    expect(await rootOf(page)).toEqual({ lang: 'fa', dir: 'rtl' });
    expect(await page.inputValue('#locale-select')).toBe('fa');

    await follow(page, '.site-header nav', /^\/evidence$/);
    expect(await rootOf(page)).toEqual({ lang: 'fa', dir: 'rtl' });
    await follow(page, 'main', /^\/evidence\/\d+$/);
    expect(new URL(page.url()).pathname).toMatch(/^\/evidence\/\d+$/);
    expect(await rootOf(page)).toEqual({ lang: 'fa', dir: 'rtl' });

    // made before sign-in, the choice lives in the session; a choice on the dashboard then goes to the account
    const before = await h.db.kysely.selectFrom('users').select('locale').where('id', '=', u.user.id).executeTakeFirstOrThrow();
    expect(before.locale).toBeNull();
    await follow(page, '.site-header nav', /^\/$/);
    await switchTo(page, 'ps');
    expect(page.url()).toBe(`${h.baseUrl}/`);
    expect(await rootOf(page)).toEqual({ lang: 'ps', dir: 'rtl' });
    const after = await h.db.kysely.selectFrom('users').select('locale').where('id', '=', u.user.id).executeTakeFirstOrThrow();
    expect(after.locale).toBe('ps');
    await context.close();
  });
});

for (const locale of LOCALES) {
  describe(`every page in ${locale.code}`, () => {
    const contexts = new Map<PageRole, BrowserContext>();

    beforeAll(async () => {
      contexts.set('anonymous', await h.browser.newContext({ viewport: WIDTHS.desktop, extraHTTPHeaders: { 'Accept-Language': locale.code } }));
      for (const role of ROLES) contexts.set(role, (await signInPage(h, accounts.get(`${locale.code}/${role}`)!, WIDTHS.desktop)).context());
    });
    afterAll(async () => {
      for (const context of contexts.values()) await context.close();
    });

    for (const p of PAGES) {
      const checks = CHECKED_BY_PAGES_TEST.has(locale.code) ? 'lang and direction, no sideways scrolling' : 'lang and direction, no WCAG 2.1 A/AA violations, valid HTML, no sideways scrolling';
      it.concurrent(`${locale.code} ${p.name}: ${checks}`, async ({ expect }) => {
        const page = await contexts.get(p.role)!.newPage();
        try {
          const response = await page.goto(`${h.baseUrl}${p.url(ids)}`);
          expect(response).not.toBeNull();
          expect.soft(await rootOf(page), '<html lang dir>').toEqual({ lang: locale.code, dir: locale.dir });
          expect.soft(await page.inputValue('#locale-select'), 'language chosen in the switcher').toBe(locale.code);
          const heading = (await page.locator('h1').first().textContent()) ?? '';
          // the English headings are known; in other languages the page must still have one
          if (locale.code === 'en') expect.soft(heading, 'h1').toMatch(p.heading);
          else expect.soft(heading.trim(), 'h1').not.toBe('');
          // an object handed to a message instead of its text
          expect.soft(await page.evaluate(() => document.body.innerText.includes('[object Object]')), '"[object Object]" on the page').toBe(false);
          if (!CHECKED_BY_PAGES_TEST.has(locale.code)) {
            const violations = await axeViolations(page);
            expect.soft(violations, JSON.stringify(violations, null, 2)).toEqual([]);
            expect.soft(await htmlErrors(await response!.text()), 'html-validate').toEqual([]);
          }
          for (const [width, viewport] of Object.entries(WIDTHS)) {
            await page.setViewportSize(viewport);
            const overflow = await overflowOf(page);
            expect.soft(overflow.scrollWidth, `sideways scrolling at ${width} width (${viewport.width} px): ${describeOverflow(overflow)}`).toBeLessThanOrEqual(overflow.clientWidth + 1);
            await page.screenshot({ path: screenshotPath(`${locale.code}-${width}-${p.name}`), fullPage: FULL_PAGE_SHOTS.has(p.name) });
          }
        } finally {
          await page.close();
        }
      }, PAGE_TIMEOUT_MS);
    }
  });
}
