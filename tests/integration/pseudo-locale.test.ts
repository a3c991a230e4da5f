// Every page in the pseudo-locale en-XA (issue 14): each catalogue text comes out accented and bracketed, so plain
// English words left in a page's text or its readable attributes came from a template or code that bypassed the
// catalogues. User content (elements with dir="auto", <bdi>, textareas, option values typed by users), codes and
// the product name are excepted. The pages are those of the browser crawl plus their error states.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, csrfFrom, cookieJar, signIn, startTestApp, type TestApp } from '../helpers/app';
import { produceReport } from '../../src/reports/service';
import { parsePeriod } from '../../src/reports/periods';

let t: TestApp;
const jars: Record<string, string> = {};
let itemId = 0;
let reportId = 0;
let userId = 0;

beforeAll(async () => {
  t = await startTestApp({ seed: 'demo', config: { pseudoLocale: true } });
  await produceReport(t.db.kysely, { period: parsePeriod('monthly', '2026-10')!, trigger: 'test' });
  reportId = (await t.db.kysely.selectFrom('reports').select('id').orderBy('id', 'desc').executeTakeFirstOrThrow()).id;
  for (const role of ['viewer', 'evaluator', 'reviewer', 'admin'] as const) {
    const u = await addUser(t.db, role, role === 'admin' ? {} : { delegation: 'PAK' });
    if (role === 'viewer') userId = u.user.id;
    await t.db.kysely.updateTable('users').set({ locale: 'en-XA' }).where('id', '=', u.user.id).execute();
    jars[role] = (await signIn(t.app, u.email, u.password)).jar;
  }
  itemId = (await t.db.kysely.selectFrom('evidence').select('id').where('status', '=', 'verified').where('tlp', '=', 'GREEN').orderBy('id').executeTakeFirstOrThrow()).id;
});
afterAll(() => t?.close());

/** Words allowed in English: product, codes, formats and units that are the same in every language. */
const ALLOWED = new Set(
  [
    'pactwatch', 'TLP', 'CLEAR', 'GREEN', 'AMBER', 'STRICT', 'RED', 'JOINT', 'PAK', 'CHN', 'RUS', 'IRN', 'QUAD', 'API', 'CSV', 'JSON', 'PDF', 'SHA', 'UTC', 'ISO',
    'URL', 'HTTP', 'HTTPS', 'ISKP', 'TTP', 'BLA', 'TIP', 'ETIM', 'KiB', 'MiB', 'Idempotency', 'Key', 'Content', 'Length', 'Bearer', 'NATO', 'English',
  ].map((w) => w.toLowerCase()),
);

