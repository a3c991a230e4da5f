// Nobody loses what they typed (issue 10.4): an evidence form posted after its session expired is kept on the
// server for the user that session belonged to, in that browser, for 30 minutes; after signing in again that user
// lands on the form filled in, once, and saves it themselves. Nobody else, and no other browser, ever gets it.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { addUser, cookieJar, csrfFrom, manualClock, signIn, startTestApp, type TestApp } from '../helpers/app';
import { createEvidence } from '../../src/evidence/service';
import { onPostgres } from '../helpers/db';

const TYPED = {
  title: 'Convoy stopped at Ghulam Khan after a long afternoon of typing',
  summary: 'Three hours of notes that must not be lost.',
  source: 'Liaison officer',
  observed_on: '2026-05-02',
  source_reliability: 'C',
  credibility: '3',
  tlp: 'AMBER',
  groups: ['TTP', 'BLA'],
  finding_benchmark_0: 'BORDER-1',
  finding_stance_0: '-1',
};

type Browser = { jar: string };

describe(`forms kept across an expired session (${onPostgres ? 'PostgreSQL' : 'SQLite'})`, () => {
  let t: TestApp;
  const time = manualClock('2026-05-02T08:00:00.000Z');
  const people = {} as Record<'alice' | 'bob' | 'viewer', { id: number; email: string; password: string }>;

  beforeAll(async () => {
    t = await startTestApp({ seed: 'framework', clock: time.clock, config: { sessionIdleMinutes: 30, sessionMaxHours: 8 } });
    for (const [key, role] of [['alice', 'evaluator'], ['bob', 'evaluator'], ['viewer', 'viewer']] as const) {
      const u = await addUser(t.db, role, { delegation: 'PAK' });
      people[key] = { id: u.user.id, email: u.email, password: u.password };
    }
  });
  afterAll(() => t.close());

  /** Signs in through the pages of this browser (keeping its other cookies), following `next` like a browser. */
  async function signInHere(browser: Browser, who: keyof typeof people, next = '/') {
    const page = await t.app.inject({ url: `/login?next=${encodeURIComponent(next)}`, headers: { cookie: browser.jar } });
    browser.jar = cookieJar(browser.jar, page);
    const res = await t.app.inject({
      method: 'POST',
      url: '/login',
      headers: { cookie: browser.jar, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ email: people[who].email, password: people[who].password, next, _csrf: csrfFrom(page.body) }).toString(),
    });
    expect(res.statusCode).toBe(303);
    browser.jar = cookieJar(browser.jar, res);
    return { loginPage: page, location: String(res.headers.location) };
  }

  async function open(browser: Browser, path: string) {
    const page = await t.app.inject({ url: path, headers: { cookie: browser.jar } });
    browser.jar = cookieJar(browser.jar, page);
    return page;
  }

  /** Posts the evidence form with the CSRF token of a page opened earlier (the expired session's). */
  async function post(browser: Browser, path: string, csrf: string, fields: Record<string, string | string[]>, headers: Record<string, string> = {}) {
    const body = new URLSearchParams({ _csrf: csrf });
    for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
    const res = await t.app.inject({ method: 'POST', url: path, headers: { cookie: browser.jar, 'content-type': 'application/x-www-form-urlencoded', ...headers }, payload: body.toString() });
    browser.jar = cookieJar(browser.jar, res);
    return res;
  }

  /** A browser where `who` opened the form at `path`, then went quiet until the session expired. */
  async function expiredWhileTyping(who: keyof typeof people, path = '/evidence/new') {
    const browser: Browser = { jar: (await signIn(t.app, people[who].email, people[who].password)).jar };
    const form = await open(browser, path);
    time.advance(31 * 60_000);
    return { browser, csrf: csrfFrom(form.body) };
  }

  const itemsOf = async (who: keyof typeof people) => (await t.db.kysely.selectFrom('evidence').select('id').where('created_by', '=', people[who].id).execute()).length;
  const keptFor = async (who: keyof typeof people) => (await t.db.kysely.selectFrom('saved_forms').select('id').where('user_id', '=', people[who].id).execute()).length;
  const restored = (page: LightMyRequestResponse) => page.body.includes('Your unsaved form was restored; check it and save');
  const keptCookie = (res: LightMyRequestResponse) => res.cookies.find((c) => c.name === 'pactwatch_saved_form');

  it('keeps the form of an expired session, sends the user to sign in, and lands them on the filled form once', async () => {
    const items = await itemsOf('alice');
    const { browser, csrf } = await expiredWhileTyping('alice');
    const res = await post(browser, '/evidence/new', csrf, TYPED);
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/login?next=%2Fevidence%2Fnew');
    const cookie = keptCookie(res)!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    // only a hash of the browser's id is stored, with the text fields typed and nothing else
    const row = await t.db.kysely.selectFrom('saved_forms').selectAll().where('user_id', '=', people.alice.id).executeTakeFirstOrThrow();
    expect(row.id).not.toBe(cookie.value);
    expect(JSON.parse(row.fields)).toEqual(TYPED);
    expect(row.path).toBe('/evidence/new');
    expect(await itemsOf('alice')).toBe(items);

    const { loginPage, location } = await signInHere(browser, 'alice', '/evidence/new');
    expect(loginPage.body).toContain('Your session had expired, so nothing was saved');
    expect(location).toBe('/evidence/new');
    const form = await open(browser, location);
    expect(form.statusCode).toBe(200);
    expect(restored(form)).toBe(true);
    expect(form.body).toContain(`value="${TYPED.title}"`);
    expect(form.body).toContain(`>${TYPED.summary}</textarea>`);
    expect(form.body).toMatch(/value="BLA" checked/);
    expect(form.body).toMatch(/<option value="C" selected>/);
    // restored, not saved: saving is for the user to do
    expect(await itemsOf('alice')).toBe(items);
    expect(await keptFor('alice')).toBe(0);
    expect(restored(await open(browser, '/evidence/new'))).toBe(false);

    const saved = await post(browser, '/evidence/new', csrfFrom(form.body), { ...TYPED, form_token: /name="form_token" value="([^"]+)"/.exec(form.body)![1], action: 'draft' });
    expect(saved.statusCode).toBe(303);
    expect(await itemsOf('alice')).toBe(items + 1);
  });

  it('never restores it for another user signing in on the same browser, nor in another browser of the same user', async () => {
    const { browser, csrf } = await expiredWhileTyping('alice');
    await post(browser, '/evidence/new', csrf, TYPED);
    await signInHere(browser, 'bob', '/evidence/new');
    const bobs = await open(browser, '/evidence/new');
    expect(bobs.statusCode).toBe(200);
    expect(restored(bobs)).toBe(false);
    expect(bobs.body).not.toContain(TYPED.title);
    expect(await keptFor('alice')).toBe(1);

    const elsewhere: Browser = { jar: (await signIn(t.app, people.alice.email, people.alice.password)).jar };
    expect(restored(await open(elsewhere, '/evidence/new'))).toBe(false);
    expect(await keptFor('alice')).toBe(1);

    // the form stays for its user in its browser
    await t.app.inject({ method: 'POST', url: '/logout', headers: { cookie: browser.jar, 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${encodeURIComponent(csrfFrom(bobs.body))}` });
    await signInHere(browser, 'alice', '/evidence/new');
    expect(restored(await open(browser, '/evidence/new'))).toBe(true);
  });

  it('forgets a kept form after 30 minutes', async () => {
    const { browser, csrf } = await expiredWhileTyping('alice');
    expect((await post(browser, '/evidence/new', csrf, TYPED)).statusCode).toBe(303);
    expect(await keptFor('alice')).toBe(1);
    time.advance(31 * 60_000);
    await signInHere(browser, 'alice', '/evidence/new');
    const form = await open(browser, '/evidence/new');
    expect(restored(form)).toBe(false);
    expect(form.body).not.toContain(TYPED.title);
    expect(await keptFor('alice')).toBe(0);
  });

  it('restores a draft edit on its own form only, also after the absolute session limit', async () => {
    const draft = await createEvidence(t.db.kysely, (await t.db.kysely.selectFrom('users').selectAll().where('id', '=', people.alice.id).executeTakeFirstOrThrow()), null,
      { title: 'Draft before the edit', observed_on: '2026-05-01', source_reliability: 'B', credibility: 2, findings: [{ benchmark: 'BORDER-1', stance: 1 }] }, { submit: false });
    const path = `/evidence/${draft.id}/edit`;
    const browser: Browser = { jar: (await signIn(t.app, people.alice.email, people.alice.password)).jar };
    // active all along (every 29 minutes for 7 h 44 min), then past the 8-hour limit
    for (let i = 0; i < 16; i += 1) {
      time.advance(29 * 60_000);
      expect((await open(browser, '/evidence')).statusCode, `after ${(i + 1) * 29} minutes`).toBe(200);
    }
    const form = await open(browser, path);
    time.advance(25 * 60_000);
    const res = await post(browser, path, csrfFrom(form.body), { ...TYPED, title: 'Edited after eight hours' });
    expect(res.headers.location).toBe(`/login?next=${encodeURIComponent(path)}`);
    await signInHere(browser, 'alice', path);
    expect(restored(await open(browser, '/evidence/new'))).toBe(false);
    const edit = await open(browser, path);
    expect(restored(edit)).toBe(true);
    expect(edit.body).toContain('value="Edited after eight hours"');
    expect((await t.db.kysely.selectFrom('evidence').select('title').where('id', '=', draft.id).executeTakeFirstOrThrow()).title).toBe('Draft before the edit');
  });

  it('keeps at most three forms per user, and none for a cross-site post, a user not allowed the form, or no session', async () => {
    // five browsers whose sessions expire at the same moment, posting one after the other
    const browsers: { browser: Browser; csrf: string }[] = [];
    for (let i = 0; i < 5; i += 1) {
      const browser: Browser = { jar: (await signIn(t.app, people.bob.email, people.bob.password)).jar };
      browsers.push({ browser, csrf: csrfFrom((await open(browser, '/evidence/new')).body) });
    }
    time.advance(31 * 60_000);
    for (const [i, { browser, csrf }] of browsers.entries()) {
      expect((await post(browser, '/evidence/new', csrf, { ...TYPED, title: `Form ${i}` })).statusCode).toBe(303);
      time.advance(1_000);
    }
    const kept = await t.db.kysely.selectFrom('saved_forms').select('fields').where('user_id', '=', people.bob.id).execute();
    expect(kept.map((k) => JSON.parse(k.fields).title).sort()).toEqual(['Form 2', 'Form 3', 'Form 4']);

    const before = await t.db.kysely.selectFrom('saved_forms').select('id').execute();
    for (const headers of [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { origin: 'null' }] as Record<string, string>[]) {
      const { browser, csrf } = await expiredWhileTyping('alice');
      const res = await post(browser, '/evidence/new', csrf, TYPED, headers);
      expect(res.statusCode, JSON.stringify(headers)).toBe(401);
      expect(keptCookie(res)).toBeUndefined();
    }
    // a browser whose session expired can sign in again at once from the sign-in page
    const returning = await expiredWhileTyping('alice');
    expect((await signInHere(returning.browser, 'alice')).location).toBe('/');

    const { browser, csrf } = await expiredWhileTyping('viewer');
    expect((await post(browser, '/evidence/new', csrf, TYPED)).statusCode).toBe(401);
    expect((await post({ jar: '' }, '/evidence/new', 'no-session', TYPED)).statusCode).toBe(401);
    expect(await t.db.kysely.selectFrom('saved_forms').select('id').execute()).toEqual(before);
  });
});
