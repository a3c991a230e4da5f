// The sign-in limits hold for attempts made at the same time: each attempt is counted (committed) before its
// password is checked, so of many parallel guesses at most the limit get a password check and the rest are
// refused with 429. Run it on PostgreSQL too (TEST_DATABASE_URL), where requests really run concurrently.

import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cookieJar, csrfFrom, startTestApp, type TestApp } from '../helpers/app';
import { SIGN_IN_LIMITS } from '../../src/security/log';
import { insertUser, TEST_PASSWORD as PASSWORD } from '../helpers/users';
import type { UserRow } from '../../src/db/schema';

// the suite's cheap scrypt cost for these accounts (tests/helpers/users.ts; verifyPassword reads the cost from the
// hash): the limits are under test
let t: TestApp;
const makeUser = (): Promise<UserRow> => insertUser(t.db.kysely, 'viewer', { label: 'limit' });

/** Opens the sign-in form (as a browser would) and returns a function that posts it once. */
async function preparedAttempt(app: FastifyInstance, email: string, password: string, remoteAddress: string) {
  const page = await app.inject({ url: '/login', remoteAddress });
  const cookie = cookieJar('', page);
  const payload = new URLSearchParams({ email, password, _csrf: csrfFrom(page.body) }).toString();
  return () => app.inject({ method: 'POST', url: '/login', remoteAddress, headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, payload });
}

const tally = (statuses: number[]) => statuses.reduce<Record<number, number>>((acc, s) => ({ ...acc, [s]: (acc[s] ?? 0) + 1 }), {});

/** The security events the statuses should have left: one per attempt, none still in flight. */
const expected = (counts: Record<number, number>) => ({
  ...(counts[401] ? { 'sign-in.failed': counts[401] } : {}),
  ...(counts[429] ? { 'sign-in.limited': counts[429] } : {}),
});

async function eventsFrom(ip: string) {
  const rows = await t.db.kysely.selectFrom('security_events').select('event').where('ip', '=', ip).execute();
  return tally(rows.map((r) => r.event) as unknown as number[]) as unknown as Record<string, number>;
}

beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('sign-in limits under concurrent attempts', () => {
  // regression test for finding 9.6: 15 parallel wrong passwords for one account got 15 password checks
  it('checks at most 5 passwords of 15 parallel guesses at one account; the rest are limited', async () => {
    const user = await makeUser();
    const ip = '198.51.100.15';
    const attempts = await Promise.all(Array.from({ length: 15 }, (_, i) => preparedAttempt(t.app, user.email, `wrong guess number ${i}`, ip)));
    const statuses = (await Promise.all(attempts.map((send) => send()))).map((r) => r.statusCode);
    const counts = tally(statuses);
    expect(Object.keys(counts).map(Number).every((s) => s === 401 || s === 429), JSON.stringify(counts)).toBe(true);
    expect(counts[401] ?? 0, JSON.stringify(counts)).toBeLessThanOrEqual(SIGN_IN_LIMITS.perAccount);
    expect((counts[401] ?? 0) + (counts[429] ?? 0)).toBe(15);
    // every attempt was recorded as what it turned out to be; none is left in flight
    const events = await eventsFrom(ip);
    expect(events).toEqual(expected(counts));
    // later guesses get only what is left of the 5 checks; then even the right password is refused
    const later: number[] = [];
    for (let i = 0; i < 8; i += 1) later.push((await (await preparedAttempt(t.app, user.email, `later guess ${i}`, ip))()).statusCode);
    expect(later.filter((s) => s === 401)).toHaveLength(SIGN_IN_LIMITS.perAccount - (counts[401] ?? 0));
    expect((await (await preparedAttempt(t.app, user.email, PASSWORD, ip))()).statusCode).toBe(429);
  });

  // regression test for finding 9.6: one address made 38 failures against a limit of 20
  it('checks at most 20 passwords of 30 parallel guesses from one address at 30 accounts', async () => {
    const users = await Promise.all(Array.from({ length: 30 }, () => makeUser()));
    const ip = '198.51.100.30';
    const attempts = await Promise.all(users.map((u) => preparedAttempt(t.app, u.email, 'not the right passphrase', ip)));
    const statuses = (await Promise.all(attempts.map((send) => send()))).map((r) => r.statusCode);
    const counts = tally(statuses);
    expect(Object.keys(counts).map(Number).every((s) => s === 401 || s === 429), JSON.stringify(counts)).toBe(true);
    expect(counts[401] ?? 0, JSON.stringify(counts)).toBeLessThanOrEqual(SIGN_IN_LIMITS.perAddress);
    expect((counts[401] ?? 0) + (counts[429] ?? 0)).toBe(30);
    const events = await eventsFrom(ip);
    expect(events).toEqual(expected(counts));
  });

  it('lets a right password in among parallel wrong ones only while under the limit', async () => {
    const user = await makeUser();
    const ip = '198.51.100.16';
    const wrong = await Promise.all(Array.from({ length: 10 }, (_, i) => preparedAttempt(t.app, user.email, `wrong guess ${i}`, ip)));
    const right = await preparedAttempt(t.app, user.email, PASSWORD, ip);
    const responses = await Promise.all([...wrong.slice(0, 5).map((s) => s()), right(), ...wrong.slice(5).map((s) => s())]);
    const checked = responses.filter((r) => r.statusCode === 401 || r.statusCode === 303).length;
    expect(checked).toBeLessThanOrEqual(SIGN_IN_LIMITS.perAccount);
    expect(responses.every((r) => [303, 401, 429].includes(r.statusCode))).toBe(true);
  });
});

describe('sign-in limits, one attempt after another', () => {
  it('allows 5 failures, then limits; a success clears the account count', async () => {
    const user = await makeUser();
    const ip = '198.51.100.40';
    for (let i = 0; i < 4; i += 1) expect((await (await preparedAttempt(t.app, user.email, `wrong ${i}`, ip))()).statusCode).toBe(401);
    expect((await (await preparedAttempt(t.app, user.email, PASSWORD, ip))()).statusCode).toBe(303);
    for (let i = 0; i < 5; i += 1) expect((await (await preparedAttempt(t.app, user.email, `again wrong ${i}`, ip))()).statusCode).toBe(401);
    const limited = await (await preparedAttempt(t.app, user.email, PASSWORD, ip))();
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(SIGN_IN_LIMITS.windowMinutes * 60);
    expect(limited.body).toContain('for this account');
  });
});
