import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, cookieJar, csrfFrom, manualClock, signIn, startTestApp, type TestApp } from '../helpers/app';

describe('sign-in, sessions and CSRF', () => {
  const time = manualClock('2026-06-01T08:00:00Z');
  let t: TestApp;
  let viewer: { email: string; password: string; user: { id: number } };

  beforeAll(async () => {
    t = await startTestApp({ seed: 'framework', clock: time.clock, config: { sessionIdleMinutes: 30, sessionMaxHours: 8 } });
    viewer = await addUser(t.db, 'viewer', { delegation: 'PAK' });
  });
  afterAll(() => t.close());

  it('answers /health without sign-in', async () => {
    const res = await t.app.inject({ url: '/health' });
    expect(res.statusCode).toBe(200);
    // the contract's {"status":"ok"}, plus which parts were checked
    expect(res.json()).toEqual({ status: 'ok', database: { read: 'ok', write: 'ok' } });
  });

  it('sends anonymous page requests to /login and API requests a 401', async () => {
    const page = await t.app.inject({ url: '/?perspective=PAK' });
    expect(page.statusCode).toBe(303);
    expect(page.headers.location).toBe('/login?next=%2F%3Fperspective%3DPAK');
    const api = await t.app.inject({ url: '/api/v1/scorecard' });
    expect(api.statusCode).toBe(401);
    expect(api.json().error.code).toBe('UNAUTHENTICATED');
  });

  it('refuses a wrong password and an unknown account with the same answer', async () => {
    const wrong = await signIn(t.app, viewer.email, 'not the password at all');
    const unknown = await signIn(t.app, 'nobody@example.org', 'not the password at all');
    expect(wrong.response.statusCode).toBe(401);
    expect(unknown.response.statusCode).toBe(401);
    const message = (body: string) => /<p class="error"[^>]*>([^<]+)</.exec(body)?.[1];
    expect(message(wrong.response.body)).toBe(message(unknown.response.body));
    expect(wrong.response.body).toContain(`value="${viewer.email}"`);
  });

  it('refuses a sign-in form without a valid CSRF token', async () => {
    const page = await t.app.inject({ url: '/login' });
    const jar = cookieJar('', page);
    for (const token of ['', 'forged-token', csrfFrom(page.body).replace(/.$/, 'x')]) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/login',
        headers: { cookie: jar, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ email: viewer.email, password: viewer.password, _csrf: token }).toString(),
      });
      expect(res.statusCode).toBe(403);
      expect(res.cookies.find((c) => c.name === 'pactwatch_session')).toBeUndefined();
    }
  });

  it('issues a new session id at sign-in and shows the dashboard', async () => {
    const { jar, response, preLoginJar } = await signIn(t.app, viewer.email, viewer.password);
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/');
    expect(jar).not.toBe(preLoginJar);
    const cookie = response.cookies.find((c) => c.name === 'pactwatch_session')!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Lax');
    // the pre-sign-in session does not become signed in
    const old = await t.app.inject({ url: '/', headers: { cookie: preLoginJar } });
    expect(old.statusCode).toBe(303);
    const dash = await t.app.inject({ url: '/', headers: { cookie: jar } });
    expect(dash.statusCode).toBe(200);
    expect(dash.body).toContain('Overall index');
    expect(dash.headers['cache-control']).toBe('no-store');
  });

  it('stores only a hash of the session id', async () => {
    const { jar } = await signIn(t.app, viewer.email, viewer.password);
    const sid = /pactwatch_session=([^.;]+)/.exec(jar)![1];
    const rows = await t.db.kysely.selectFrom('sessions').select('id').execute();
    expect(rows.some((r) => r.id === sid)).toBe(false);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(r.id))).toBe(true);
  });

  it('ends the session on the server at sign-out', async () => {
    const { jar } = await signIn(t.app, viewer.email, viewer.password);
    const dash = await t.app.inject({ url: '/', headers: { cookie: jar } });
    const noToken = await t.app.inject({ method: 'POST', url: '/logout', headers: { cookie: jar } });
    expect(noToken.statusCode).toBe(403);
    const out = await t.app.inject({
      method: 'POST',
      url: '/logout',
      headers: { cookie: jar, 'content-type': 'application/x-www-form-urlencoded' },
      payload: `_csrf=${encodeURIComponent(csrfFrom(dash.body))}`,
    });
    expect(out.statusCode).toBe(303);
    const after = await t.app.inject({ url: '/api/v1/scorecard', headers: { cookie: jar } });
    expect(after.statusCode).toBe(401);
  });

  it('expires an idle session and caps its absolute lifetime', async () => {
    const { jar } = await signIn(t.app, viewer.email, viewer.password);
    time.advance(29 * 60_000);
    expect((await t.app.inject({ url: '/api/v1/scorecard', headers: { cookie: jar } })).statusCode).toBe(200);
    time.advance(31 * 60_000);
    expect((await t.app.inject({ url: '/api/v1/scorecard', headers: { cookie: jar } })).statusCode).toBe(401);

    const second = await signIn(t.app, viewer.email, viewer.password);
    for (let i = 0; i < 17; i += 1) {
      time.advance(25 * 60_000);
      expect((await t.app.inject({ url: '/api/v1/scorecard', headers: { cookie: second.jar } })).statusCode).toBe(200);
    }
    time.advance(25 * 60_000); // 18 * 25 min = 7.5 h... still inside 8 h
    expect((await t.app.inject({ url: '/api/v1/scorecard', headers: { cookie: second.jar } })).statusCode).toBe(200);
    time.advance(31 * 60_000); // past 8 h since sign-in, though never idle for 30 min
    expect((await t.app.inject({ url: '/api/v1/scorecard', headers: { cookie: second.jar } })).statusCode).toBe(401);
  });

  it('ends the sessions of a disabled user at once', async () => {
    const { jar } = await signIn(t.app, viewer.email, viewer.password);
    await t.db.kysely.updateTable('users').set({ disabled_at: time.clock().toISOString() }).where('id', '=', viewer.user.id).execute();
    expect((await t.app.inject({ url: '/api/v1/scorecard', headers: { cookie: jar } })).statusCode).toBe(401);
    const again = await signIn(t.app, viewer.email, viewer.password);
    expect(again.response.statusCode).toBe(401);
    await t.db.kysely.updateTable('users').set({ disabled_at: null }).where('id', '=', viewer.user.id).execute();
  });

  it('sends security headers on every response', async () => {
    for (const url of ['/health', '/login', '/', '/assets/app.css', '/no-such-page']) {
      const res = await t.app.inject({ url });
      expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect(res.headers['content-security-policy']).not.toMatch(/unsafe-inline/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('same-origin');
    }
  });

  it('marks cookies Secure and sends HSTS over HTTPS behind a trusted proxy, and not for a forged header', async () => {
    const behindProxy = await startTestApp({ config: { trustProxy: '127.0.0.1' } });
    try {
      const u = await addUser(behindProxy.db, 'viewer');
      const page = await behindProxy.app.inject({ url: '/login', headers: { 'x-forwarded-proto': 'https' } });
      expect(page.headers['strict-transport-security']).toMatch(/max-age=\d+/);
      const res = await behindProxy.app.inject({
        method: 'POST',
        url: '/login',
        headers: { 'x-forwarded-proto': 'https', cookie: cookieJar('', page), 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ email: u.email, password: u.password, _csrf: csrfFrom(page.body) }).toString(),
      });
      expect(res.cookies.find((c) => c.name === 'pactwatch_session')?.secure).toBe(true);
    } finally {
      await behindProxy.close();
    }
    // no trusted proxy: a client claiming https gets neither
    const forged = await t.app.inject({ url: '/login', headers: { 'x-forwarded-proto': 'https' } });
    expect(forged.headers['strict-transport-security']).toBeUndefined();
  });

  it('never redirects to another site after sign-in', async () => {
    const page = await t.app.inject({ url: '/login?next=//evil.example/x' });
    expect(page.body).toContain('name="next" value="/"');
  });
});
