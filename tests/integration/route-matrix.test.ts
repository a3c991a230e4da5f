// Access control, route by route: an explicit table of every registered route with its access rule (written
// here, independently of the route modules), checked for completeness against the live router; then every
// route x method x identity is requested in a well-formed way and the status is compared with what the table
// says. Refusals must change nothing; GET (and HEAD) must never change anything, for anyone.

import { changedTables, pdfUnavailableHere, registeredRoutes, sendRequest, snapshotTables, type Fields, type RequestSpec } from '../helpers/requests';
import { produceReport } from '../../src/reports/service';
import { parsePeriod } from '../../src/reports/periods';
import Fastify, { type LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookieJar, csrfFrom, htmlAsPdf, signIn, startTestApp, testConfig, type TestApp } from '../helpers/app';
import { closeTestDb, openTestDb } from '../helpers/db';
import corePlugin from '../../src/plugins/core';
import sessionPlugin from '../../src/plugins/session';
import authPlugin from '../../src/plugins/auth';
import { systemClock } from '../../src/time';
import { formSession, insertUser, NEW_PASSWORD, sessionOf as signedInSession, testPasswordHash, TEST_PASSWORD as PASSWORD } from '../helpers/users';
import { draftBy as draftOf, evidenceForm as FORM, evidenceItem as ITEM, submittedBy as submittedOf, verifiedBy } from '../helpers/evidence';
import { reviewEvidence } from '../../src/evidence/service';
import { addAttachment } from '../../src/evidence/attachments';
import { createApiToken } from '../../src/auth/tokens';
import { issuePasswordCode } from '../../src/users/service';
import type { Role, UserRow } from '../../src/db/schema';

// ---------------------------------------------------------------- the table

type Access = 'public' | 'signed-in' | readonly Role[];
const WRITERS: readonly Role[] = ['evaluator', 'reviewer', 'admin'];
const REVIEWERS: readonly Role[] = ['reviewer', 'admin'];
const ADMIN: readonly Role[] = ['admin'];

type Req = RequestSpec & { method: NonNullable<RequestSpec['method']> };

type IdentityKey = 'anonymous' | 'signed-out' | 'viewer' | 'evaluator' | 'reviewer' | 'admin' | 'viewer-other-delegation';
interface Identity {
  key: IdentityKey;
  signedIn: boolean;
  role: Role | null;
  user: UserRow | null;
  jar: string;
  csrf: string;
}

interface Cell {
  who: Identity;
  /** the declared access admits this identity */
  allowed: boolean;
  /** owner of per-cell objects: the identity's user where the route admits it, else the fixture author */
  actor: UserRow;
}

interface RouteSpec {
  method: 'GET' | 'POST';
  path: string;
  access: Access;
  /** the request ends the identity's session ('fresh': a new session per cell) or changes the account ('throwaway-user') */
  session?: 'fresh' | 'throwaway-user';
  build(c: Cell): Promise<Omit<Req, 'method'>>;
  /** statuses when access is granted (default: GET 200, POST 303) */
  ok?(c: Cell): number[];
  /** what a granted request must have done */
  effect?(c: Cell, res: LightMyRequestResponse, req: Req): Promise<void>;
}

// ---------------------------------------------------------------- app, users, fixtures

let t: TestApp;
const db = () => t.db.kysely;

// Users are inserted with the suite's cheap scrypt cost (tests/helpers/users.ts; verifyPassword reads the cost from
// the stored hash) so that the ~100 sign-ins here stay fast; the production cost of hashing is not what this file tests.
let seq = 0;
const next = () => (seq += 1);
const makeUser = (role: Role, delegation: string | null, disabled = false): Promise<UserRow> => insertUser(db(), role, { delegation, disabled, label: 'rm' });
/** Signs in through the form and reads a CSRF token from a page of the new session. */
const sessionOf = (user: UserRow) => signedInSession(t.app, user);
/** An anonymous browser session that has opened a form (sign-in or set-password), with its token. */
const preSession = (jar = '', from = '/login') => formSession(t.app, from, jar);

