// CSRF, route by route: every state-changing route (every POST: the app registers no PUT, PATCH or DELETE),
// used by a signed-in user allowed to use it (or, for the public sign-in and set-password forms, by an
// anonymous browser that opened the form) is refused with 403 when the token is missing, wrong, or valid but
// from another user's session; nothing changes, and the security log records 'csrf.failed' each time. The same
// request with the right token then succeeds. API calls with a Bearer token need no CSRF token.

import { changedTables, registeredRoutes, sendRequest, snapshotTables, type Fields, type RequestSpec } from '../helpers/requests';
import Tokens from '@fastify/csrf';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookieJar, csrfFrom, signIn, startTestApp, type TestApp } from '../helpers/app';
import { formSession, insertUser, NEW_PASSWORD, sessionOf as signedInSession, TEST_PASSWORD as PASSWORD } from '../helpers/users';
import { draftBy as draftOf, evidenceForm as FORM, evidenceItem as ITEM, submittedBy as submittedOf, verifiedBy } from '../helpers/evidence';
import { createApiToken } from '../../src/auth/tokens';
import { issuePasswordCode } from '../../src/users/service';
import { CLI_ACTOR } from '../../src/audit/log';
import type { Role, UserRow } from '../../src/db/schema';

let t: TestApp;
const db = () => t.db.kysely;

// Users are inserted with the suite's cheap scrypt cost (tests/helpers/users.ts; verifyPassword reads the cost from
// the stored hash) so the many sign-ins here stay fast; the production cost of hashing is not what this file tests.
let seq = 0;
const next = () => (seq += 1);
const makeUser = (role: Role, delegation: string | null = 'PAK', disabled = false): Promise<UserRow> => insertUser(db(), role, { delegation, disabled, label: 'csrf' });
const sessionOf = (user: UserRow) => signedInSession(t.app, user);
const openForm = (url: string) => formSession(t.app, url);

// ---------------------------------------------------------------- fixtures

const fx = {} as { author: UserRow; checker: UserRow; admin: UserRow };
const draftBy = (u: UserRow) => draftOf(db(), u);
const submittedBy = (u: UserRow) => submittedOf(db(), u);
const verifiedItem = () => verifiedBy(db(), fx.author, fx.checker);

// ---------------------------------------------------------------- the state-changing routes

type Req = Omit<RequestSpec, 'method'> & { body: NonNullable<RequestSpec['body']> };

interface PostRoute {
  path: string;
  /** the role of the signed-in user who uses it; null: an anonymous browser that opened `form` */
  role: Role | null;
  /** the page an anonymous browser opens first (public forms) */
  form?: (req: Req) => string;
  build(user: UserRow | null): Promise<Req>;
  /** status of the request with the right token */
  ok: number;
  /** whether the successful request changes the watched tables (sign-in and sign-out only touch sessions) */
  changes: boolean;
  effect?(res: LightMyRequestResponse, jar: string): Promise<void>;
}

const byUser = (role: Role, path: string, build: (u: UserRow) => Promise<Req>, ok = 303, extra: Partial<PostRoute> = {}): PostRoute => ({
  path,
  role,
  build: (u) => build(u!),
  ok,
  changes: true,
  ...extra,
});

