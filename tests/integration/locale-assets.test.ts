// Each locale's look, served by pactwatch itself (issue 14; air-gapped networks): /assets/locale/<locale>.css holds
// the locale's @font-face rules (Noto fonts from the @fontsource packages, the system's Noto fonts first), its body
// font and the strings printed in page margins and the demo watermark, translated; /assets/fonts/<family>/<file>.woff2
// serves exactly the font files of the whitelisted packages and nothing else. Pages in Persian are right to left,
// printed pages inline their locale's stylesheet, and no page or stylesheet points at another host.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, htmlAsPdf, signIn, startTestApp, type TestApp } from '../helpers/app';
import { produceReport } from '../../src/reports/service';
import { parsePeriod } from '../../src/reports/periods';
import { LOCALES } from '../../src/i18n/messages';

const NASKH_400 = '/assets/fonts/noto-naskh-arabic/noto-naskh-arabic-arabic-400-normal.woff2';

let t: TestApp;
let faJar = '';
let enJar = '';
let reportId = 0;

beforeAll(async () => {
  t = await startTestApp({ seed: 'framework', renderPdf: htmlAsPdf });
  const fa = await addUser(t.db, 'viewer', { delegation: 'PAK' });
  await t.db.kysely.updateTable('users').set({ locale: 'fa' }).where('id', '=', fa.user.id).execute();
  faJar = (await signIn(t.app, fa.email, fa.password)).jar;
  const en = await addUser(t.db, 'viewer', { delegation: 'PAK' });
  enJar = (await signIn(t.app, en.email, en.password)).jar;
  reportId = (await produceReport(t.db.kysely, { period: parsePeriod('monthly', '2026-10')!, trigger: 'test' })).report.id;
});
afterAll(() => t?.close());

const get = (url: string, jar = '') => t.app.inject({ url, headers: jar ? { cookie: jar } : {} });

