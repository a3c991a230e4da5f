// Retries of API writes (issue 10.4): an Idempotency-Key makes a retried POST answer what the first one answered,
// without doing it twice, also when both arrive at once; a ref the submitter already used answers 409 with the id
// of their item, so a client whose first try timed out can tell that it succeeded.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LightMyRequestResponse } from 'fastify';
import { addUser, manualClock, startTestApp, type TestApp } from '../helpers/app';
import { createApiToken } from '../../src/auth/tokens';
import { CLI_ACTOR, verifyAuditChain } from '../../src/audit/log';
import { onPostgres } from '../helpers/db';

const item = (extra: Record<string, unknown> = {}) => ({
  title: 'Joint patrol at Torkham observed',
  summary: 'Patrol of both sides seen.',
  source: 'Field observation',
  observed_on: '2026-03-01',
  source_reliability: 'A',
  credibility: 1,
  groups: ['TTP'],
  tlp: 'GREEN',
  findings: [{ benchmark: 'BORDER-1', stance: 2 }],
  ...extra,
});

describe(`Idempotency-Key on the API's POST requests (${onPostgres ? 'PostgreSQL' : 'SQLite'})`, () => {
  let t: TestApp;
  const time = manualClock('2026-03-10T09:00:00.000Z');
  const bearer: Record<string, string> = {};
  const userId: Record<string, number> = {};

  beforeAll(async () => {
    t = await startTestApp({ seed: 'framework', clock: time.clock });
    for (const [name, role, delegation] of [['evaluator', 'evaluator', 'PAK'], ['evaluator2', 'evaluator', 'PAK'], ['reviewer', 'reviewer', 'SEC']] as const) {
      const u = await addUser(t.db, role, { delegation });
      userId[name] = u.user.id;
      bearer[name] = `Bearer ${(await createApiToken(t.db.kysely, u.user, 'test', CLI_ACTOR)).token}`;
    }
  });
  afterAll(() => t.close());

  const post = (who: string, url: string, payload?: unknown, key?: string) =>
    t.app.inject({
      method: 'POST',
      url,
      headers: { authorization: bearer[who], ...(key !== undefined ? { 'idempotency-key': key } : {}) },
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
  const itemsOf = async (who: string) => t.db.kysely.selectFrom('evidence').select(['id', 'ref', 'status']).where('created_by', '=', userId[who]).orderBy('id').execute();
  const logEntries = async (action: string, id: number) =>
    (await t.db.kysely.selectFrom('audit_log').select('seq').where('action', '=', action).where('entity_id', '=', String(id)).execute()).length;
  const replayed = (res: LightMyRequestResponse) => res.headers['idempotent-replay'] === 'true';

  it('answers a retried create with the first answer, byte for byte, and logs the item once', async () => {
    const before = (await itemsOf('evaluator')).length;
    const first = await post('evaluator', '/api/v1/evidence', item({ submit: true }), 'create-1');
    expect(first.statusCode).toBe(201);
    expect(replayed(first)).toBe(false);
    const retry = await post('evaluator', '/api/v1/evidence', item({ submit: true }), 'create-1');
    expect(retry.statusCode).toBe(201);
    expect(replayed(retry)).toBe(true);
    expect(retry.body).toBe(first.body);
    expect(retry.headers.location).toBe(first.headers.location);
    expect((await itemsOf('evaluator')).length).toBe(before + 1);
    expect(await logEntries('evidence.created', first.json().id)).toBe(1);
    // the same body with its keys in another order is the same request
    const reordered = Object.fromEntries(Object.entries(item({ submit: true })).reverse());
    expect(replayed(await post('evaluator', '/api/v1/evidence', reordered, 'create-1'))).toBe(true);
    // keys are per user: another user's request with the same key is theirs, and is done
    const other = await post('evaluator2', '/api/v1/evidence', item({ submit: true }), 'create-1');
    expect(other.statusCode).toBe(201);
    expect(replayed(other)).toBe(false);
    expect(other.json().id).not.toBe(first.json().id);
    // after a day the key is forgotten: the same request is a new one
    time.advance(25 * 3_600_000);
    const later = await post('evaluator', '/api/v1/evidence', item({ submit: true }), 'create-1');
    expect(later.statusCode).toBe(201);
    expect(replayed(later)).toBe(false);
    expect(later.json().id).not.toBe(first.json().id);
  });

  it('answers a retried verify with the first answer instead of "already verified"', async () => {
    const created = (await post('evaluator', '/api/v1/evidence', item({ submit: true }))).json();
    const first = await post('reviewer', `/api/v1/evidence/${created.id}/verify`, undefined, 'verify-1');
    expect(first.statusCode).toBe(200);
    expect(first.json().status).toBe('verified');
    const retry = await post('reviewer', `/api/v1/evidence/${created.id}/verify`, undefined, 'verify-1');
    expect(retry.statusCode).toBe(200);
    expect(replayed(retry)).toBe(true);
    expect(retry.body).toBe(first.body);
    expect(await logEntries('evidence.verified', created.id)).toBe(1);
    // without the key the retry is a new request, which the state now forbids
    expect((await post('reviewer', `/api/v1/evidence/${created.id}/verify`)).statusCode).toBe(409);
    // a retract with a reason, retried
    const retract = await post('reviewer', `/api/v1/evidence/${created.id}/retract`, { reason: 'Fabricated' }, 'retract-1');
    const again = await post('reviewer', `/api/v1/evidence/${created.id}/retract`, { reason: 'Fabricated' }, 'retract-1');
    expect([retract.statusCode, again.statusCode, replayed(again)]).toEqual([200, 200, true]);
  });

  it('refuses the key with another body or on another path with 409 IDEMPOTENCY_KEY_REUSED, changing nothing', async () => {
    const first = await post('evaluator', '/api/v1/evidence', item({ title: 'First use of the key' }), 'reused-1');
    expect(first.statusCode).toBe(201);
    const before = (await itemsOf('evaluator')).length;
    const otherBody = await post('evaluator', '/api/v1/evidence', item({ title: 'Another item' }), 'reused-1');
    expect(otherBody.statusCode).toBe(409);
    expect(otherBody.json().error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    const otherPath = await post('evaluator', `/api/v1/evidence/${first.json().id}/submit`, undefined, 'reused-1');
    expect(otherPath.statusCode).toBe(409);
    expect(otherPath.json().error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect((await itemsOf('evaluator')).length).toBe(before);
    expect((await itemsOf('evaluator')).find((i) => i.id === first.json().id)?.status).toBe('draft');
  });

  it('refuses a malformed key with 400 naming the header; a refused request stores nothing', async () => {
    for (const key of ['', 'k'.repeat(201), 'clé', 'tab\there']) {
      const res = await post('evaluator', '/api/v1/evidence', item(), key);
      expect(res.statusCode, JSON.stringify(key)).toBe(400);
      expect(res.json().error.fields).toEqual([{ path: 'headers.idempotency-key', message: 'must be 1 to 200 printable ASCII characters' }]);
    }
    expect((await post('evaluator', '/api/v1/evidence', item(), `${'k'.repeat(199)}~`)).statusCode).toBe(201);
    // a 400 is not stored: the corrected request with the same key is done
    const bad = await post('evaluator', '/api/v1/evidence', item({ observed_on: '2999-01-01' }), 'fix-and-retry');
    expect(bad.statusCode).toBe(400);
    const fixed = await post('evaluator', '/api/v1/evidence', item(), 'fix-and-retry');
    expect(fixed.statusCode).toBe(201);
    expect(replayed(fixed)).toBe(false);
  });

  it('does the work once when requests with one key arrive at once: the others wait and get the replay', async () => {
    const before = (await itemsOf('evaluator')).length;
    const creates = await Promise.all(Array.from({ length: 6 }, () => post('evaluator', '/api/v1/evidence', item({ title: 'Sent six times at once' }), 'concurrent-create')));
    expect(creates.map((r) => r.statusCode)).toEqual(Array(6).fill(201));
    expect(new Set(creates.map((r) => r.json().id)).size).toBe(1);
    expect(creates.filter((r) => !replayed(r))).toHaveLength(1);
    expect((await itemsOf('evaluator')).length).toBe(before + 1);

    const target = (await post('evaluator', '/api/v1/evidence', item({ submit: true }))).json();
    const verifies = await Promise.all(Array.from({ length: 4 }, () => post('reviewer', `/api/v1/evidence/${target.id}/verify`, undefined, 'concurrent-verify')));
    expect(verifies.map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
    expect(new Set(verifies.map((r) => r.body)).size).toBe(1);
    expect(await logEntries('evidence.verified', target.id)).toBe(1);
    // the requests that lost rolled back whole: the log has no gap and no stray entry
    expect((await verifyAuditChain(t.db.kysely)).ok).toBe(true);
  });

  it('answers a create whose ref the submitter already used with 409 CONFLICT naming their item', async () => {
    const first = await post('evaluator', '/api/v1/evidence', item({ ref: 'RETRY-0001' }));
    expect(first.statusCode).toBe(201);
    const retry = await post('evaluator', '/api/v1/evidence', item({ ref: 'RETRY-0001' }));
    expect(retry.statusCode).toBe(409);
    const error = retry.json().error;
    expect(error.code).toBe('CONFLICT');
    expect(error.existing).toEqual({ id: first.json().id });
    expect(error.fields).toEqual([{ path: 'ref', message: `"RETRY-0001" is already used by your item #${first.json().id}` }]);
    // another submitter's ref is never named: they may use it
    expect((await post('evaluator2', '/api/v1/evidence', item({ ref: 'RETRY-0001' }))).statusCode).toBe(201);
  });

  it('answers 25 pairs of concurrent creates with one ref each: one 201 and one 409 with its id per pair, never 500', async () => {
    const refs = Array.from({ length: 25 }, (_, i) => `PAIR-${String(i).padStart(2, '0')}`);
    const answers = await Promise.all(refs.flatMap((ref) => [post('evaluator', '/api/v1/evidence', item({ ref })), post('evaluator', '/api/v1/evidence', item({ ref }))]));
    const problems: string[] = [];
    refs.forEach((ref, i) => {
      const pair = [answers[2 * i], answers[2 * i + 1]];
      const created = pair.find((r) => r.statusCode === 201);
      const refused = pair.find((r) => r.statusCode !== 201);
      if (!created || !refused) return problems.push(`${ref}: ${pair.map((r) => r.statusCode).join(', ')}`);
      const error = refused.json().error;
      if (refused.statusCode !== 409 || error?.code !== 'CONFLICT' || error?.existing?.id !== created.json().id) problems.push(`${ref}: ${refused.statusCode} ${refused.body.slice(0, 200)}`);
    });
    expect(problems).toEqual([]);
    const stored = (await itemsOf('evaluator')).filter((i) => i.ref?.startsWith('PAIR-'));
    expect(stored).toHaveLength(25);
  }, 60_000);
});