const POSTS: PostRoute[] = [
  {
    path: '/login',
    role: null,
    form: () => '/login',
    build: async () => ({ url: '/login', body: 'form', form: { email: (await makeUser('viewer')).email, password: PASSWORD, next: '/' } }),
    ok: 303,
    changes: false,
    effect: async (res) => {
      const jar = cookieJar('', res);
      expect((await t.app.inject({ url: '/api/v1/scorecard', headers: { cookie: jar } })).statusCode).toBe(200);
    },
  },
  {
    path: '/set-password',
    role: null,
    form: (req) => `/set-password?code=${String(req.form!.code)}`,
    build: async () => {
      const { code } = await issuePasswordCode(db(), { id: fx.admin.id, label: fx.admin.email }, (await makeUser('viewer')).id, 'invite');
      return { url: '/set-password', body: 'form', form: { code, password: NEW_PASSWORD, confirm_password: NEW_PASSWORD } };
    },
    ok: 303,
    changes: true,
  },
  byUser('viewer', '/logout', async () => ({ url: '/logout', body: 'form', form: {} }), 303, {
    changes: false,
    effect: async (_res, jar) => expect((await t.app.inject({ url: '/api/v1/scorecard', headers: { cookie: jar } })).statusCode).toBe(401),
  }),
  // the language switcher: a signed-in reader's choice is kept on the account
  byUser('viewer', '/locale', async () => ({ url: '/locale', body: 'form', form: { locale: 'ru', next: '/' } }), 303, {
    effect: async (_res, jar) => expect((await t.app.inject({ url: '/', headers: { cookie: jar } })).body).toContain('<html lang="ru" dir="ltr">'),
  }),
  byUser('viewer', '/account/tokens', async () => ({ url: '/account/tokens', body: 'form', form: { name: 'csrf test' } }), 200),
  byUser('viewer', '/account/tokens/:id/revoke', async (u) => ({ url: `/account/tokens/${(await createApiToken(db(), u, 'throwaway', CLI_ACTOR)).summary.id}/revoke`, body: 'form', form: {} })),
  byUser('viewer', '/account/password', async () => ({ url: '/account/password', body: 'form', form: { current_password: PASSWORD, new_password: NEW_PASSWORD, confirm_password: NEW_PASSWORD } })),
  byUser('evaluator', '/evidence/new', async () => ({ url: '/evidence/new', body: 'form', form: FORM() })),
  byUser('evaluator', '/api/v1/evidence', async () => ({ url: '/api/v1/evidence', body: 'json', json: ITEM() }), 201),
  byUser('evaluator', '/evidence/:id/edit', async (u) => ({ url: `/evidence/${await draftBy(u)}/edit`, body: 'form', form: FORM({ title: 'Edited' }) })),
  byUser('evaluator', '/evidence/:id/correct', async () => ({ url: `/evidence/${await verifiedItem()}/correct`, body: 'form', form: FORM({ title: 'Corrected' }) })),
  byUser('evaluator', '/api/v1/evidence/:id/correct', async () => ({ url: `/api/v1/evidence/${await verifiedItem()}/correct`, body: 'json', json: ITEM({ title: 'Corrected' }) }), 201),
  byUser('evaluator', '/evidence/:id/attachments', async (u) => ({
    url: `/evidence/${await draftBy(u)}/attachments`,
    body: 'multipart',
    form: {},
    file: { field: 'file', filename: 'note.txt', content: 'csrf attachment' },
  })),
  byUser('evaluator', '/evidence/import', async () => ({
    url: '/evidence/import',
    body: 'multipart',
    form: { format: 'csv' },
    file: { field: 'file', filename: 'items.csv', content: `ref,title,observed_on,source_reliability,credibility,tlp,findings\ncsrf-${next()},Imported,2026-03-01,B,2,GREEN,BORDER-1=1\n` },
  })),
  byUser('evaluator', '/evidence/:id/submit', async (u) => ({ url: `/evidence/${await draftBy(u)}/submit`, body: 'form', form: {} })),
  byUser('admin', '/api/v1/read-model/rebuild', async () => ({ url: '/api/v1/read-model/rebuild', body: 'json' }), 200, { changes: false }),
  byUser('evaluator', '/api/v1/evidence/:id/submit', async (u) => ({ url: `/api/v1/evidence/${await draftBy(u)}/submit`, body: 'json' }), 200),
  ...(['verify', 'reject', 'retract'] as const).flatMap((action) => {
    const target = () => (action === 'retract' ? verifiedItem() : submittedBy(fx.author));
    const reason: Fields = action === 'verify' ? {} : { reason: 'csrf test' };
    return [
      byUser('reviewer', `/evidence/:id/${action}`, async () => ({ url: `/evidence/${await target()}/${action}`, body: 'form', form: reason })),
      byUser('reviewer', `/api/v1/evidence/:id/${action}`, async () => ({ url: `/api/v1/evidence/${await target()}/${action}`, body: 'json', ...(action === 'verify' ? {} : { json: reason }) }), 200),
    ];
  }),
  byUser('admin', '/admin/users', async () => ({ url: '/admin/users', body: 'form', form: { email: `invited${next()}.${process.pid}@example.org`, name: 'Invited', role: 'viewer', delegation: 'PAK' } }), 200),
  byUser('admin', '/admin/users/:id', async () => ({ url: `/admin/users/${(await makeUser('viewer')).id}`, body: 'form', form: { name: 'Renamed', role: 'viewer', delegation: 'PAK' } })),
  byUser('admin', '/admin/users/:id/disable', async () => ({ url: `/admin/users/${(await makeUser('viewer')).id}/disable`, body: 'form', form: {} })),
  byUser('admin', '/admin/users/:id/enable', async () => ({ url: `/admin/users/${(await makeUser('viewer', 'PAK', true)).id}/enable`, body: 'form', form: {} })),
  byUser('admin', '/admin/users/:id/reset-password', async () => ({ url: `/admin/users/${(await makeUser('viewer')).id}/reset-password`, body: 'form', form: {} }), 200),
];

