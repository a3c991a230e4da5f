import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, csrfFrom, multipart, postForm, signIn, startTestApp, type TestApp } from '../helpers/app';

const form = (extra: Record<string, string | string[]> = {}) => ({
  title: 'Border liaison meeting held at Torkham',
  summary: 'Both sides **agreed** a hotline.\n\n<script>alert(1)</script>',
  source: 'Field report',
  url: 'https://example.org/report',
  observed_on: '2026-05-02',
  source_reliability: 'B',
  credibility: '2',
  tlp: 'GREEN',
  groups: ['TTP', 'BLA'],
  location: 'Torkham crossing',
  finding_benchmark_0: 'BORDER-1',
  finding_stance_0: '1',
  action: 'submit',
  ...extra,
});

describe('evidence desk pages', () => {
  let t: TestApp;
  let evaluator: string;
  let reviewer: string;
  let viewer: string;

  beforeAll(async () => {
    t = await startTestApp({ seed: 'framework' });
    const e = await addUser(t.db, 'evaluator', { delegation: 'PAK' });
    const r = await addUser(t.db, 'reviewer', { delegation: 'SEC' });
    const v = await addUser(t.db, 'viewer', { delegation: 'CHN' });
    evaluator = (await signIn(t.app, e.email, e.password)).jar;
    reviewer = (await signIn(t.app, r.email, r.password)).jar;
    viewer = (await signIn(t.app, v.email, v.password)).jar;
  });
  afterAll(() => t.close());

  const idFrom = (location: string | string[] | undefined) => Number(/\/evidence\/(\d+)/.exec(String(location))![1]);

  it('re-renders the form with the message beside each bad field and everything typed kept', async () => {
    const res = await postForm(t.app, evaluator, '/evidence/new', '/evidence/new', form({ title: '', url: 'javascript:alert(1)', credibility: '9', finding_stance_0: '', finding_benchmark_1: 'BORDER-3', finding_stance_1: '2' }));
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('nothing was saved');
    expect(res.body).toMatch(/id="title-error">[^<]+</);
    expect(res.body).toMatch(/id="url-error">[^<]+</);
    expect(res.body).toMatch(/id="credibility-error">[^<]+</);
    expect(res.body).toMatch(/id="finding_1-error">[^<]*indicator/);
    expect(res.body).toContain('value="Field report"');
    expect(res.body).toContain('value="javascript:alert(1)"');
    expect(res.body).toMatch(/<option value="BORDER-3" selected>/);
    expect(res.body).toMatch(/value="TTP" checked/);
    expect(await t.db.kysely.selectFrom('evidence').select('id').execute()).toEqual([]);
  });

  it('logs, submits and has a reviewer verify through the pages; the author cannot verify', async () => {
    const created = await postForm(t.app, evaluator, '/evidence/new', '/evidence/new', form());
    expect(created.statusCode).toBe(303);
    const id = idFrom(created.headers.location);
    const page = await t.app.inject({ url: `/evidence/${id}`, headers: { cookie: evaluator } });
    expect(page.body).toContain('<strong>agreed</strong>');
    expect(page.body).not.toContain('<script>alert(1)</script>');
    expect(page.body).toContain('Submitted for review');
    expect(page.body).not.toContain(`action="/evidence/${id}/verify"`);

    const own = await postForm(t.app, evaluator, `/evidence/${id}`, `/evidence/${id}/verify`, {});
    expect(own.statusCode).toBe(403);

    const queue = await t.app.inject({ url: '/review', headers: { cookie: reviewer } });
    expect(queue.statusCode).toBe(200);
    expect(queue.body).toContain(`/evidence/${id}`);
    const verified = await postForm(t.app, reviewer, `/evidence/${id}`, `/evidence/${id}/verify`, {});
    expect(verified.statusCode).toBe(303);
    const after = await t.app.inject({ url: `/evidence/${id}`, headers: { cookie: reviewer } });
    expect(after.body).toContain('status-verified');
    expect(after.body).toMatch(/<td>verified<\/td>/);
    expect(after.body).toContain('Propose a correction');
    expect((await t.app.inject({ url: '/review', headers: { cookie: viewer } })).statusCode).toBe(403);
  });

  it('saves a draft visible only to its author, edits and submits it', async () => {
    const created = await postForm(t.app, evaluator, '/evidence/new', '/evidence/new', form({ action: 'draft', tlp: 'CLEAR' }));
    const id = idFrom(created.headers.location);
    expect((await t.app.inject({ url: `/evidence/${id}`, headers: { cookie: reviewer } })).statusCode).toBe(404);
    const edited = await postForm(t.app, evaluator, `/evidence/${id}/edit`, `/evidence/${id}/edit`, form({ action: 'submit', tlp: 'CLEAR', title: 'Edited title' }));
    expect(edited.statusCode).toBe(303);
    const page = await t.app.inject({ url: `/evidence/${id}`, headers: { cookie: reviewer } });
    expect(page.body).toContain('Edited title');
  });

  it('attaches a document with its SHA-256 and serves it only as a download', async () => {
    const created = await postForm(t.app, evaluator, '/evidence/new', '/evidence/new', form({ action: 'draft' }));
    const id = idFrom(created.headers.location);
    const page = await t.app.inject({ url: `/evidence/${id}`, headers: { cookie: evaluator } });
    const pdf = Buffer.concat([Buffer.from('%PDF-1.4\n'), Buffer.alloc(2000, 65)]);
    const upload = multipart({ _csrf: csrfFrom(page.body) }, { field: 'file', filename: 'report-été.pdf', content: pdf, type: 'application/pdf' });
    const res = await t.app.inject({ method: 'POST', url: `/evidence/${id}/attachments`, headers: { cookie: evaluator, ...upload.headers }, payload: upload.payload });
    expect(res.statusCode).toBe(303);
    const shown = await t.app.inject({ url: `/evidence/${id}`, headers: { cookie: evaluator } });
    const sha = (await import('node:crypto')).createHash('sha256').update(pdf).digest('hex');
    expect(shown.body).toContain(sha);
    const attachmentId = /href="\/attachments\/(\d+)"/.exec(shown.body)![1];
    const download = await t.app.inject({ url: `/attachments/${attachmentId}`, headers: { cookie: evaluator } });
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-disposition']).toMatch(/^attachment;/);
    expect(download.headers['content-type']).toBe('application/octet-stream');
    expect(download.rawPayload.equals(pdf)).toBe(true);
    // a draft's document is as private as the draft
    expect((await t.app.inject({ url: `/attachments/${attachmentId}`, headers: { cookie: reviewer } })).statusCode).toBe(404);

    const fake = multipart({ _csrf: csrfFrom(shown.body) }, { field: 'file', filename: 'evil.pdf', content: '<html><script>alert(1)</script>' });
    await t.app.inject({ method: 'POST', url: `/evidence/${id}/attachments`, headers: { cookie: evaluator, ...fake.headers }, payload: fake.payload });
    const exe = multipart({ _csrf: csrfFrom(shown.body) }, { field: 'file', filename: 'tool.exe', content: 'MZ' });
    await t.app.inject({ method: 'POST', url: `/evidence/${id}/attachments`, headers: { cookie: evaluator, ...exe.headers }, payload: exe.payload });
    const big = multipart({ _csrf: csrfFrom(shown.body) }, { field: 'file', filename: 'big.txt', content: Buffer.alloc(10 * 1024 * 1024 + 10, 97) });
    const tooBig = await t.app.inject({ method: 'POST', url: `/evidence/${id}/attachments`, headers: { cookie: evaluator, ...big.headers }, payload: big.payload });
    expect(tooBig.statusCode).toBe(413);
    const count = await t.db.kysely.selectFrom('attachments').select('id').where('evidence_id', '=', id).execute();
    expect(count).toHaveLength(1);
    const noCsrf = multipart({}, { field: 'file', filename: 'a.txt', content: 'hello' });
    expect((await t.app.inject({ method: 'POST', url: `/evidence/${id}/attachments`, headers: { cookie: evaluator, ...noCsrf.headers }, payload: noCsrf.payload })).statusCode).toBe(403);
  });

  it('imports CSV with a dry run that lists every row error before anything is written', async () => {
    const before = (await t.db.kysely.selectFrom('evidence').select('id').execute()).length;
    const csv = [
      'ref,title,observed_on,source_reliability,credibility,groups,tlp,findings',
      'csv-1,Good row,2026-04-01,B,2,TTP,GREEN,BORDER-1=1 BORDER-3=20',
      'csv-2,,2026-04-31,Q,2,NOPE,GREEN,BORDER-1=7',
    ].join('\n');
    const page = await t.app.inject({ url: '/evidence/import', headers: { cookie: evaluator } });
    const bad = multipart({ _csrf: csrfFrom(page.body), format: 'csv', text: csv, dry_run: 'on' });
    const res = await t.app.inject({ method: 'POST', url: '/evidence/import', headers: { cookie: evaluator, ...bad.headers }, payload: bad.payload });
    expect(res.statusCode).toBe(400);
    for (const path of ['row 3.title', 'row 3.observed_on', 'row 3.source_reliability', 'row 3.groups[0]', 'row 3.findings[0].stance']) expect(res.body).toContain(path);
    const good = multipart({ _csrf: csrfFrom(page.body), format: 'csv', text: csv.split('\n').slice(0, 2).join('\n') });
    const ok = await t.app.inject({ method: 'POST', url: '/evidence/import', headers: { cookie: evaluator, ...good.headers }, payload: good.payload });
    expect(ok.statusCode).toBe(303);
    expect((await t.db.kysely.selectFrom('evidence').select('id').execute()).length).toBe(before + 1);
    const row = await t.db.kysely.selectFrom('evidence').selectAll().where('ref', '=', 'csv-1').executeTakeFirstOrThrow();
    expect(row.status).toBe('submitted');
  });

  it('refuses an import form whose fields are not text with 400, showing the form again (not a 500)', async () => {
    // found by the fuzz suite: a JSON body with an object where the pasted text goes, shown back after the refusal
    const page = await t.app.inject({ url: '/evidence/import', headers: { cookie: evaluator } });
    const res = await t.app.inject({
      method: 'POST',
      url: '/evidence/import',
      headers: { cookie: evaluator, 'content-type': 'application/json', 'x-csrf-token': csrfFrom(page.body) },
      payload: JSON.stringify({ text: { toString: null }, format: 'csv' }),
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('text');
  });

  it('lists, filters and exports what the user may see', async () => {
    const list = await t.app.inject({ url: '/evidence?group=TTP&status=verified', headers: { cookie: viewer } });
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('Border liaison meeting held at Torkham');
    const csv = await t.app.inject({ url: '/evidence/export.csv?group=TTP', headers: { cookie: viewer } });
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.body.split('\r\n')[0]).toMatch(/^id,framework,ref,status,title/);
    const json = await t.app.inject({ url: '/evidence/export.json', headers: { cookie: viewer } });
    expect(json.json().evidence.length).toBeGreaterThan(0);
    const bad = await t.app.inject({ url: '/evidence?status=bogus', headers: { cookie: viewer } });
    expect(bad.statusCode).toBe(400);
  });

  it('creates an API token shown once and revokes it', async () => {
    const created = await postForm(t.app, viewer, '/account/tokens', '/account/tokens', { name: 'reporting' });
    const token = /<code class="token">([^<]+)<\/code>/.exec(created.body)![1];
    expect((await t.app.inject({ url: '/api/v1/scorecard', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
    const stored = await t.db.kysely.selectFrom('api_tokens').select('token_hash').execute();
    expect(stored.some((s) => s.token_hash === token)).toBe(false);
    const list = await t.app.inject({ url: '/account/tokens', headers: { cookie: viewer } });
    expect(list.body).not.toContain(token);
    const tokenId = /action="\/account\/tokens\/(\d+)\/revoke"/.exec(list.body)![1];
    await postForm(t.app, viewer, '/account/tokens', `/account/tokens/${tokenId}/revoke`, {});
    expect((await t.app.inject({ url: '/api/v1/scorecard', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(401);
  });
});

describe('the evidence form', () => {
  it('numbers its finding rows', async () => {
    const t = await startTestApp({ seed: 'framework' });
    try {
      const e = await addUser(t.db, 'evaluator', { delegation: 'PAK' });
      const { jar } = await signIn(t.app, e.email, e.password);
      const page = await t.app.inject({ url: '/evidence/new', headers: { cookie: jar } });
      for (const n of [1, 2, 3, 4]) expect(page.body).toContain(`<p class="finding-title">Finding ${n}</p>`);
    } finally {
      await t.close();
    }
  });
});
