// A new password ends every other way into the account: other sessions end and every API token is revoked,
// whether the user changes it themselves or sets it with a one-time link; the pages say so beforehand.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, cookieJar, csrfFrom, postForm, signIn, startTestApp, type TestApp } from '../helpers/app';
import { createApiToken } from '../../src/auth/tokens';
import { CLI_ACTOR, SYSTEM_ACTOR } from '../../src/audit/log';
import { issuePasswordCode } from '../../src/users/service';

describe('a new password revokes API tokens', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ seed: 'framework' });
  });
  afterAll(() => t.close());

  const apiStatus = (token: string) => t.app.inject({ url: '/api/v1/evidence', headers: { authorization: `Bearer ${token}` } }).then((r) => r.statusCode);
  const liveTokens = (userId: number) =>
    t.db.kysely.selectFrom('api_tokens').select('id').where('user_id', '=', userId).where('revoked_at', 'is', null).execute();

  // regression test for finding 9.9: changing one's password left API tokens working
  it('revokes every API token and ends other sessions when a user changes their own password', async () => {
    const u = await addUser(t.db, 'evaluator', { delegation: 'PAK', password: 'initial passphrase for tokens' });
    const tokens = [(await createApiToken(t.db.kysely, u.user, 'laptop', CLI_ACTOR)).token, (await createApiToken(t.db.kysely, u.user, 'script', CLI_ACTOR)).token];
    const other = await signIn(t.app, u.email, 'initial passphrase for tokens');
    const here = await signIn(t.app, u.email, 'initial passphrase for tokens');
    for (const token of tokens) expect(await apiStatus(token)).toBe(200);

    const page = await t.app.inject({ url: '/account/password', headers: { cookie: here.jar } });
    expect(page.body).toMatch(/signs you out on every other device and revokes all your API tokens/);

    const res = await postForm(t.app, here.jar, '/account/password', '/account/password', { current_password: 'initial passphrase for tokens', new_password: 'quilted harbour lamps at dusk', confirm_password: 'quilted harbour lamps at dusk' });
    expect(res.statusCode).toBe(303);
    for (const token of tokens) expect(await apiStatus(token)).toBe(401);
    expect(await liveTokens(u.user.id)).toEqual([]);
    expect((await t.app.inject({ url: '/', headers: { cookie: other.jar } })).statusCode).toBe(303);
    const jar = cookieJar(here.jar, res);
    const home = await t.app.inject({ url: '/', headers: { cookie: jar } });
    expect(home.statusCode).toBe(200);
    expect(home.body).toContain('signed out everywhere else and your API tokens were revoked');
  });

  // regression test for finding 9.9: setting a password with a one-time code left API tokens working
  it('revokes every API token and ends all sessions when a password is set with a one-time link', async () => {
    const u = await addUser(t.db, 'viewer', { delegation: 'CHN' });
    const token = (await createApiToken(t.db.kysely, u.user, 'old', CLI_ACTOR)).token;
    const session = await signIn(t.app, u.email, u.password);
    expect(await apiStatus(token)).toBe(200);
    const { code } = await issuePasswordCode(t.db.kysely, SYSTEM_ACTOR, u.user.id, 'reset');
    const page = await t.app.inject({ url: `/set-password?code=${code}` });
    expect(page.body).toMatch(/signs the account out everywhere and revokes all its API tokens/);
    const res = await t.app.inject({
      method: 'POST',
      url: '/set-password',
      headers: { cookie: cookieJar('', page), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrfFrom(page.body), code, password: 'pebble orchard whistles softly', confirm_password: 'pebble orchard whistles softly' }).toString(),
    });
    expect(res.statusCode).toBe(303);
    expect(await apiStatus(token)).toBe(401);
    expect(await liveTokens(u.user.id)).toEqual([]);
    expect((await t.app.inject({ url: '/', headers: { cookie: session.jar } })).statusCode).toBe(303);
    expect((await signIn(t.app, u.email, 'pebble orchard whistles softly')).response.statusCode).toBe(303);
  });
});
