// Where sign-in sends the browser afterwards: only to a path of this site, judged after the URL is normalised
// (dot segments resolved), on every path that uses it: GET /login when signed in, POST /login, and the redirect
// of an anonymous page request to /login.

import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, cookieJar, csrfFrom, signIn, startTestApp, type TestApp } from '../helpers/app';
import { safeNext } from '../../src/plugins/auth';

// inputs from the outside security test (9.7) and their relatives
const ESCAPES = [
  '/.//evil.example/phish',
  '/a/..//evil.example',
  '/a/b/../..//evil.example',
  '/..//evil.example',
  '/%2e//evil.example',
  '/%2E%2E//evil.example',
  '/a/%2e%2e//evil.example',
  '/%2e/%2fevil',
  '/./\\evil.example',
  '/.\\/evil.example',
  '/\t/evil.example',
  '/.\t//evil.example',
  '/\n/evil.example',
  '/.\r\n//evil.example',
  '//evil.example',
  '/\\evil.example',
  'https://evil.example/',
  'javascript:alert(1)',
];

const SAME_SITE = /^\/(?![/\\])/;
const ORIGIN = 'https://pactwatch.example';

/** What a browser would do with the Location header, relative to the page it came from. */
const resolved = (location: string) => new URL(location, `${ORIGIN}/login?next=x`);

describe('safeNext', () => {
  // regression test for finding 9.7: "/.//evil.example/phish" normalised to "//evil.example/phish"
  it('never yields a path that leaves the site, for the reported inputs', () => {
    for (const input of ESCAPES) {
      const next = safeNext(input);
      expect(next, JSON.stringify(input)).toMatch(SAME_SITE);
      expect(resolved(next).origin, JSON.stringify(input)).toBe(ORIGIN);
    }
    expect(safeNext('/.//evil.example/phish')).toBe('/');
    expect(safeNext('/a/..//evil.example')).toBe('/');
  });

  it('keeps ordinary paths with their query and fragment', () => {
    expect(safeNext('/evidence?status=submitted&q=a%20b#top')).toBe('/evidence?status=submitted&q=a%20b#top');
    expect(safeNext('/reports/3')).toBe('/reports/3');
    expect(safeNext('/a/../evidence')).toBe('/evidence');
    expect(safeNext('/evidence?next=//evil.example')).toBe('/evidence?next=//evil.example');
  });

  // regression test for finding 9.7 (property): any input gives "/" + (nothing, or not "/" or "\"), on this origin
  it('always answers a same-origin path, whatever the input', () => {
    const piece = fc.constantFrom(
      '/', '//', '\\', '.', '..', '%2e', '%2E', '%2e%2e', '%2f', '%2F', '%5c', '%5C', '%09', '%0a', '%00', '\t', '\n', '\r', '\u0000', ' ',
      'evil.example', 'a', 'login', '?', '#', '@', ':', 'http:', 'https:', 'javascript:', '&', '=', ';', '%', '\u3002', '\uff0f', '\u2215', 'é',
    );
    const input = fc.oneof(
      fc.array(piece, { maxLength: 12 }).map((p) => p.join('')),
      fc.array(piece, { maxLength: 12 }).map((p) => `/${p.join('')}`),
      fc.string({ maxLength: 30 }),
      fc.string({ unit: 'binary', maxLength: 30 }).map((s) => `/${s}`),
    );
    fc.assert(
      fc.property(input, (raw) => {
        const next = safeNext(raw);
        expect(next).toMatch(SAME_SITE);
        expect(next).not.toMatch(/[\\\u0000-\u001f\u007f]/);
        expect(resolved(next).origin).toBe(ORIGIN);
        expect(new URL(next, 'http://other.invalid/deep/page').host).toBe('other.invalid');
        // what it says is what a browser requests: stable under another normalisation
        expect(safeNext(next)).toBe(next);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('redirects around sign-in', () => {
  let t: TestApp;
  let user: { email: string; password: string };
  let jar: string;

  beforeAll(async () => {
    t = await startTestApp({ seed: 'framework' });
    user = await addUser(t.db, 'viewer', { delegation: 'PAK' });
    jar = (await signIn(t.app, user.email, user.password)).jar;
  });
  afterAll(() => t.close());

  // regression test for finding 9.7: signed in, GET /login?next=/.//evil.example/phish answered Location //evil.example/phish
  it('sends a signed-in user who opens /login to this site only', async () => {
    for (const input of ESCAPES) {
      const res = await t.app.inject({ url: `/login?next=${encodeURIComponent(input)}`, headers: { cookie: jar } });
      expect(res.statusCode, JSON.stringify(input)).toBe(303);
      expect(String(res.headers.location), JSON.stringify(input)).toMatch(SAME_SITE);
      expect(resolved(String(res.headers.location)).origin).toBe(ORIGIN);
    }
  });

  it('offers only a same-site next on the sign-in form, and goes there after signing in', async () => {
    const page = await t.app.inject({ url: `/login?next=${encodeURIComponent('/.//evil.example/phish')}` });
    expect(page.body).toContain('name="next" value="/"');
    const res = await t.app.inject({
      method: 'POST',
      url: '/login',
      headers: { cookie: cookieJar('', page), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ email: user.email, password: user.password, next: '/a/..//evil.example', _csrf: csrfFrom(page.body) }).toString(),
    });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/');
  });

  it('returns from the language switcher to this site only, signed in or not', async () => {
    const page = await t.app.inject({ url: '/login' });
    const anonymous = { cookie: cookieJar('', page), csrf: csrfFrom(page.body) };
    const home = await t.app.inject({ url: '/', headers: { cookie: jar } });
    const signedIn = { cookie: jar, csrf: csrfFrom(home.body) };
    for (const who of [anonymous, signedIn]) {
      for (const input of ESCAPES) {
        const res = await t.app.inject({
          method: 'POST',
          url: '/locale',
          headers: { cookie: who.cookie, 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ locale: 'fa', next: input, _csrf: who.csrf }).toString(),
        });
        expect(res.statusCode, JSON.stringify(input)).toBe(303);
        expect(String(res.headers.location), JSON.stringify(input)).toMatch(SAME_SITE);
        expect(resolved(String(res.headers.location)).origin).toBe(ORIGIN);
      }
    }
  });

  it('sends an anonymous page request to /login with a next that stays on the site', async () => {
    for (const url of ['/.//evil.example/phish', '/evidence/..//evil.example', '/evidence?status=submitted']) {
      const res = await t.app.inject({ url });
      expect(res.statusCode, url).toBe(303);
      const location = new URL(String(res.headers.location), ORIGIN);
      expect(location.pathname).toBe('/login');
      const next = location.searchParams.get('next')!;
      expect(next, url).toMatch(SAME_SITE);
      expect(resolved(next).origin).toBe(ORIGIN);
    }
  });
});
