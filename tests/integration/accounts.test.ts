import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, cookieJar, csrfFrom, manualClock, postForm, signIn, startTestApp, type TestApp } from '../helpers/app';
import { createApiToken } from '../../src/auth/tokens';
import { CLI_ACTOR, verifyAuditChain } from '../../src/audit/log';
import { passwordPolicyProblem } from '../../src/security/password-policy';

describe('password policy', () => {
  it('wants 12 to 1024 characters, accepts any Unicode as typed, and refuses common passwords', () => {
    expect(passwordPolicyProblem('short')).toMatch(/at least 12 characters/);
    expect(passwordPolicyProblem('x'.repeat(1025))).toMatch(/at most 1024/);
    expect(passwordPolicyProblem('Grüße aus Köln am Rhein ☕')).toBeNull();
    expect(passwordPolicyProblem(`${'paşaport ğüzel şehir '.repeat(6)}`.slice(0, 128))).toBeNull();
    for (const weak of ['password1234', '123456789012', 'qwertyuiopas', 'aaaaaaaaaaaa', 'iloveyou1234']) {
      expect(passwordPolicyProblem(weak)).toMatch(/too easy to guess/);
    }
    expect(passwordPolicyProblem('eva.khan@example.org', { email: 'eva.khan@example.org' })).toMatch(/too easy to guess/);
    expect(passwordPolicyProblem('pactwatchpactwatch')).toMatch(/too easy to guess/);
  });
});

