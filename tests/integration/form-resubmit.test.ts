// Back + resubmit and double clicks on the evidence forms (issue 10.4): each rendered form carries a one-time
// token; the first save consumes it, and the same form sent again leads to the item already saved instead of
// logging a second one (or failing because the first save changed the item).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, signIn, startTestApp, type TestApp } from '../helpers/app';
import { createEvidence, reviewEvidence } from '../../src/evidence/service';
import { onPostgres } from '../helpers/db';
import type { UserRow } from '../../src/db/schema';

const FORM = (extra: Record<string, string> = {}): Record<string, string | string[]> => ({
  title: 'Border liaison meeting held at Torkham',
  summary: 'Both sides agreed a hotline.',
  source: 'Field report',
  observed_on: '2026-05-02',
  source_reliability: 'B',
  credibility: '2',
  tlp: 'GREEN',
  groups: ['TTP'],
  finding_benchmark_0: 'BORDER-1',
  finding_stance_0: '1',
  action: 'submit',
  ...extra,
});

const hidden = (html: string, name: string) => {
  const m = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!m) throw new Error(`no ${name} in the page`);
  return m[1];
};

describe(`one-time form tokens on the evidence forms (${onPostgres ? 'PostgreSQL' : 'SQLite'})`, () => {
  let t: TestApp;
  let jar: string;
  let author: UserRow;
  let reviewer: UserRow;

  beforeAll(async () => {
    t = await startTestApp({ seed: 'framework' });
    const e = await addUser(t.db, 'evaluator', { delegation: 'PAK' });
    author = e.user;
    reviewer = (await addUser(t.db, 'reviewer', { delegation: 'SEC' })).user;
    jar = (await signIn(t.app, e.email, e.password)).jar;
  });
  afterAll(() => t.close());

  /** Opens the form page and returns a function that posts it (the same rendered form, as often as called). */
  async function openForm(path: string, who = jar) {
    const page = await t.app.inject({ url: path, headers: { cookie: who } });
    expect(page.statusCode).toBe(200);
    const csrf = hidden(page.body, '_csrf');
    const token = hidden(page.body, 'form_token');
    const send = (fields: Record<string, string | string[]>, overrideToken = token) => {
      const body = new URLSearchParams({ _csrf: csrf, form_token: overrideToken });
      for (const [k, v] of Object.entries(fields)) for (const x of Array.isArray(v) ? v : [v]) body.append(k, x);
      return t.app.inject({ method: 'POST', url: path, headers: { cookie: who, 'content-type': 'application/x-www-form-urlencoded' }, payload: body.toString() });
    };
    return { token, send };
  }
  const count = async () => (await t.db.kysely.selectFrom('evidence').select('id').where('created_by', '=', author.id).execute()).length;
  const flashOn = async (location: string) => /<p class="flash" role="status">([^<]*)<\/p>/.exec((await t.app.inject({ url: location, headers: { cookie: jar } })).body)?.[1];

  it('logs one item when the same form is posted twice; the second answer leads to it with a notice', async () => {
    const before = await count();
    const form = await openForm('/evidence/new');
    const first = await form.send(FORM());
    expect(first.statusCode).toBe(303);
    const location = String(first.headers.location);
    expect(location).toMatch(/^\/evidence\/\d+$/);
    await flashOn(location);
    const second = await form.send(FORM());
    expect(second.statusCode).toBe(303);
    expect(second.headers.location).toBe(location);
    expect(await flashOn(location)).toBe(`This form was already saved as #${location.split('/')[2]}`);
    expect(await count()).toBe(before + 1);
    // a new rendering of the form is a new form
    const again = await (await openForm('/evidence/new')).send(FORM());
    expect(again.headers.location).not.toBe(location);
    expect(await count()).toBe(before + 2);
  });

  it('logs one item when the form is sent several times at once (a double click)', async () => {
    const before = await count();
    const form = await openForm('/evidence/new');
    const answers = await Promise.all([form.send(FORM()), form.send(FORM()), form.send(FORM())]);
    expect(answers.map((a) => a.statusCode)).toEqual([303, 303, 303]);
    expect(new Set(answers.map((a) => a.headers.location)).size).toBe(1);
    expect(await count()).toBe(before + 1);
  });

  it('leads a resubmitted edit (which submitted the draft) and a resubmitted correction to the item saved', async () => {
    const draft = await createEvidence(t.db.kysely, author, null, { title: 'Draft', observed_on: '2026-05-01', source_reliability: 'B', credibility: 2, findings: [{ benchmark: 'BORDER-1', stance: 1 }] }, { submit: false });
    const edit = await openForm(`/evidence/${draft.id}/edit`);
    expect((await edit.send(FORM({ title: 'Edited and submitted' }))).headers.location).toBe(`/evidence/${draft.id}`);
    const resent = await edit.send(FORM({ title: 'Edited and submitted' }));
    expect(resent.statusCode).toBe(303);
    expect(resent.headers.location).toBe(`/evidence/${draft.id}`);
    expect(await flashOn(`/evidence/${draft.id}`)).toBe(`This form was already saved as #${draft.id}`);

    const original = await createEvidence(t.db.kysely, author, null, { title: 'To correct', observed_on: '2026-05-01', source_reliability: 'B', credibility: 2, tlp: 'GREEN', findings: [{ benchmark: 'BORDER-1', stance: 1 }] }, { submit: true });
    await reviewEvidence(t.db.kysely, reviewer, original.id, 'verify', null);
    const correct = await openForm(`/evidence/${original.id}/correct`);
    const made = await correct.send(FORM({ title: 'Corrected' }));
    expect(made.statusCode).toBe(303);
    const resentCorrection = await correct.send(FORM({ title: 'Corrected' }));
    expect(resentCorrection.statusCode).toBe(303);
    expect(resentCorrection.headers.location).toBe(made.headers.location);
    const corrections = await t.db.kysely.selectFrom('evidence').select('id').where('supersedes_id', '=', original.id).execute();
    expect(corrections).toHaveLength(1);
  });

  it('keeps the token when the form comes back with problems, so the corrected form is still saved once', async () => {
    const before = await count();
    const form = await openForm('/evidence/new');
    const bad = await form.send(FORM({ title: '' }));
    expect(bad.statusCode).toBe(400);
    expect(hidden(bad.body, 'form_token')).toBe(form.token);
    const good = await form.send(FORM());
    const again = await form.send(FORM());
    expect(again.headers.location).toBe(good.headers.location);
    expect(await count()).toBe(before + 1);
  });

  it('shows a ref already used beside its field with 409, keeping what was typed', async () => {
    const first = await (await openForm('/evidence/new')).send(FORM({ ref: 'WEB-REF-1' }));
    const id = String(first.headers.location).split('/')[2];
    const clash = await (await openForm('/evidence/new')).send(FORM({ ref: 'WEB-REF-1', title: 'Typed again' }));
    expect(clash.statusCode).toBe(409);
    expect(clash.body).toMatch(new RegExp(`id="ref-error">[^<]*already used by your item #${id}`));
    expect(clash.body).toContain('value="Typed again"');
  });

  it('refuses a malformed token and saves nothing', async () => {
    const before = await count();
    const form = await openForm('/evidence/new');
    const res = await form.send(FORM(), 'not a token!');
    expect(res.statusCode).toBe(400);
    expect(await count()).toBe(before);
  });
});
