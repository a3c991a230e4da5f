import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, csrfFrom, signIn, startTestApp, type TestApp } from '../helpers/app';
import { createApiToken } from '../../src/auth/tokens';
import { CLI_ACTOR, verifyAuditChain } from '../../src/audit/log';

const item = (extra: Record<string, unknown> = {}) => ({
  title: 'Joint patrol at Torkham observed',
  summary: 'Patrol of **both sides** seen.',
  source: 'Field observation',
  url: 'https://example.org/x',
  observed_on: '2026-03-01',
  source_reliability: 'A',
  credibility: 1,
  groups: ['TTP'],
  tlp: 'GREEN',
  location: 'Torkham',
  findings: [{ benchmark: 'BORDER-1', stance: 2 }],
  ...extra,
});

describe('evidence API: log, four-eyes review, corrections and retractions', () => {
  let t: TestApp;
  const bearer: Record<string, string> = {};
  let evaluatorId: number;

  beforeAll(async () => {
    t = await startTestApp({ seed: 'framework' });
    for (const [name, role, delegation] of [['evaluator', 'evaluator', 'PAK'], ['reviewer', 'reviewer', 'SEC'], ['reviewer2', 'reviewer', 'CHN'], ['viewer', 'viewer', 'RUS']] as const) {
      const u = await addUser(t.db, role, { delegation });
      if (name === 'evaluator') evaluatorId = u.user.id;
      bearer[name] = `Bearer ${(await createApiToken(t.db.kysely, u.user, 'test', CLI_ACTOR)).token}`;
    }
  });
  afterAll(() => t.close());

  const api = (who: string, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    t.app.inject({ method, url, headers: { authorization: bearer[who] }, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const score = async (code: string) => {
    const card = (await api('viewer', 'GET', '/api/v1/scorecard?as_of=2026-03-31')).json();
    return card.pillars.flatMap((p: { benchmarks: { code: string; score: number; findings: number }[] }) => p.benchmarks).find((b: { code: string }) => b.code === code);
  };

  it('logs an item, has another reviewer verify it, and the score moves at once', async () => {
    const before = await score('BORDER-1');
    const created = await api('evaluator', 'POST', '/api/v1/evidence', item());
    expect(created.statusCode).toBe(201);
    const body = created.json();
    expect(body).toMatchObject({ status: 'draft', framework: 'QUAD-2025', groups: ['TTP'], findings: [{ benchmark: 'BORDER-1', stance: 2 }] });
    expect(body.history.map((h: { action: string }) => h.action)).toEqual(['created']);

    expect((await api('reviewer', 'POST', `/api/v1/evidence/${body.id}/verify`)).statusCode).toBe(404); // a draft is private to its author
    expect((await api('evaluator', 'POST', `/api/v1/evidence/${body.id}/submit`)).json().status).toBe('submitted');
    const verified = await api('reviewer', 'POST', `/api/v1/evidence/${body.id}/verify`);
    expect(verified.statusCode).toBe(200);
    expect(verified.json().history.map((h: { action: string; actor: string }) => h.action)).toEqual(['created', 'submitted', 'verified']);
    const after = await score('BORDER-1');
    expect(after.findings).toBe(before.findings + 1);
    expect(after.score).toBeGreaterThan(before.score);
  });

  it('refuses verification and rejection by the author, whatever their role', async () => {
    const own = (await api('reviewer', 'POST', '/api/v1/evidence', item({ submit: true }))).json();
    expect(own.status).toBe('submitted');
    for (const action of ['verify', 'reject']) {
      const res = await api('reviewer', 'POST', `/api/v1/evidence/${own.id}/${action}`, { reason: 'mine' });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('FORBIDDEN');
    }
    expect((await api('reviewer2', 'POST', `/api/v1/evidence/${own.id}/verify`)).statusCode).toBe(200);
  });

  it('keeps review for reviewers and needs a reason to reject or retract', async () => {
    const e = (await api('evaluator', 'POST', '/api/v1/evidence', item({ submit: true }))).json();
    expect((await api('viewer', 'POST', `/api/v1/evidence/${e.id}/verify`)).statusCode).toBe(403);
    const noReason = await api('reviewer', 'POST', `/api/v1/evidence/${e.id}/reject`, {});
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().error.fields).toEqual([{ path: 'reason', message: 'is required' }]);
    const rejected = await api('reviewer', 'POST', `/api/v1/evidence/${e.id}/reject`, { reason: 'Source cannot be traced' });
    expect(rejected.json()).toMatchObject({ status: 'rejected', reject_reason: 'Source cannot be traced' });
    expect((await api('reviewer', 'POST', `/api/v1/evidence/${e.id}/verify`)).statusCode).toBe(409);
  });

  it('corrects a verified item with a new version that supersedes it once verified', async () => {
    const original = (await api('evaluator', 'POST', '/api/v1/evidence', item({ submit: true, findings: [{ benchmark: 'BORDER-2', stance: -2 }] }))).json();
    await api('reviewer', 'POST', `/api/v1/evidence/${original.id}/verify`);
    const before = await score('BORDER-2');
    const correction = await api('evaluator', 'POST', `/api/v1/evidence/${original.id}/correct`, item({ submit: true, findings: [{ benchmark: 'BORDER-2', stance: 1 }] }));
    expect(correction.statusCode).toBe(201);
    expect(correction.json().supersedes).toBe(original.id);
    expect((await score('BORDER-2')).score).toBe(before.score); // not verified yet: nothing changes
    await api('reviewer', 'POST', `/api/v1/evidence/${correction.json().id}/verify`);
    const old = (await api('evaluator', 'GET', `/api/v1/evidence/${original.id}`)).json();
    expect(old.status).toBe('superseded');
    expect(old.corrected_by).toEqual([correction.json().id]);
    expect(old.history.map((h: { action: string }) => h.action)).toEqual(['created', 'verified', 'correction_proposed', 'superseded']);
    const after = await score('BORDER-2');
    expect(after.findings).toBe(before.findings);
    expect(after.score).toBeGreaterThan(before.score);
  });

  it('retracts a verified item with a reason, and the score no longer counts it', async () => {
    const e = (await api('evaluator', 'POST', '/api/v1/evidence', item({ submit: true, findings: [{ benchmark: 'BORDER-1', stance: -2 }] }))).json();
    await api('reviewer', 'POST', `/api/v1/evidence/${e.id}/verify`);
    const counted = (await score('BORDER-1')).findings;
    const retracted = await api('reviewer2', 'POST', `/api/v1/evidence/${e.id}/retract`, { reason: 'Fabricated source' });
    expect(retracted.json()).toMatchObject({ status: 'retracted', retract_reason: 'Fabricated source' });
    expect((await score('BORDER-1')).findings).toBe(counted - 1);
  });

  it('rejects bad input naming each field and writes nothing', async () => {
    const count = async () => Number((await t.db.kysely.selectFrom('evidence').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const before = await count();
    const res = await api('evaluator', 'POST', '/api/v1/evidence', item({
      title: '', url: 'javascript:alert(1)', observed_on: '2999-01-01', source_reliability: 'Z', credibility: '2', tlp: 'PURPLE',
      findings: [{ benchmark: 'BORDER-9', stance: 1 }], verified_at: '2026-01-01T00:00:00Z',
    }));
    expect(res.statusCode).toBe(400);
    const paths = res.json().error.fields.map((f: { path: string }) => f.path);
    expect(paths).toEqual(expect.arrayContaining(['title', 'url', 'source_reliability', 'credibility', 'tlp', 'findings[0].benchmark', 'verified_at']));
    const future = await api('evaluator', 'POST', '/api/v1/evidence', item({ observed_on: '2999-01-01' }));
    expect(future.json().error.fields).toEqual([{ path: 'observed_on', message: 'must not be in the future' }]);
    expect((await api('evaluator', 'POST', '/api/v1/evidence', [1, 2])).statusCode).toBe(400);
    expect((await api('viewer', 'POST', '/api/v1/evidence', item())).statusCode).toBe(403);
    expect(await count()).toBe(before);
  });

  it('needs the CSRF header for writes made with a session, not with a token', async () => {
    const u = await addUser(t.db, 'evaluator', { delegation: 'IRN' });
    const { jar } = await signIn(t.app, u.email, u.password);
    const noToken = await t.app.inject({ method: 'POST', url: '/api/v1/evidence', headers: { cookie: jar }, payload: item() });
    expect(noToken.statusCode).toBe(403);
    expect(noToken.json().error.code).toBe('CSRF');
    const page = await t.app.inject({ url: '/', headers: { cookie: jar } });
    const ok = await t.app.inject({ method: 'POST', url: '/api/v1/evidence', headers: { cookie: jar, 'x-csrf-token': csrfFrom(page.body) }, payload: item() });
    expect(ok.statusCode).toBe(201);
    const badToken = await t.app.inject({ url: '/api/v1/evidence', headers: { authorization: 'Bearer pw_not-a-real-token' } });
    expect(badToken.statusCode).toBe(401);
  });

  it('records every change in an intact hash chain', async () => {
    const result = await verifyAuditChain(t.db.kysely);
    expect(result.ok).toBe(true);
    const actions = await t.db.kysely.selectFrom('audit_log').select('action').where('actor_id', '=', evaluatorId).execute();
    expect(actions.length).toBeGreaterThan(5);
  });
});