// ---------------------------------------------------------------- the security log

const lastEventId = async () => (await db().selectFrom('security_events').select('id').orderBy('id', 'desc').limit(1).executeTakeFirst())?.id ?? 0;
const eventsAfter = (id: number) => db().selectFrom('security_events').selectAll().where('id', '>', id).orderBy('id').execute();

/** A well-formed token of a secret no session has. */
const forgedToken = () => {
  const tokens = new Tokens({ saltLength: 8, secretLength: 18 });
  return tokens.create(tokens.secretSync());
};
const tampered = (token: string) => token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A');

// ---------------------------------------------------------------- setup

let other: { user: UserRow; jar: string; csrf: string };

beforeAll(async () => {
  t = await startTestApp({ seed: 'framework' });
  fx.admin = await makeUser('admin', null);
  fx.author = await makeUser('evaluator', 'IRN');
  fx.checker = await makeUser('reviewer', 'RUS');
  const otherUser = await makeUser('reviewer', 'SEC');
  other = { user: otherUser, ...(await sessionOf(otherUser)) };
});
afterAll(() => t?.close());

// ---------------------------------------------------------------- tests

describe('CSRF on every state-changing route', () => {
  it('covers every state-changing route the app registers', () => {
    const registered = registeredRoutes(t.app);
    for (const pair of registered) expect(t.app.hasRoute({ method: pair.split(' ')[0] as 'GET', url: pair.split(' ')[1] }), pair).toBe(true);
    const stateChanging = registered.filter((p) => /^(POST|PUT|PATCH|DELETE) /.test(p)).sort();
    expect(stateChanging).toEqual(POSTS.map((r) => `POST ${r.path}`).sort());
  });

  for (const route of POSTS) {
    it(`POST ${route.path} (${route.role ?? 'anonymous form'})`, async () => {
      const user = route.role ? await makeUser(route.role, route.role === 'admin' ? null : 'PAK') : null;
      const req = await route.build(user);
      const own = user ? await sessionOf(user) : await openForm(route.form!(req));
      const attempts: [string, string | null][] = [
        ['no token', null],
        ['a forged token', forgedToken()],
        ['a tampered token', tampered(own.csrf)],
        ["another user's valid token", other.csrf],
      ];
      // the other user's token really is valid in the other user's session
      expect((await t.app.inject({ method: 'POST', url: '/account/tokens', headers: { cookie: other.jar, 'content-type': 'application/x-www-form-urlencoded' }, payload: `_csrf=${encodeURIComponent(other.csrf)}&name=probe` })).statusCode).toBe(200);

      for (const [what, token] of attempts) {
        const before = await snapshotTables(db());
        const since = await lastEventId();
        const res = await sendRequest(t.app, req, own.jar, token);
        expect(res.statusCode, `${what}: ${res.body.slice(0, 200)}`).toBe(403);
        if (req.url.startsWith('/api/')) expect(res.json().error.code, what).toBe('CSRF');
        else expect(res.body, what).toContain('security token');
        expect(changedTables(before, await snapshotTables(db())), `${what} changed something`).toEqual([]);
        const events = await eventsAfter(since);
        expect(events.map((e) => e.event), what).toContain('csrf.failed');
        const logged = events.find((e) => e.event === 'csrf.failed')!;
        expect(logged, what).toMatchObject({ user_id: user?.id ?? null, method: 'POST', path: req.url.split('?')[0] });
      }
      // and the session still works: the refusals did not end it
      const before = await snapshotTables(db());
      const res = await sendRequest(t.app, req, own.jar, own.csrf);
      expect(res.statusCode, res.body.slice(0, 300)).toBe(route.ok);
      const changed = changedTables(before, await snapshotTables(db()));
      if (route.changes) expect(changed.length, 'the accepted request changed nothing').toBeGreaterThan(0);
      else expect(changed).toEqual([]);
      if (route.effect) await route.effect(res, own.jar);
    });
  }
});