describe('account lifecycle in the browser', () => {
  const time = manualClock('2026-07-01T09:00:00Z');
  let t: TestApp;
  let admin: { email: string; password: string; user: { id: number } };
  let adminJar: string;

  beforeAll(async () => {
    t = await startTestApp({ seed: 'framework', clock: time.clock });
    admin = await addUser(t.db, 'admin', { delegation: 'SEC' });
    adminJar = (await signIn(t.app, admin.email, admin.password)).jar;
  });
  afterAll(() => t.close());

  const linkFrom = (html: string) => /<code class="token">https?:\/\/[^/]+(\/set-password\?code=[^<]+)<\/code>/.exec(html.replaceAll('&#x3D;', '='))![1];

  it('invites a user who sets a password with a one-time link and signs in', async () => {
    const res = await postForm(t.app, adminJar, '/admin/users', '/admin/users', { email: 'new.person@example.org', name: 'New Person', role: 'evaluator', delegation: 'IRN' });
    expect(res.statusCode).toBe(200);
    const link = linkFrom(res.body);
    const page = await t.app.inject({ url: link });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('new.person@example.org');
    const jar = cookieJar('', page);
    const weak = await t.app.inject({ method: 'POST', url: '/set-password', headers: { cookie: jar, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ _csrf: csrfFrom(page.body), code: new URL(`http://x${link}`).searchParams.get('code')!, password: 'password1234', confirm_password: 'password1234' }).toString() });
    expect(weak.statusCode).toBe(400);
    expect(weak.body).toContain('too easy to guess');
    const code = new URL(`http://x${link}`).searchParams.get('code')!;
    const set = await t.app.inject({ method: 'POST', url: '/set-password', headers: { cookie: jar, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ _csrf: csrfFrom(page.body), code, password: 'desert lantern quietly folds', confirm_password: 'desert lantern quietly folds' }).toString() });
    expect(set.statusCode).toBe(303);
    expect((await signIn(t.app, 'new.person@example.org', 'desert lantern quietly folds')).response.statusCode).toBe(303);
    // the link works once
    expect((await t.app.inject({ url: link })).statusCode).toBe(400);
  });

  it('expires reset links and replaces older ones', async () => {
    const u = await addUser(t.db, 'viewer');
    const first = linkFrom((await postForm(t.app, adminJar, `/admin/users/${u.user.id}`, `/admin/users/${u.user.id}/reset-password`, {})).body);
    const second = linkFrom((await postForm(t.app, adminJar, `/admin/users/${u.user.id}`, `/admin/users/${u.user.id}/reset-password`, {})).body);
    expect((await t.app.inject({ url: first })).statusCode).toBe(400);
    expect((await t.app.inject({ url: second })).statusCode).toBe(200);
    time.advance(25 * 3_600_000);
    expect((await t.app.inject({ url: second })).statusCode).toBe(400);
    adminJar = (await signIn(t.app, admin.email, admin.password)).jar; // the day-long wait ended the admin's session too
  });

  it('ends all sessions and API tokens of a disabled user at once, and re-enables', async () => {
    const u = await addUser(t.db, 'evaluator', { delegation: 'PAK' });
    const { jar } = await signIn(t.app, u.email, u.password);
    const token = (await createApiToken(t.db.kysely, u.user, 'x', CLI_ACTOR)).token;
    expect((await t.app.inject({ url: '/evidence', headers: { cookie: jar } })).statusCode).toBe(200);
    const res = await postForm(t.app, adminJar, `/admin/users/${u.user.id}`, `/admin/users/${u.user.id}/disable`, {});
    expect(res.statusCode).toBe(303);
    expect((await t.app.inject({ url: '/evidence', headers: { cookie: jar } })).statusCode).toBe(303);
    expect((await t.app.inject({ url: '/api/v1/evidence', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
    expect(await t.db.kysely.selectFrom('sessions').select('id').where('user_id', '=', u.user.id).execute()).toEqual([]);
    expect((await signIn(t.app, u.email, u.password)).response.statusCode).toBe(401);
    await postForm(t.app, adminJar, `/admin/users/${u.user.id}`, `/admin/users/${u.user.id}/enable`, {});
    expect((await signIn(t.app, u.email, u.password)).response.statusCode).toBe(303);
    // tokens stay revoked: re-enabling does not bring old credentials back
    expect((await t.app.inject({ url: '/api/v1/evidence', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
  });

  it('signs a user out everywhere when their role or delegation changes', async () => {
    const u = await addUser(t.db, 'viewer', { delegation: 'CHN' });
    const { jar } = await signIn(t.app, u.email, u.password);
    const res = await postForm(t.app, adminJar, `/admin/users/${u.user.id}`, `/admin/users/${u.user.id}`, { name: 'Renamed', role: 'reviewer', delegation: 'CHN' });
    expect(res.statusCode).toBe(303);
    expect((await t.app.inject({ url: '/', headers: { cookie: jar } })).statusCode).toBe(303);
    const again = await signIn(t.app, u.email, u.password);
    expect((await t.app.inject({ url: '/review', headers: { cookie: again.jar } })).statusCode).toBe(200);
  });

  it('refuses to disable or demote the last administrator', async () => {
    const self = await postForm(t.app, adminJar, `/admin/users/${admin.user.id}`, `/admin/users/${admin.user.id}/disable`, {});
    expect(self.statusCode).toBe(409);
    const demote = await postForm(t.app, adminJar, `/admin/users/${admin.user.id}`, `/admin/users/${admin.user.id}`, { name: 'Admin', role: 'viewer', delegation: 'SEC' });
    expect(demote.statusCode).toBe(409);
  });

  it('lets a user change their own password, ending their other sessions', async () => {
    const u = await addUser(t.db, 'viewer', { password: 'initial passphrase for tests' });
    const a = await signIn(t.app, u.email, 'initial passphrase for tests');
    const b = await signIn(t.app, u.email, 'initial passphrase for tests');
    const wrong = await postForm(t.app, a.jar, '/account/password', '/account/password', { current_password: 'nope nope nope', new_password: 'another fine passphrase', confirm_password: 'another fine passphrase' });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.body).toContain('is not your current password');
    const ok = await postForm(t.app, a.jar, '/account/password', '/account/password', { current_password: 'initial passphrase for tests', new_password: 'another fine passphrase', confirm_password: 'another fine passphrase' });
    expect(ok.statusCode).toBe(303);
    const aJar = cookieJar(a.jar, ok);
    expect(aJar).not.toBe(a.jar);
    expect((await t.app.inject({ url: '/', headers: { cookie: aJar } })).statusCode).toBe(200);
    expect((await t.app.inject({ url: '/', headers: { cookie: b.jar } })).statusCode).toBe(303);
    expect((await signIn(t.app, u.email, 'another fine passphrase')).response.statusCode).toBe(303);
  });

  it('keeps admin pages for admins', async () => {
    const v = await addUser(t.db, 'reviewer');
    const { jar } = await signIn(t.app, v.email, v.password);
    for (const url of ['/admin/users', '/admin/security-log', `/admin/users/${admin.user.id}`]) {
      expect((await t.app.inject({ url, headers: { cookie: jar } })).statusCode).toBe(403);
    }
  });

  it('records account changes in the tamper-evident log and sign-ins in the security log, without secrets', async () => {
    const actions = (await t.db.kysely.selectFrom('audit_log').select('action').where('entity_type', '=', 'user').execute()).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['user.created', 'user.updated', 'user.disabled', 'user.enabled', 'user.password_code_issued', 'user.password_set', 'user.password_changed']));
    expect((await verifyAuditChain(t.db.kysely)).ok).toBe(true);
    const events = await t.db.kysely.selectFrom('security_events').selectAll().execute();
    expect(events.map((e) => e.event)).toEqual(expect.arrayContaining(['sign-in.succeeded', 'sign-in.failed', 'denied']));
    const all = JSON.stringify(events) + JSON.stringify(await t.db.kysely.selectFrom('audit_log').selectAll().execute());
    for (const secret of ['desert lantern quietly folds', 'another fine passphrase', 'initial passphrase for tests', 'password1234']) expect(all).not.toContain(secret);
    expect(all).not.toMatch(/code=/);
  });
});

describe('sign-in attempt limits', () => {
  const time = manualClock('2026-07-01T09:00:00Z');
  let t: TestApp;
  let trusted: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ clock: time.clock });
    trusted = await startTestApp({ clock: time.clock, config: { trustProxy: '127.0.0.1' } });
  });
  afterAll(async () => {
    await t.close();
    await trusted.close();
  });

  async function attempt(app: TestApp['app'], email: string, password: string, headers: Record<string, string> = {}) {
    const page = await app.inject({ url: '/login', headers });
    return app.inject({
      method: 'POST',
      url: '/login',
      headers: { ...headers, cookie: cookieJar('', page), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ email, password, _csrf: csrfFrom(page.body) }).toString(),
    });
  }

  it('locks an account after 5 failures for 15 minutes, even with the right password', async () => {
    const u = await addUser(t.db, 'viewer');
    for (let i = 0; i < 5; i += 1) expect((await attempt(t.app, u.email, `wrong guess number ${i}`)).statusCode).toBe(401);
    const locked = await attempt(t.app, u.email, u.password);
    expect(locked.statusCode).toBe(429);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    time.advance(16 * 60_000);
    expect((await attempt(t.app, u.email, u.password)).statusCode).toBe(303);
  });

  it('limits one address across accounts, and a forged X-Forwarded-For does not dodge it', async () => {
    time.advance(60 * 60_000);
    for (let i = 0; i < 20; i += 1) {
      const res = await attempt(t.app, `nobody${i}@example.org`, 'wrong password here', { 'x-forwarded-for': `203.0.113.${i}` });
      expect(res.statusCode).toBe(401);
    }
    const limited = await attempt(t.app, 'someone.else@example.org', 'wrong password here', { 'x-forwarded-for': '198.51.100.7' });
    expect(limited.statusCode).toBe(429);
    expect(limited.body).toContain('from your network address');
  });

  it('believes X-Forwarded-For only from a configured proxy', async () => {
    for (let i = 0; i < 20; i += 1) await attempt(trusted.app, `nobody${i}@example.org`, 'wrong password here', { 'x-forwarded-for': '203.0.113.50' });
    expect((await attempt(trusted.app, 'x@example.org', 'wrong password here', { 'x-forwarded-for': '203.0.113.50' })).statusCode).toBe(429);
    expect((await attempt(trusted.app, 'x@example.org', 'wrong password here', { 'x-forwarded-for': '203.0.113.51' })).statusCode).toBe(401);
    const ips = await trusted.db.kysely.selectFrom('security_events').select('ip').distinct().execute();
    expect(ips.map((r) => r.ip)).toEqual(expect.arrayContaining(['203.0.113.50', '203.0.113.51']));
  });
});

describe('passwords are used exactly as typed', () => {
  it('tells apart a composed and a decomposed accent, and keeps surrounding spaces', async () => {
    const { hashPassword, verifyPassword } = await import('../../src/security/password');
    const composed = ' caf\u00e9 terrace under moonlight ';
    const hash = await hashPassword(composed);
    expect(await verifyPassword(composed, hash)).toBe(true);
    expect(await verifyPassword(' cafe\u0301 terrace under moonlight ', hash)).toBe(false);
    expect(await verifyPassword(composed.trim(), hash)).toBe(false);
  });
});
