// Text PostgreSQL cannot store (U+0000) or that is not valid Unicode (a lone UTF-16 surrogate, which would be
// stored mangled) is refused with 400 naming the field, in every query string and every parsed body, on every
// route, before any handler runs. Run it on PostgreSQL too (TEST_DATABASE_URL), where U+0000 used to answer 500.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, csrfFrom, multipart, signIn, startTestApp, type TestApp } from '../helpers/app';
import { createApiToken } from '../../src/auth/tokens';
import { CLI_ACTOR } from '../../src/audit/log';

const ITEM = { title: 'Patrol seen', observed_on: '2026-03-01', source_reliability: 'B', credibility: 2, tlp: 'GREEN', findings: [{ benchmark: 'BORDER-1', stance: 1 }] };

describe('text that cannot be stored', () => {
  let t: TestApp;
  let jar: string;
  let csrf: string;
  let bearer: string;

  beforeAll(async () => {
    t = await startTestApp({ seed: 'framework' });
    const evaluator = await addUser(t.db, 'evaluator', { delegation: 'PAK' });
    jar = (await signIn(t.app, evaluator.email, evaluator.password)).jar;
    csrf = csrfFrom((await t.app.inject({ url: '/account/tokens', headers: { cookie: jar } })).body);
    bearer = `Bearer ${(await createApiToken(t.db.kysely, evaluator.user, 'nul test', CLI_ACTOR)).token}`;
  });
  afterAll(() => t.close());

  const fieldsOf = (res: { json(): unknown }) => ((res.json() as { error: { fields?: { path: string }[] } }).error.fields ?? []).map((f) => f.path);
  const evidenceCount = async () => (await t.db.kysely.selectFrom('evidence').select('id').execute()).length;

  // regression test for finding 9.11b: a NUL in q answered 500 on PostgreSQL
  it('refuses U+0000 in a query string value, on pages and in the API', async () => {
    const page = await t.app.inject({ url: '/evidence?q=%00', headers: { cookie: jar } });
    expect(page.statusCode).toBe(400);
    expect(page.body).toContain('querystring.q');
    const api = await t.app.inject({ url: '/api/v1/evidence?q=a%00b', headers: { authorization: bearer } });
    expect(api.statusCode).toBe(400);
    expect(api.json().error.code).toBe('VALIDATION');
    expect(fieldsOf(api)).toEqual(['querystring.q']);
    const review = await t.app.inject({ url: '/review?q=x&evaluator=%00', headers: { cookie: jar } });
    expect([400, 403]).toContain(review.statusCode);
    for (const url of ['/benchmarks/BORDER%00', '/groups/%00', '/?perspective=%00', '/evidence/export.csv?q=%00']) {
      const res = await t.app.inject({ url, headers: { cookie: jar } });
      expect(res.statusCode, url).toBe(400);
    }
  });

  // regression test for finding 9.11b: a NUL in the sign-in e-mail answered 500 on PostgreSQL
  it('refuses U+0000 in the sign-in e-mail without counting an attempt', async () => {
    const before = await t.db.kysely.selectFrom('security_events').select('id').where('event', 'like', 'sign-in%').execute();
    const page = await t.app.inject({ url: '/login' });
    const cookie = page.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
    const res = await t.app.inject({
      method: 'POST',
      url: '/login',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ email: 'someone\u0000@example.org', password: 'whatever it is here', _csrf: csrfFrom(page.body) }).toString(),
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('body.email');
    const after = await t.db.kysely.selectFrom('security_events').select('id').where('event', 'like', 'sign-in%').execute();
    expect(after.length).toBe(before.length);
  });

  // regression test for finding 9.11b: NUL and lone surrogates in JSON bodies reached the database
  it('refuses U+0000 and lone surrogates anywhere in a JSON body, naming the field', async () => {
    const count = await evidenceCount();
    const send = (text: string) => t.app.inject({ method: 'POST', url: '/api/v1/evidence', headers: { authorization: bearer, 'content-type': 'application/json' }, payload: text });
    const nulTitle = await send(JSON.stringify({ ...ITEM, title: 'Patrol\u0000seen' }));
    expect(nulTitle.statusCode).toBe(400);
    expect(fieldsOf(nulTitle)).toEqual(['body.title']);
    const surrogate = await send(`{"title":"Patrol \\ud800 seen","observed_on":"2026-03-01","source_reliability":"B","credibility":2,"findings":[]}`);
    expect(surrogate.statusCode).toBe(400);
    expect(fieldsOf(surrogate)).toEqual(['body.title']);
    const lowAlone = await send(JSON.stringify({ ...ITEM, summary: 'x\udc00' }));
    expect(fieldsOf(lowAlone)).toEqual(['body.summary']);
    const nested = await send(JSON.stringify({ ...ITEM, findings: [{ benchmark: 'BORDER-1\u0000', stance: 1 }] }));
    expect(fieldsOf(nested)).toEqual(['body.findings.0.benchmark']);
    const inKey = await send(JSON.stringify({ ...ITEM, ['ti\u0000tle']: 'x' }));
    expect(inKey.statusCode).toBe(400);
    // a pair of surrogates is one ordinary character
    const emoji = await send(JSON.stringify({ ...ITEM, title: 'Patrol seen 💥' }));
    expect(emoji.statusCode).toBe(201);
    expect(await evidenceCount()).toBe(count + 1);
  });

  it('refuses U+0000 in form and multipart fields, but not in the bytes of an uploaded file', async () => {
    const form = await t.app.inject({
      method: 'POST',
      url: '/evidence/new',
      headers: { cookie: jar, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrf, title: 'a\u0000b', observed_on: '2026-03-01' }).toString(),
    });
    expect(form.statusCode).toBe(400);
    expect(form.body).toContain('body.title');
    const draft = await t.app.inject({ method: 'POST', url: '/api/v1/evidence', headers: { authorization: bearer, 'content-type': 'application/json' }, payload: JSON.stringify(ITEM) });
    const id = draft.json().id as number;
    const field = multipart({ _csrf: csrf, x: 'a\u0000b' }, { field: 'file', filename: 'note.txt', content: 'fine' });
    const withField = await t.app.inject({ method: 'POST', url: `/evidence/${id}/attachments`, headers: { cookie: jar, ...field.headers }, payload: field.payload });
    expect(withField.statusCode).toBe(400);
    const binary = multipart({ _csrf: csrf }, { field: 'file', filename: 'image.png', content: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0xd8]) });
    const withBinary = await t.app.inject({ method: 'POST', url: `/evidence/${id}/attachments`, headers: { cookie: jar, ...binary.headers }, payload: binary.payload });
    expect(withBinary.statusCode).toBe(303);
    expect(await t.db.kysely.selectFrom('attachments').select('filename').where('evidence_id', '=', id).execute()).toEqual([{ filename: 'image.png' }]);
  });
});