describe('CSRF tokens and API tokens', () => {
  it('needs no CSRF token for API calls with a Bearer token, even alongside a session cookie', async () => {
    const evaluator = await makeUser('evaluator');
    const reviewer = await makeUser('reviewer', 'SEC');
    const bearer = (u: UserRow) => createApiToken(db(), u, 'csrf test', CLI_ACTOR).then((r) => `Bearer ${r.token}`);
    const evalAuth = await bearer(evaluator);
    const created = await sendRequest(t.app, { url: '/api/v1/evidence', body: 'json', json: ITEM({ submit: true }) }, '', null, { authorization: evalAuth });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as number;
    const verified = await sendRequest(t.app, { url: `/api/v1/evidence/${id}/verify`, body: 'json' }, '', null, { authorization: await bearer(reviewer) });
    expect(verified.statusCode).toBe(200);
    expect(verified.json().status).toBe('verified');
    // a session cookie (without a CSRF token) next to the Bearer token: the token decides, no CSRF needed
    const session = await sessionOf(evaluator);
    const withCookie = await sendRequest(t.app, { url: '/api/v1/evidence', body: 'json', json: ITEM() }, session.jar, null, { authorization: evalAuth });
    expect(withCookie.statusCode).toBe(201);
    // the same call on the session alone needs the token
    const sinceRefusal = await lastEventId();
    expect((await sendRequest(t.app, { url: '/api/v1/evidence', body: 'json', json: ITEM() }, session.jar, null)).statusCode).toBe(403);
    expect((await eventsAfter(sinceRefusal)).map((e) => e.event)).toContain('csrf.failed');
    expect((await sendRequest(t.app, { url: '/api/v1/evidence', body: 'json', json: ITEM() }, session.jar, session.csrf)).statusCode).toBe(201);
    // a Bearer token is no way around CSRF on the pages: only /api/ reads it
    expect((await sendRequest(t.app, { url: '/evidence/new', body: 'form', form: FORM() }, session.jar, null, { authorization: evalAuth })).statusCode).toBe(403);
  });

  it('does not accept a token from the session before sign-in after signing in (a new session, a new secret)', async () => {
    const viewer = await makeUser('viewer');
    const { jar, preLoginJar } = await signIn(t.app, viewer.email, PASSWORD);
    const preLoginToken = csrfFrom((await t.app.inject({ url: '/login', headers: { cookie: preLoginJar } })).body);
    const req: Req = { url: '/account/tokens', body: 'form', form: { name: 'x' } };
    expect((await sendRequest(t.app, req, jar, preLoginToken)).statusCode).toBe(403);
    const fresh = csrfFrom((await t.app.inject({ url: '/account/tokens', headers: { cookie: jar } })).body);
    expect((await sendRequest(t.app, req, jar, fresh)).statusCode).toBe(200);
  });

  it('ignores a token sent in the query string or in a text/plain body', async () => {
    const viewer = await makeUser('viewer');
    const s = await sessionOf(viewer);
    const query = await t.app.inject({ method: 'POST', url: `/account/tokens?_csrf=${encodeURIComponent(s.csrf)}`, headers: { cookie: s.jar, 'content-type': 'application/x-www-form-urlencoded' }, payload: 'name=q' });
    expect(query.statusCode).toBe(403);
    const plain = await t.app.inject({ method: 'POST', url: '/account/tokens', headers: { cookie: s.jar, 'content-type': 'text/plain' }, payload: `_csrf=${s.csrf}` });
    // refused before or by the CSRF check (the route's body schema wants an object): either way nothing is done
    expect([400, 403]).toContain(plain.statusCode);
    expect(await db().selectFrom('api_tokens').select('id').where('user_id', '=', viewer.id).execute()).toEqual([]);
  });
});