/** The addresses a page or stylesheet makes the browser load or go to. */
function references(text: string): string[] {
  const found: string[] = [];
  for (const m of text.matchAll(/\b(?:href|src|srcset|action|poster|formaction|data)\s*=\s*"([^"]*)"/gi)) found.push(m[1]);
  for (const m of text.matchAll(/url\(\s*["']?([^"')]*)/gi)) found.push(m[1]);
  for (const m of text.matchAll(/@import\s+["']([^"']*)/gi)) found.push(m[1]);
  return found;
}
const external = (refs: string[]) => refs.filter((r) => /^(?:[a-z][a-z0-9+.-]*:)?\/\//i.test(r.trim()) && !/^mailto:/i.test(r));

describe('/assets/locale/<locale>.css', () => {
  it('gives Persian its Naskh fonts (system font first, then ours), its body font and translated print strings', async () => {
    const res = await get('/assets/locale/fa.css');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/css; charset=utf-8');
    const css = res.body;
    expect(css).toContain('@font-face');
    expect(css).toMatch(/font-family: "pactwatch Naskh";[\s\S]*?font-display: swap;[\s\S]*?src: local\("Noto Naskh Arabic"\),[^;]*url\(\/assets\/fonts\/noto-naskh-arabic\/noto-naskh-arabic-arabic-400-normal\.woff2\) format\("woff2"\);\s*unicode-range: U\+0600-06FF/);
    expect(css).toMatch(/:root \{ font-family: "pactwatch Naskh", system-ui, [^;]*, Arial, "Noto Naskh Arabic", sans-serif; line-height: 1.7; \}/);
    // the printed page: legend and page number translated, in Persian digits, on mirrored sides; the watermark
    expect(css).toContain('@bottom-left { content: "صفحه " counter(page, persian) " از " counter(pages, persian);');
    expect(css).toContain('@bottom-right { content: "● منطبق  ◕ عمدتاً منطبق  ◑ تا حدی منطبق  ○ نامنطبق  (خط‌چین: شواهد ناکافی)";');
    expect(css).toContain('body.demo::before, body:has(.demo-banner)::before { content: "داده‌های نمایشی"; }');
    expect(css).not.toMatch(/compliant|ILLUSTRATIVE|page " counter/);
  });

  it('keeps English as app.css has it: no fonts of its own, the same print strings', async () => {
    const css = (await get('/assets/locale/en.css')).body;
    expect(css).not.toContain('@font-face');
    expect(css).not.toContain('font-family');
    expect(css).toContain('@bottom-left { content: "● compliant  ◕ largely compliant  ◑ partially compliant  ○ non-compliant  (dashed: insufficient evidence)"; font: 7pt sans-serif; }');
    expect(css).toContain('@bottom-right { content: "page " counter(page) " of " counter(pages); font: 7pt sans-serif; }');
    expect(css).toContain('content: "ILLUSTRATIVE DEMO DATA";');
    const app = (await get('/assets/app.css')).body;
    expect(app).toContain('content: "page " counter(page) " of " counter(pages); font: 7pt sans-serif;');
  });

  it('splits Chinese into the fontsource slices (a page loads only those it uses) and Urdu reads in Nastaliq', async () => {
    const zh = (await get('/assets/locale/zh-CN.css')).body;
    const faces = zh.match(/@font-face \{[^}]*\}/g) ?? [];
    expect(faces.length).toBeGreaterThan(50);
    for (const face of faces) {
      expect(face).toMatch(/src: local\("Noto Sans CJK SC"\)|src: local\("Noto Sans CJK SC Bold"\)/);
      expect(face).toMatch(/unicode-range: U\+[0-9a-fA-F]/);
      expect(face).toMatch(/url\(\/assets\/fonts\/noto-sans-sc\/noto-sans-sc-\d+-(400|700)-normal\.woff2\)/);
    }
    expect(zh).toContain('content: "第 " counter(page) " 页，共 " counter(pages) " 页"');
    const ur = (await get('/assets/locale/ur.css')).body;
    expect(ur).toMatch(/src: local\("Noto Nastaliq Urdu"\)/);
    expect(ur).toMatch(/:root \{ font-family: "pactwatch Nastaliq", "pactwatch Naskh", system-ui, [^;]*, "Noto Nastaliq Urdu", "Noto Naskh Arabic", sans-serif; line-height: 2; \}/);
  });

  it('names only font files the font route serves', async () => {
    for (const locale of LOCALES) {
      const css = (await get(`/assets/locale/${locale}.css`)).body;
      const urls = [...new Set([...css.matchAll(/url\(([^)]*)\)/g)].map((m) => m[1]))];
      // every Arabic-script file, and a sample of the Chinese slices (all would be ~40 MB)
      for (const url of urls.filter((_, i) => i < 12 || i % 25 === 0)) {
        const res = await get(url);
        expect(res.statusCode, url).toBe(200);
        expect(res.headers['content-type']).toBe('font/woff2');
      }
    }
  });

  it('is 404 for a locale we do not have', async () => {
    // (a path no route matches sends a signed-out visitor to sign in: 303; signed in, it is 404 too)
    for (const url of ['/assets/locale/xx.css', '/assets/locale/EN.css', '/assets/locale/fa.js', '/assets/locale/..%2Fapp.css', '/assets/locale/en-XA.css']) {
      expect((await get(url, enJar)).statusCode, url).toBe(404);
      expect([303, 404], url).toContain((await get(url)).statusCode);
    }
  });
});

describe('app.css, right to left', () => {
  it('lays out with logical properties (start and end, not left and right), so rtl pages mirror', async () => {
    const css = (await get('/assets/app.css')).body;
    expect(css).not.toMatch(/(?:margin|padding|border)-(?:left|right)\b|text-align:\s*(?:left|right)|float:\s*(?:left|right)|(?<![-\w])(?:left|right):\s*-/);
    expect(css).toContain('.num { text-align: end;');
    expect(css).toContain('.key-findings { border-inline-start: 4px solid var(--accent);');
    // charts: time runs right to left, texts upright
    expect(css).toContain('[dir="rtl"] .sparkline, [dir="rtl"] .score-chart { transform: scaleX(-1); direction: ltr; }');
    expect(css).toContain('[dir="rtl"] .score-chart text { transform: scaleX(-1); transform-box: fill-box; transform-origin: center; }');
  });
});

describe('/assets/fonts/<family>/<file>.woff2', () => {
  it('serves a woff2 file as font/woff2, cached for a long time, to anyone', async () => {
    const res = await get(NASKH_400);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('font/woff2');
    expect(res.headers['cache-control']).toMatch(/max-age=31536000/);
    expect(res.rawPayload.subarray(0, 4).toString('latin1')).toBe('wOF2');
  });

  it('refuses other files, other families and paths that climb out (404)', async () => {
    const refused = [
      '/assets/fonts/noto-naskh-arabic/..%2F..%2F..%2Fpackage.json',
      '/assets/fonts/noto-naskh-arabic/..%2Fpackage.json',
      '/assets/fonts/noto-naskh-arabic/%2E%2E%2FLICENSE',
      '/assets/fonts/noto-naskh-arabic/../noto-naskh-arabic/files/noto-naskh-arabic-arabic-400-normal.woff2',
      '/assets/fonts/..%2Fnoto-naskh-arabic/noto-naskh-arabic-arabic-400-normal.woff2',
      '/assets/fonts/noto-naskh-arabic/noto-naskh-arabic-arabic-400-normal.woff',
      '/assets/fonts/noto-naskh-arabic/NOTO-NASKH-ARABIC-ARABIC-400-NORMAL.woff2',
      '/assets/fonts/noto-naskh-arabic/no-such-font.woff2',
      '/assets/fonts/noto-naskh-arabic/index.css',
      '/assets/fonts/noto-naskh-arabic/package.json',
      '/assets/fonts/noto-sans/noto-sans-latin-400-normal.woff2',
      '/assets/fonts/constructor/x.woff2',
      '/assets/fonts/__proto__/x.woff2',
      '/assets/fonts/noto-naskh-arabic/files',
    ];
    for (const url of refused) {
      const res = await get(url, enJar);
      expect(res.statusCode, url).toBe(404);
      expect(res.headers['content-type'] ?? '', url).not.toMatch(/font/);
      const anonymous = await get(url);
      expect([303, 404], url).toContain(anonymous.statusCode);
      expect(anonymous.headers['content-type'] ?? '', url).not.toMatch(/font/);
    }
    // a NUL in a path is refused before any route (400)
    expect((await get('/assets/fonts/noto-naskh-arabic/noto-naskh-arabic-arabic-400-normal.woff2%00.css', enJar)).statusCode).toBe(400);
    // a file of another whitelisted family, under the wrong family
    expect((await get('/assets/fonts/noto-sans-sc/noto-naskh-arabic-arabic-400-normal.woff2')).statusCode).toBe(404);
  });
});

describe('pages for a Persian reader', () => {
  it('are right to left, in Persian, and link the Persian stylesheet', async () => {
    const page = await get('/', faJar);
    expect(page.statusCode).toBe(200);
    expect(page.body).toMatch(/<html lang="fa" dir="rtl">/);
    expect(page.body).toContain('<link rel="stylesheet" href="/assets/locale/fa.css">');
    const en = await get('/', enJar);
    expect(en.body).toMatch(/<html lang="en" dir="ltr">/);
    expect(en.body).toContain('<link rel="stylesheet" href="/assets/locale/en.css">');
  });

  it('print to PDF with the locale inlined: lang, dir and its stylesheet', async () => {
    const briefing = await get('/briefing.pdf?perspective=PAK', faJar);
    expect(briefing.statusCode).toBe(200);
    const html = briefing.rawPayload.toString('utf8');
    expect(html).toMatch(/<html lang="fa" dir="rtl">/);
    expect(html).toContain('local("Noto Naskh Arabic")');
    expect(html).toContain('content: "صفحه " counter(page, persian)');
    const report = await get(`/reports/${reportId}.pdf`, faJar);
    expect(report.statusCode).toBe(200);
    const reportHtml = report.rawPayload.toString('utf8');
    expect(reportHtml).toMatch(/<html lang="fa" dir="rtl">/);
    expect(reportHtml).toContain('content: "داده‌های نمایشی"');
    const english = (await get('/briefing.pdf?perspective=PAK', enJar)).rawPayload.toString('utf8');
    expect(english).toMatch(/<html lang="en" dir="ltr">/);
    expect(english).not.toContain('@font-face');
  });
});

describe('nothing from another host', () => {
  it('no stylesheet names another host or imports anything', async () => {
    for (const url of ['/assets/app.css', ...LOCALES.map((l) => `/assets/locale/${l}.css`)]) {
      const css = (await get(url)).body;
      expect(css, url).not.toMatch(/https?:|@import|\/\/[a-z0-9]/i);
    }
  });

  it('no page links, loads or posts to another host', async () => {
    const pages = ['/', '/perspectives', '/evidence', '/reports', `/reports/${reportId}`, '/methodology', '/briefing?perspective=PAK', '/account/tokens', '/benchmarks/BORDER-1'];
    for (const jar of [faJar, enJar]) {
      for (const url of pages) {
        const res = await get(url, jar);
        expect(res.statusCode, url).toBe(200);
        expect(external(references(res.body)), url).toEqual([]);
      }
    }
    const login = await get('/login');
    expect(external(references(login.body))).toEqual([]);
  });
});
