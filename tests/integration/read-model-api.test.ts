// The read model's operator endpoints: an administrator can ask an instance to prove its model equals a full
// recomputation, and to rebuild it; nobody else can.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, signIn, startTestApp, type TestApp } from '../helpers/app';
import { createApiToken } from '../../src/auth/tokens';
import { CLI_ACTOR } from '../../src/audit/log';
import { createEvidence, reviewEvidence } from '../../src/evidence/service';
import { evidenceItem } from '../helpers/evidence';

describe('GET /api/v1/read-model and POST /api/v1/read-model/rebuild', () => {
  let t: TestApp;
  let adminToken: string;
  let viewerJar: string;
  let adminJar: string;

  beforeAll(async () => {
    t = await startTestApp({ seed: 'demo' });
    const admin = await addUser(t.db, 'admin');
    adminToken = (await createApiToken(t.db.kysely, admin.user, 'ops', CLI_ACTOR)).token;
    adminJar = (await signIn(t.app, admin.email, admin.password)).jar;
    const viewer = await addUser(t.db, 'viewer', { delegation: 'PAK' });
    viewerJar = (await signIn(t.app, viewer.email, viewer.password)).jar;
  });
  afterAll(() => t.close());

  it('proves the model equal to the engine, also after changes, for administrators only', async () => {
    const check = () => t.app.inject({ url: '/api/v1/read-model?as_of=2026-03-01', headers: { cookie: adminJar } });
    const first = await check();
    expect(first.statusCode).toBe(200);
    expect(first.json()).toMatchObject({ framework: 'QUAD-2025', ok: true, differences: [], compared: 5 * 4 });
    expect(first.json().items.model).toBe(first.json().items.stored);
    expect(first.json().max_difference).toBeLessThan(1e-9);
    // a change made behind the app's back (another instance) is in the next check
    const author = await addUser(t.db, 'evaluator', { delegation: 'PAK' });
    const checker = await addUser(t.db, 'reviewer', { delegation: 'SEC' });
    const row = await createEvidence(t.db.kysely, author.user, null, evidenceItem({ observed_on: '2026-02-20' }), { submit: true });
    await reviewEvidence(t.db.kysely, checker.user, row.id, 'verify', null);
    const second = (await check()).json();
    expect(second).toMatchObject({ ok: true });
    expect(second.items.model).toBe(first.json().items.model + 1);

    expect((await t.app.inject({ url: '/api/v1/read-model', headers: { cookie: viewerJar } })).statusCode).toBe(403);
    expect((await t.app.inject({ url: '/api/v1/read-model' })).statusCode).toBe(401);
    const bad = await t.app.inject({ url: '/api/v1/read-model?as_of=2026-02-30', headers: { cookie: adminJar } });
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('as_of');
  });

  it('rebuilds on request with a token, and refuses a session without its CSRF token', async () => {
    const rebuilt = await t.app.inject({ method: 'POST', url: '/api/v1/read-model/rebuild', headers: { authorization: `Bearer ${adminToken}` } });
    expect(rebuilt.statusCode).toBe(200);
    expect(rebuilt.json()).toMatchObject({ framework: 'QUAD-2025' });
    expect(rebuilt.json().items).toBeGreaterThan(0);
    const forged = await t.app.inject({ method: 'POST', url: '/api/v1/read-model/rebuild', headers: { cookie: adminJar } });
    expect(forged.statusCode).toBe(403);
    expect((await t.app.inject({ method: 'POST', url: '/api/v1/read-model/rebuild', headers: { cookie: viewerJar } })).statusCode).toBe(403);
  });
});