/** The page's own text: markup removed, user content and code-like runs dropped. */
function ownText(html: string): string[] {
  let s = html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(script|style|textarea|code|pre|kbd|samp)\b[\s\S]*?<\/\1>/gi, ' ');
  // user content: innermost dir="auto" elements and <bdi> (repeat to peel nested ones)
  for (let i = 0; i < 6; i += 1) {
    s = s.replace(/<bdi\b[^>]*>[^<]*<\/bdi>/gi, ' ').replace(/<(\w+)\b[^>]*\bdir="auto"[^>]*>(?:(?!<\1\b)[\s\S])*?<\/\1>/gi, ' ');
  }
  const words: string[] = [];
  // readable attributes
  for (const m of s.matchAll(/\b(?:title|aria-label|placeholder|alt|aria-description)="([^"]*)"/g)) words.push(m[1]);
  for (const m of s.matchAll(/<input\b[^>]*type="(?:submit|button|reset)"[^>]*value="([^"]*)"/g)) words.push(m[1]);
  const textOnly = s.replace(/<[^>]*>/g, '\n');
  words.push(...textOnly.split('\n'));
  return words
    .map((w) => w.replace(/&[a-z]+;|&#\d+;/g, ' ').replace(/⟦[^⟧]*⟧/g, ' '))
    .flatMap((w) => w.match(/[A-Za-z][A-Za-z'’]+/g) ?? [])
    // codes (BORDER, INTEL) are the same in every language
    .filter((w) => w.length > 1 && !/^[A-Z]+$/.test(w) && !ALLOWED.has(w.toLowerCase()));
}

const PAGES: [string, string][] = [
  ['anonymous', '/login'],
  ['anonymous', '/set-password?code=not-a-valid-code-at-all'],
  ['viewer', '/'],
  ['viewer', '/?perspective=PAK&as_of=2026-06-30&known_at=2026-07-01'],
  ['viewer', '/?perspective=CHN&as_of=2027-03-31'],
  ['viewer', '/perspectives'],
  ['viewer', '/benchmarks/INTEL-2'],
  ['viewer', '/benchmarks/BORDER-1?perspective=RUS'],
  ['viewer', '/pillars/DISRUPT'],
  ['viewer', '/groups/TTP'],
  ['viewer', '/methodology'],
  ['viewer', '/briefing'],
  ['viewer', '/briefing?perspective=PAK&as_of=2027-03-31'],
  ['viewer', '/evidence'],
  ['viewer', '/evidence?q=border&status=verified'],
  ['viewer', '/evidence/__ITEM__'],
  ['viewer', '/reports'],
  ['viewer', '/reports/__REPORT__'],
  ['viewer', '/account/tokens'],
  ['viewer', '/account/password'],
  ['viewer', '/no-such-page'],
  ['evaluator', '/evidence/new'],
  ['evaluator', '/evidence/import'],
  ['evaluator', '/evidence/__ITEM__/correct'],
  ['evaluator', '/evidence/export.csv'],
  ['reviewer', '/review'],
  ['reviewer', '/evidence/__ITEM__'],
  ['admin', '/admin/users'],
  ['admin', '/admin/users/__USER__'],
  ['admin', '/admin/security-log'],
  ['admin', '/admin/report-runs'],
];

const urlOf = (u: string) => u.replace('__ITEM__', String(itemId)).replace('__REPORT__', String(reportId)).replace('__USER__', String(userId));

async function page(role: string, url: string) {
  const headers: Record<string, string> = role === 'anonymous' ? {} : { cookie: jars[role] };
  if (role === 'anonymous') {
    // before sign-in the language is the session's choice, made with the switcher
    const first = await t.app.inject({ url: '/login' });
    const jar = cookieJar('', first);
    const chosen = await t.app.inject({ method: 'POST', url: '/locale', headers: { cookie: jar, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ _csrf: csrfFrom(first.body), locale: 'en-XA', next: url }).toString() });
    expect(chosen.statusCode).toBe(303);
    headers.cookie = cookieJar(jar, chosen);
  }
  return t.app.inject({ url, headers });
}

describe('every page in the pseudo-locale', () => {
  it.each(PAGES)('%s %s: no English outside user content and codes', async (role, rawUrl) => {
    const res = await page(role, urlOf(rawUrl));
    expect(res.statusCode).toBe(rawUrl.startsWith('/set-password') ? 400 : rawUrl === '/no-such-page' ? 404 : 200);
    if (rawUrl.endsWith('.csv')) {
      // the header's words went through the catalogue; the column names beside them are the format's
      const header = res.body.split('\r\n')[0].replace(/\([a-z_]+\)/g, '');
      expect(header.match(/[A-Za-z]{2,}/g)?.filter((w) => !ALLOWED.has(w.toLowerCase())) ?? []).toEqual([]);
      return;
    }
    expect(res.body).toContain('lang="en-XA"');
    const left = [...new Set(ownText(res.body))];
    expect(left, `English left on ${rawUrl}`).toEqual([]);
  });

  it('a form with errors speaks the pseudo-locale, field problems included', async () => {
    const form = await t.app.inject({ url: '/evidence/new', headers: { cookie: jars.evaluator } });
    const action = /<form method="post" action="([^"]+)" class="evidence-form"/.exec(form.body)![1];
    const formToken = /name="form_token" value="([^"]+)"/.exec(form.body)![1];
    const res = await t.app.inject({
      method: 'POST',
      url: action,
      headers: { cookie: jars.evaluator, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrfFrom(form.body), form_token: formToken, title: '', observed_on: 'not a date', finding_value_0: 'x', action: 'submit' }).toString(),
    });
    expect(res.statusCode).toBe(400);
    expect([...new Set(ownText(res.body))]).toEqual([]);
  });
});