const fx = {} as {
  author: UserRow; // evaluator who owns the shared GREEN items
  checker: UserRow; // reviewer who verifies them
  admin: UserRow;
  greenVerified: number;
  attachment: number;
  adminTarget: UserRow;
  code: string;
  loginTarget: UserRow;
};
const isWriter = (u: UserRow) => WRITERS.includes(u.role);
const draftBy = (u: UserRow) => draftOf(db(), u);
const submittedBy = (u: UserRow) => submittedOf(db(), u);
const verifiedItem = () => verifiedBy(db(), fx.author, fx.checker);
/** A draft of the cell's actor when it may write evidence; otherwise some draft (the request is refused before it matters). */
const ownDraft = async (c: Cell) => draftBy(isWriter(c.actor) ? c.actor : fx.author);
const statusOf = async (id: number) => (await db().selectFrom('evidence').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
const userRow = (id: number) => db().selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const idIn = (location: unknown) => Number(/\/evidence\/(\d+)$/.exec(String(location))?.[1]);

const get = (url: string) => async () => ({ url });
let reportPromise: Promise<number> | null = null;
/** One frozen report, made on first use. */
const aReport = () =>
  (reportPromise ??= produceReport(db(), { period: parsePeriod('monthly', '2026-10')!, trigger: 'test' }).then((r) => r.report.id));
const expectLocation = (expected: string | RegExp) => async (_c: Cell, res: LightMyRequestResponse) => {
  if (typeof expected === 'string') expect(res.headers.location).toBe(expected);
  else expect(String(res.headers.location)).toMatch(expected);
};

const ROUTES: RouteSpec[] = [
  // ---- public
  { method: 'GET', path: '/assets/app.css', access: 'public', build: get('/assets/app.css') },
  { method: 'GET', path: '/assets/locale/:locale.css', access: 'public', build: get('/assets/locale/fa.css') },
  { method: 'GET', path: '/assets/fonts/:family/:file', access: 'public', build: get('/assets/fonts/noto-naskh-arabic/noto-naskh-arabic-arabic-400-normal.woff2') },
  { method: 'GET', path: '/health', access: 'public', build: get('/health') },
  { method: 'GET', path: '/login', access: 'public', build: get('/login'), ok: (c) => (c.who.signedIn ? [303] : [200]) },
  {
    method: 'POST',
    path: '/login',
    access: 'public',
    session: 'fresh',
    build: async (c) => ({ url: '/login', body: 'form', form: { email: (c.who.signedIn ? c.who.user! : fx.loginTarget).email, password: PASSWORD, next: '/evidence' } }),
    effect: async (_c, res) => {
      expect(res.headers.location).toBe('/evidence');
      const jar = cookieJar('', res);
      expect((await t.app.inject({ url: '/api/v1/scorecard', headers: { cookie: jar } })).statusCode).toBe(200);
    },
  },
  { method: 'GET', path: '/set-password', access: 'public', build: async () => ({ url: `/set-password?code=${fx.code}` }) },
  {
    method: 'POST',
    path: '/set-password',
    access: 'public',
    build: async () => {
      const target = await makeUser('viewer', 'PAK');
      const { code } = await issuePasswordCode(db(), { id: fx.admin.id, label: fx.admin.email }, target.id, 'reset');
      return { url: '/set-password', body: 'form', form: { code, password: NEW_PASSWORD, confirm_password: NEW_PASSWORD } };
    },
    effect: expectLocation('/login'),
  },
  {
    method: 'POST',
    path: '/locale',
    access: 'public',
    build: async () => ({ url: '/locale', body: 'form', form: { locale: 'ur', next: '/evidence' } }),
    effect: async (c, res) => {
      expect(res.headers.location).toBe('/evidence');
      if (c.who.signedIn) expect((await userRow(c.who.user!.id)).locale).toBe('ur');
    },
  },
  // ---- signed in: account
  {
    method: 'POST',
    path: '/logout',
    access: 'signed-in',
    session: 'fresh',
    build: async () => ({ url: '/logout', body: 'form', form: {} }),
    effect: async (c, res) => {
      expect(res.headers.location).toBe('/login');
      expect((await t.app.inject({ url: '/api/v1/scorecard', headers: { cookie: c.who.jar } })).statusCode).toBe(401);
    },
  },
  // ---- signed in: scorecard pages
  { method: 'GET', path: '/', access: 'signed-in', build: get('/') },
  { method: 'GET', path: '/perspectives', access: 'signed-in', build: get('/perspectives') },
  { method: 'GET', path: '/benchmarks/:code', access: 'signed-in', build: get('/benchmarks/BORDER-1') },
  { method: 'GET', path: '/pillars/:code', access: 'signed-in', build: get('/pillars/BORDER') },
  { method: 'GET', path: '/groups/:code', access: 'signed-in', build: get('/groups/TTP') },
  { method: 'GET', path: '/methodology', access: 'signed-in', build: get('/methodology') },
  { method: 'GET', path: '/briefing', access: 'signed-in', build: get('/briefing?perspective=PAK') },
  { method: 'GET', path: '/briefing.pdf', access: 'signed-in', build: get('/briefing.pdf?perspective=CHN') },
  { method: 'GET', path: '/api/v1/scorecard', access: 'signed-in', build: get('/api/v1/scorecard') },
  { method: 'GET', path: '/api/v1/explain', access: 'signed-in', build: get('/api/v1/explain?from=2026-03-31&to=2026-06-30') },
  { method: 'GET', path: '/api/v1/read-model', access: ADMIN, build: get('/api/v1/read-model') },
  {
    method: 'POST',
    path: '/api/v1/read-model/rebuild',
    access: ADMIN,
    build: async () => ({ url: '/api/v1/read-model/rebuild', body: 'json' }),
    ok: () => [200],
    effect: async (_c, res) => expect(res.json().items).toBeGreaterThan(0),
  },
  { method: 'GET', path: '/account/tokens', access: 'signed-in', build: get('/account/tokens') },
  {
    method: 'POST',
    path: '/account/tokens',
    access: 'signed-in',
    build: async () => ({ url: '/account/tokens', body: 'form', form: { name: `matrix ${next()}` } }),
    ok: () => [200],
    effect: async (c, res) => {
      expect(res.body).toContain('pw_');
      expect((await db().selectFrom('api_tokens').select('id').where('user_id', '=', c.actor.id).execute()).length).toBeGreaterThan(0);
    },
  },
  {
    method: 'POST',
    path: '/account/tokens/:id/revoke',
    access: 'signed-in',
    build: async (c) => {
      const { summary } = await createApiToken(db(), c.actor, `throwaway ${next()}`, { id: c.actor.id, label: c.actor.email });
      return { url: `/account/tokens/${summary.id}/revoke`, body: 'form', form: {} };
    },
    effect: async (_c, _res, req) => {
      const id = Number(/tokens\/(\d+)/.exec(req.url)![1]);
      expect((await db().selectFrom('api_tokens').select('revoked_at').where('id', '=', id).executeTakeFirstOrThrow()).revoked_at).not.toBeNull();
    },
  },
  { method: 'GET', path: '/account/password', access: 'signed-in', build: get('/account/password') },
  {
    method: 'POST',
    path: '/account/password',
    access: 'signed-in',
    session: 'throwaway-user',
    build: async () => ({ url: '/account/password', body: 'form', form: { current_password: PASSWORD, new_password: NEW_PASSWORD, confirm_password: NEW_PASSWORD } }),
    effect: async (c, res) => {
      expect(res.headers.location).toBe('/');
      expect((await userRow(c.actor.id)).password_hash).not.toBe(await testPasswordHash());
    },
  },
  // ---- evidence: browse, export, read
  { method: 'GET', path: '/evidence', access: 'signed-in', build: get('/evidence') },
  { method: 'GET', path: '/evidence/export.csv', access: 'signed-in', build: get('/evidence/export.csv') },
  { method: 'GET', path: '/evidence/export.json', access: 'signed-in', build: get('/evidence/export.json') },
  { method: 'GET', path: '/api/v1/evidence', access: 'signed-in', build: get('/api/v1/evidence') },
  { method: 'GET', path: '/evidence/:id', access: 'signed-in', build: async () => ({ url: `/evidence/${fx.greenVerified}` }) },
  { method: 'GET', path: '/api/v1/evidence/:id', access: 'signed-in', build: async () => ({ url: `/api/v1/evidence/${fx.greenVerified}` }) },
  { method: 'GET', path: '/attachments/:id', access: 'signed-in', build: async () => ({ url: `/attachments/${fx.attachment}` }) },
  // ---- evidence: log, edit, correct, attach, import
  { method: 'GET', path: '/evidence/new', access: WRITERS, build: get('/evidence/new') },
  {
    method: 'POST',
    path: '/evidence/new',
    access: WRITERS,
    build: async () => ({ url: '/evidence/new', body: 'form', form: FORM() }),
    effect: async (c, res) => {
      const id = idIn(res.headers.location);
      expect((await db().selectFrom('evidence').select('created_by').where('id', '=', id).executeTakeFirstOrThrow()).created_by).toBe(c.actor.id);
    },
  },
  {
    method: 'POST',
    path: '/api/v1/evidence',
    access: WRITERS,
    build: async () => ({ url: '/api/v1/evidence', body: 'json', json: ITEM() }),
    ok: () => [201],
  },
  { method: 'GET', path: '/evidence/:id/edit', access: WRITERS, build: async (c) => ({ url: `/evidence/${await ownDraft(c)}/edit` }) },
  {
    method: 'POST',
    path: '/evidence/:id/edit',
    access: WRITERS,
    build: async (c) => ({ url: `/evidence/${await ownDraft(c)}/edit`, body: 'form', form: FORM({ title: 'Edited by the matrix' }) }),
    effect: async (_c, res) => {
      expect((await db().selectFrom('evidence').select('title').where('id', '=', idIn(res.headers.location)).executeTakeFirstOrThrow()).title).toBe('Edited by the matrix');
    },
  },
  { method: 'GET', path: '/evidence/:id/correct', access: WRITERS, build: async () => ({ url: `/evidence/${fx.greenVerified}/correct` }) },
  {
    method: 'POST',
    path: '/evidence/:id/correct',
    access: WRITERS,
    build: async () => ({ url: `/evidence/${await verifiedItem()}/correct`, body: 'form', form: FORM({ title: 'Corrected by the matrix' }) }),
    effect: async (_c, res, req) => {
      const original = Number(/evidence\/(\d+)/.exec(req.url)![1]);
      expect((await db().selectFrom('evidence').select('supersedes_id').where('id', '=', idIn(res.headers.location)).executeTakeFirstOrThrow()).supersedes_id).toBe(original);
    },
  },
  {
    method: 'POST',
    path: '/api/v1/evidence/:id/correct',
    access: WRITERS,
    build: async () => ({ url: `/api/v1/evidence/${await verifiedItem()}/correct`, body: 'json', json: ITEM({ title: 'Corrected through the API' }) }),
    ok: () => [201],
  },
  {
    method: 'POST',
    path: '/evidence/:id/attachments',
    access: WRITERS,
    build: async (c) => ({ url: `/evidence/${await ownDraft(c)}/attachments`, body: 'multipart', form: {}, file: { field: 'file', filename: 'note.txt', content: 'matrix attachment' } }),
    effect: async (_c, _res, req) => {
      const id = Number(/evidence\/(\d+)/.exec(req.url)![1]);
      expect((await db().selectFrom('attachments').select('id').where('evidence_id', '=', id).execute()).length).toBe(1);
    },
  },
  { method: 'GET', path: '/evidence/import', access: WRITERS, build: get('/evidence/import') },
  {
    method: 'POST',
    path: '/evidence/import',
    access: WRITERS,
    build: async () => {
      const ref = `rm-import-${next()}-${process.pid}`;
      const csv = `ref,title,observed_on,source_reliability,credibility,tlp,findings\n${ref},Imported by the matrix,2026-03-01,B,2,GREEN,BORDER-1=1\n`;
      return { url: '/evidence/import', body: 'multipart', form: { format: 'csv' }, file: { field: 'file', filename: `${ref}.csv`, content: csv } };
    },
    effect: async (_c, res, req) => {
      expect(res.headers.location).toBe('/evidence?status=submitted');
      const ref = req.file!.filename.replace(/\.csv$/, '');
      expect(await db().selectFrom('evidence').select('status').where('ref', '=', ref).executeTakeFirst()).toEqual({ status: 'submitted' });
    },
  },
  // ---- evidence: submit and review
  {
    method: 'POST',
    path: '/evidence/:id/submit',
    access: WRITERS,
    build: async (c) => ({ url: `/evidence/${await ownDraft(c)}/submit`, body: 'form', form: {} }),
    effect: async (_c, res) => expect(await statusOf(idIn(res.headers.location))).toBe('submitted'),
  },
  {
    // declared 'signed-in' (the page route says writers): a viewer can own no draft, so the item rule refuses with 403
    method: 'POST',
    path: '/api/v1/evidence/:id/submit',
    access: 'signed-in',
    build: async (c) => ({ url: `/api/v1/evidence/${isWriter(c.actor) ? await draftBy(c.actor) : await submittedBy(fx.author)}/submit`, body: 'json' }),
    ok: (c) => (isWriter(c.actor) ? [200] : [403]),
  },
  { method: 'GET', path: '/review', access: REVIEWERS, build: get('/review') },
  ...(['verify', 'reject', 'retract'] as const).flatMap((action): RouteSpec[] => {
    const target = () => (action === 'retract' ? verifiedItem() : submittedBy(fx.author));
    const reason: Fields = action === 'verify' ? {} : { reason: 'matrix reason' };
    const status = { verify: 'verified', reject: 'rejected', retract: 'retracted' }[action];
    return [
      {
        method: 'POST',
        path: `/evidence/:id/${action}`,
        access: REVIEWERS,
        build: async () => ({ url: `/evidence/${await target()}/${action}`, body: 'form', form: reason }),
        effect: async (_c, res) => expect(await statusOf(idIn(res.headers.location))).toBe(status),
      },
      {
        method: 'POST',
        path: `/api/v1/evidence/:id/${action}`,
        access: REVIEWERS,
        build: async () => ({ url: `/api/v1/evidence/${await target()}/${action}`, body: 'json', ...(action === 'verify' ? {} : { json: reason }) }),
        ok: () => [200],
        effect: async (_c, res) => expect(res.json().status).toBe(status),
      },
    ];
  }),
  // ---- administration
  { method: 'GET', path: '/admin/users', access: ADMIN, build: get('/admin/users') },
  {
    method: 'POST',
    path: '/admin/users',
    access: ADMIN,
    build: async () => ({ url: '/admin/users', body: 'form', form: { email: `invited${next()}.${process.pid}@example.org`, name: 'Invited', role: 'viewer', delegation: 'PAK' } }),
    ok: () => [200],
    effect: async (_c, res) => expect(res.body).toMatch(/\/set-password\?code(=|&#x3D;)[A-Za-z0-9_-]{20,}/),
  },
  { method: 'GET', path: '/admin/users/:id', access: ADMIN, build: async () => ({ url: `/admin/users/${fx.adminTarget.id}` }) },
  {
    method: 'POST',
    path: '/admin/users/:id',
    access: ADMIN,
    build: async () => ({ url: `/admin/users/${(await makeUser('viewer', 'PAK')).id}`, body: 'form', form: { name: 'Renamed by the matrix', role: 'viewer', delegation: 'PAK' } }),
    effect: async (_c, _res, req) => expect((await userRow(Number(req.url.split('/')[3]))).name).toBe('Renamed by the matrix'),
  },
  {
    method: 'POST',
    path: '/admin/users/:id/disable',
    access: ADMIN,
    build: async () => ({ url: `/admin/users/${(await makeUser('viewer', 'PAK')).id}/disable`, body: 'form', form: {} }),
    effect: async (_c, _res, req) => expect((await userRow(Number(req.url.split('/')[3]))).disabled_at).not.toBeNull(),
  },
  {
    method: 'POST',
    path: '/admin/users/:id/enable',
    access: ADMIN,
    build: async () => ({ url: `/admin/users/${(await makeUser('viewer', 'PAK', true)).id}/enable`, body: 'form', form: {} }),
    effect: async (_c, _res, req) => expect((await userRow(Number(req.url.split('/')[3]))).disabled_at).toBeNull(),
  },
  {
    method: 'POST',
    path: '/admin/users/:id/reset-password',
    access: ADMIN,
    build: async () => ({ url: `/admin/users/${(await makeUser('viewer', 'PAK')).id}/reset-password`, body: 'form', form: {} }),
    ok: () => [200],
    effect: async (_c, res) => expect(res.body).toMatch(/\/set-password\?code(=|&#x3D;)[A-Za-z0-9_-]{20,}/),
  },
  { method: 'GET', path: '/admin/security-log', access: ADMIN, build: get('/admin/security-log') },
  // ---- reports
  { method: 'GET', path: '/reports', access: 'signed-in', build: get('/reports') },
  { method: 'GET', path: '/reports/:id', access: 'signed-in', build: async () => ({ url: `/reports/${await aReport()}` }) },
  { method: 'GET', path: '/reports/:id.json', access: 'signed-in', build: async () => ({ url: `/reports/${await aReport()}.json` }) },
  { method: 'GET', path: '/reports/:id.csv', access: 'signed-in', build: async () => ({ url: `/reports/${await aReport()}.csv` }) },
  // 503 where the machine has no Chromium
  // printed without Chromium (htmlAsPdf), so the answer does not depend on the machine
  { method: 'GET', path: '/reports/:id.pdf', access: 'signed-in', build: async () => ({ url: `/reports/${await aReport()}.pdf` }), ok: () => [200] },
  { method: 'GET', path: '/admin/report-runs', access: ADMIN, build: get('/admin/report-runs') },
];

/** GET routes are also reachable with HEAD (fastify exposes HEAD routes); both are checked. */
const methodsOf = (r: RouteSpec): Req['method'][] => (r.method === 'GET' ? ['GET', 'HEAD'] : ['POST']);

// ---------------------------------------------------------------- requests, expectations, snapshots

function mayAccess(access: Access, who: Identity): boolean {
  if (access === 'public') return true;
  if (!who.signedIn) return false;
  return access === 'signed-in' || access.includes(who.role!);
}



async function lastEvent(event: string) {
  return db().selectFrom('security_events').selectAll().where('event', '=', event).orderBy('id', 'desc').limit(1).executeTakeFirst();
}

interface Outcome {
  cell: string;
  expected: string;
  actual: string;
}

/** Requests one route x method as one identity; returns a description of what went wrong, or null. */
async function runCell(route: RouteSpec, method: Req['method'], base: Identity): Promise<Outcome | null> {
  const allowed = mayAccess(route.access, base);
  let who = base;
  if (base.signedIn && route.session === 'fresh') who = { ...base, ...(await sessionOf(base.user!)) };
  if (base.signedIn && route.session === 'throwaway-user' && allowed) {
    const user = await makeUser(base.role!, base.user!.delegation);
    who = { ...base, user, ...(await sessionOf(user)) };
  }
  // an anonymous browser posting a public form first opened it (and got its token)
  if (method === 'POST' && route.access === 'public' && !base.signedIn) who = { ...who, ...(await preSession(who.jar)) };
  const cell: Cell = { who, allowed, actor: allowed && who.user ? who.user : fx.author };
  const req: Req = { ...(await route.build(cell)), method };
  const isApi = req.url.startsWith('/api/');

  let statuses: number[];
  let location: string | undefined;
  let why: string;
  if (allowed) {
    statuses = route.ok?.(cell) ?? (method === 'POST' ? [303] : [200]);
    why = 'granted';
  } else if (!base.signedIn) {
    if (isApi || method !== 'GET') statuses = [401];
    else {
      statuses = [303];
      location = `/login?next=${encodeURIComponent(req.url)}`;
    }
    why = 'not signed in';
  } else {
    statuses = [403];
    why = 'wrong role';
  }

  const watch = !(allowed && method === 'POST');
  const before = watch ? await snapshotTables(db()) : null;
  const deniedBefore = await lastEvent('denied');
  const res = await sendRequest(t.app, req, who.jar, who.csrf);
  const name = `${method} ${req.url} as ${base.key}`;
  const expected = `${statuses.join('|')}${location ? ` -> ${location}` : ''} (${why})`;
  const fail = (detail: string): Outcome => ({ cell: name, expected, actual: `${res.statusCode}${res.headers.location ? ` -> ${res.headers.location}` : ''}: ${detail}` });

  if (!statuses.includes(res.statusCode)) return fail(res.body.slice(0, 200).replace(/\s+/g, ' '));
  if (location !== undefined && res.headers.location !== location) return fail('wrong redirect');
  if (isApi && method !== 'HEAD' && (res.statusCode === 401 || res.statusCode === 403)) {
    const code = res.json()?.error?.code;
    if (code !== (res.statusCode === 401 ? 'UNAUTHENTICATED' : 'FORBIDDEN')) return fail(`error code ${code}`);
  }
  if (!allowed && res.statusCode === 403) {
    const denied = await lastEvent('denied');
    if (!denied || denied.id === deniedBefore?.id || denied.user_id !== base.user!.id || denied.path !== req.url.split('?')[0]) return fail('no "denied" security event');
  }
  if (before) {
    const changed = changedTables(before, await snapshotTables(db()));
    if (changed.length) return fail(`changed ${changed.join(', ')}`);
  }
  if (allowed && route.effect && res.statusCode === statuses[0]) {
    try {
      await route.effect(cell, res, req);
    } catch (err) {
      return fail(`effect: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  return null;
}

// ---------------------------------------------------------------- setup

const identities = {} as Record<IdentityKey, Identity>;
const IDENTITY_ORDER: IdentityKey[] = ['anonymous', 'signed-out', 'viewer', 'evaluator', 'reviewer', 'admin', 'viewer-other-delegation'];

beforeAll(async () => {
  t = await startTestApp({ seed: 'framework', renderPdf: htmlAsPdf });
  fx.admin = await makeUser('admin', null);
  fx.author = await makeUser('evaluator', 'IRN');
  fx.checker = await makeUser('reviewer', 'RUS');
  fx.greenVerified = await verifiedItem();
  const withFile = await submittedBy(fx.author);
  fx.attachment = (await addAttachment(db(), fx.author, withFile, { filename: 'shared.txt', data: Buffer.from('shared attachment') })).id;
  await reviewEvidence(db(), fx.checker, withFile, 'verify', null);
  fx.adminTarget = await makeUser('viewer', 'PAK');
  fx.loginTarget = await makeUser('viewer', 'RUS');
  fx.code = (await issuePasswordCode(db(), { id: fx.admin.id, label: fx.admin.email }, (await makeUser('viewer', 'CHN')).id, 'invite')).code;

  const signedIn = async (key: IdentityKey, role: Role, delegation: string | null) => {
    const user = key === 'admin' ? fx.admin : await makeUser(role, delegation);
    identities[key] = { key, signedIn: true, role, user, ...(await sessionOf(user)) };
  };
  identities.anonymous = { key: 'anonymous', signedIn: false, role: null, user: null, ...(await preSession()) };
  await signedIn('viewer', 'viewer', 'PAK');
  await signedIn('evaluator', 'evaluator', 'PAK');
  await signedIn('reviewer', 'reviewer', 'SEC');
  await signedIn('admin', 'admin', null);
  await signedIn('viewer-other-delegation', 'viewer', 'CHN');
  // an administrator's session, ended by POST /logout; the browser keeps the old cookie and token
  const ended = await makeUser('admin', null);
  const s = await sessionOf(ended);
  const out = await sendRequest(t.app, { method: 'POST', url: '/logout', body: 'form', form: {} }, s.jar, s.csrf);
  if (out.statusCode !== 303) throw new Error(`logout failed: ${out.statusCode}`);
  identities['signed-out'] = { key: 'signed-out', signedIn: false, role: null, user: ended, jar: s.jar, csrf: s.csrf };
});
afterAll(() => t?.close());

// ---------------------------------------------------------------- tests


describe('the route table', () => {
  it('lists exactly the routes the app registers', () => {
    const tree = t.app.printRoutes({ commonPrefix: false });
    const registered = registeredRoutes(t.app);
    // the parse is checked against the router itself, so a misread tree cannot pass silently
    expect(registered.length).toBe((tree.match(/\b(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS)\b/g) ?? []).length);
    for (const pair of registered) {
      const [method, url] = pair.split(' ');
      expect(t.app.hasRoute({ method: method as 'GET', url }), pair).toBe(true);
    }
    const table = ROUTES.flatMap((r) => methodsOf(r).map((m) => `${m} ${r.path}`));
    expect(new Set(table).size).toBe(table.length);
    expect([...registered].sort()).toEqual([...table].sort());
    for (const r of ROUTES) {
      expect(t.app.hasRoute({ method: r.method, url: r.path }), `${r.method} ${r.path}`).toBe(true);
      for (const other of ['PUT', 'PATCH', 'DELETE'] as const) expect(t.app.hasRoute({ method: other, url: r.path }), `${other} ${r.path}`).toBe(false);
    }
  });
});

describe('a route without config.access', () => {
  // the real core, session and auth plugins on a tiny instance (buildApp is already ready: nothing can be added)
  async function tinyApp() {
    const tdb = await openTestDb();
    const app = Fastify({ logger: false });
    await app.register(corePlugin, { db: tdb, config: testConfig(), clock: systemClock });
    await app.register(sessionPlugin);
    await app.register(authPlugin);
    return { app, close: async () => { await app.close().catch(() => undefined); await closeTestDb(tdb); } };
  }

  it('cannot be registered, directly or in a plugin; one with an access rule can', async () => {
    const a = await tinyApp();
    try {
      expect(() => a.app.get('/no-rule', async () => 'x')).toThrow('route GET /no-rule declares no access rule (config.access)');
      expect(() => a.app.post('/no-rule', { config: {} }, async () => 'x')).toThrow(/POST \/no-rule declares no access rule/);
      expect(() => a.app.route({ method: 'DELETE', url: '/no-rule', handler: async () => 'x' })).toThrow(/DELETE \/no-rule declares no access rule/);
      a.app.get('/with-rule', { config: { access: 'public' } }, async () => 'ok');
      a.app.get('/signed-in', { config: { access: 'signed-in' } }, async () => 'secret');
      await a.app.ready();
      expect(a.app.hasRoute({ method: 'GET', url: '/no-rule' })).toBe(false);
      expect((await a.app.inject({ url: '/with-rule' })).body).toBe('ok');
      expect((await a.app.inject({ url: '/signed-in' })).statusCode).toBe(303);
    } finally {
      await a.close();
    }
    const b = await tinyApp();
    try {
      await b.app.register(async (child) => {
        child.get('/nested', async () => 'x');
      });
      expect.unreachable('registering the plugin should have failed');
    } catch (err) {
      expect((err as Error).message).toBe('route GET /nested declares no access rule (config.access)');
    } finally {
      await b.close();
    }
  });
});

describe('access matrix: every route x method x identity', () => {
  for (const route of ROUTES) {
    for (const method of methodsOf(route)) {
      it(`${method} ${route.path} (${Array.isArray(route.access) ? route.access.join('|') : route.access})`, async () => {
        const problems: Outcome[] = [];
        for (const key of IDENTITY_ORDER) {
          const problem = await runCell(route, method, identities[key]);
          if (problem) problems.push(problem);
        }
        expect(problems).toEqual([]);
      });
    }
  }

  it('covered every cell', () => {
    const cells = ROUTES.reduce((n, r) => n + methodsOf(r).length, 0) * IDENTITY_ORDER.length;
    expect(cells).toBeGreaterThan(0);
    console.info(`route matrix: ${ROUTES.length} routes, ${ROUTES.reduce((n, r) => n + methodsOf(r).length, 0)} route x method pairs, ${cells} cells`);
  });
});

describe('submitting evidence needs a writer role on every surface', () => {
  // POST /evidence/:id/submit admits evaluators, reviewers and admins; POST /api/v1/evidence/:id/submit is
  // declared 'signed-in', so an author who has since been made a viewer can still submit their draft via the API.
  it('refuses a viewer (a former evaluator) who submits their own draft, on the page and through the API', async () => {
    const author = await makeUser('evaluator', 'PAK');
    const pageDraft = await draftBy(author);
    const apiDraft = await draftBy(author);
    await db().updateTable('users').set({ role: 'viewer' }).where('id', '=', author.id).execute();
    const s = await sessionOf(author);
    const viaPage = await sendRequest(t.app, { method: 'POST', url: `/evidence/${pageDraft}/submit`, body: 'form', form: {} }, s.jar, s.csrf);
    const viaApi = await sendRequest(t.app, { method: 'POST', url: `/api/v1/evidence/${apiDraft}/submit`, body: 'json' }, s.jar, s.csrf);
    expect({ page: viaPage.statusCode, api: viaApi.statusCode }).toEqual({ page: 403, api: 403 });
    expect({ page: await statusOf(pageDraft), api: await statusOf(apiDraft) }).toEqual({ page: 'draft', api: 'draft' });
  });
});

describe('no state change on GET', () => {
  it('leaves every table (but sessions and security_events) as it was, for an admin and a viewer', async () => {
    const problems: string[] = [];
    for (const key of ['admin', 'viewer'] as const) {
      const who = identities[key];
      for (const route of ROUTES.filter((r) => r.method === 'GET')) {
        const allowed = mayAccess(route.access, who);
        const cell: Cell = { who, allowed, actor: allowed ? who.user! : fx.author };
        const built = await route.build(cell);
        for (const method of ['GET', 'HEAD'] as const) {
          const before = await snapshotTables(db());
          const res = await sendRequest(t.app, { ...built, method }, who.jar, who.csrf);
          const changed = changedTables(before, await snapshotTables(db()));
          if (changed.length) problems.push(`${method} ${built.url} as ${key} (${res.statusCode}) changed ${changed.join(', ')}`);
          if (res.statusCode >= 500 && !pdfUnavailableHere(built.url, res.statusCode)) problems.push(`${method} ${built.url} as ${key}: ${res.statusCode}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});
