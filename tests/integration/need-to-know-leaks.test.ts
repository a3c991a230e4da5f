// Regression tests for the side channels an outside security test found around need-to-know (issue 9): counts
// that answered searches over restricted text, ref clashes, history showing earlier more restricted versions,
// review actions racing, corrections moving an item into the corrector's delegation, and a chart naming hidden
// items. Each test failed on the code before the fix (9.4 on PostgreSQL, where writers run concurrently).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, signIn, startTestApp, type TestApp } from '../helpers/app';
import { createApiToken } from '../../src/auth/tokens';
import { CLI_ACTOR } from '../../src/audit/log';

const SUMMARY = 'Convoy of foreign fighters crossed at night near Paktika; source inside the district police.';

const item = (extra: Record<string, unknown> = {}) => ({
  title: 'Crossing observed',
  summary: 'Seen from the road.',
  source: 'Field observation',
  observed_on: '2026-03-01',
  source_reliability: 'B',
  credibility: 2,
  groups: ['TTP'],
  tlp: 'GREEN',
  findings: [{ benchmark: 'BORDER-1', stance: 1 }],
  ...extra,
});

describe('need-to-know side channels', () => {
  let t: TestApp;
  const bearer: Record<string, string> = {};
  const emails: Record<string, string> = {};
  const jars: Record<string, string> = {};
  let redId: number;

  beforeAll(async () => {
    t = await startTestApp({ seed: 'framework' });
    const people = [
      ['evalPAK', 'evaluator', 'PAK'],
      ['evalCHN', 'evaluator', 'CHN'],
      ['reviewer', 'reviewer', 'SEC'],
      ['reviewer2', 'reviewer', 'CHN'],
      ['reviewerRUS', 'reviewer', 'RUS'],
      ['viewerPAK', 'viewer', 'PAK'],
      ['viewerRUS', 'viewer', 'RUS'],
    ] as const;
    for (const [name, role, delegation] of people) {
      const u = await addUser(t.db, role, { delegation });
      emails[name] = u.email;
      bearer[name] = `Bearer ${(await createApiToken(t.db.kysely, u.user, 'test', CLI_ACTOR)).token}`;
      if (role === 'viewer') jars[name] = (await signIn(t.app, u.email, u.password)).jar;
    }
    // a RED item by the PAK evaluator, verified by the first reviewer: hidden from every viewer and from evalCHN
    const red = await api('evalPAK', 'POST', '/api/v1/evidence', item({ ref: 'PAK-RED-0001', title: 'Informant report', summary: SUMMARY, tlp: 'RED', submit: true }));
    expect(red.statusCode).toBe(201);
    redId = red.json().id;
    expect((await api('reviewer', 'POST', `/api/v1/evidence/${redId}/verify`)).statusCode).toBe(200);
  });
  afterAll(() => t?.close());

  const api = (who: string, method: 'GET' | 'POST', url: string, payload?: unknown) =>
    t.app.inject({ method, url, headers: { authorization: bearer[who] }, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const restrictedOf = async (who: string, query: string) => (await api(who, 'GET', `/api/v1/evidence?${query}`)).json().restricted as number;
  const page = (who: string, url: string) => t.app.inject({ url, headers: { cookie: jars[who] } });

  describe('9.1 counts of restricted items do not answer questions about their content', () => {
    it('answers the same restricted count whatever the text searched (the Paktika oracle)', async () => {
      const counts = await Promise.all(['q=Paktika', 'q=Paktikx', 'q=Informant', 'q=zzz', '', 'q=PAK-RED'].map((q) => restrictedOf('viewerPAK', `tlp=RED&${q}`)));
      expect(counts).toEqual([1, 1, 1, 1, 1, 1]);
    });

    it('answers the same restricted count whatever the marking filtered on', async () => {
      const counts = await Promise.all(['tlp=RED', 'tlp=AMBER', 'tlp=GREEN', ''].map((q) => restrictedOf('viewerRUS', q)));
      expect(new Set(counts).size).toBe(1);
    });

    it('says the same on the list page and in the JSON export for a matching and a non-matching search', async () => {
      const strong = (html: string) => /<strong>(\d+) more<\/strong>/.exec(html)?.[1] ?? '0';
      const [hit, miss] = await Promise.all([page('viewerPAK', '/evidence?q=Paktika'), page('viewerPAK', '/evidence?q=Paktikx')]);
      expect([hit.statusCode, miss.statusCode]).toEqual([200, 200]);
      expect(strong(hit.body)).toBe(strong(miss.body));
      expect(hit.body).toContain('never searched by text');
      const [eHit, eMiss] = await Promise.all([page('viewerPAK', '/evidence/export.json?q=Paktika'), page('viewerPAK', '/evidence/export.json?q=Paktikx')]);
      expect(eHit.json().restricted).toBe(eMiss.json().restricted);
    });

    it('does not tell who wrote restricted items, nor whether an e-mail has an account', async () => {
      const author = await restrictedOf('viewerRUS', `evaluator=${encodeURIComponent(emails.evalPAK)}`);
      const nobody = await restrictedOf('viewerRUS', `evaluator=${encodeURIComponent('nobody@example.org')}`);
      const none = await restrictedOf('viewerRUS', '');
      expect([author, nobody]).toEqual([none, none]);
      const a = await api('viewerRUS', 'GET', `/api/v1/evidence?evaluator=${encodeURIComponent(emails.evalPAK)}`);
      const b = await api('viewerRUS', 'GET', `/api/v1/evidence?evaluator=${encodeURIComponent('nobody@example.org')}`);
      expect(a.body).toBe(b.body);
    });

    it('lets another submitter use a ref that a restricted item has, instead of telling them it exists', async () => {
      const res = await api('evalCHN', 'POST', '/api/v1/evidence', item({ ref: 'PAK-RED-0001' }));
      expect(res.statusCode).toBe(201);
      expect(res.json().ref).toBe('PAK-RED-0001');
      // a submitter's own refs still clash (409 since issue 10.4), naming their own item
      const again = await api('evalCHN', 'POST', '/api/v1/evidence', item({ ref: 'PAK-RED-0001' }));
      expect(again.statusCode).toBe(409);
      expect(again.json().error.fields[0]).toMatchObject({ path: 'ref' });
      expect(again.json().error.existing).toEqual({ id: res.json().id });
      expect(again.json().error.message).toContain(`#${res.json().id}`);
    });
  });

  describe('9.2 history does not show earlier, more restricted versions', () => {
    it('shows the RED first version of an item now GREEN to its author only', async () => {
      const created = await api('evalPAK', 'POST', '/api/v1/evidence', item({ title: 'RED-ERA TITLE', summary: 'RED-ERA SUMMARY', source: 'RED-ERA SOURCE', tlp: 'RED' }));
      const id = created.json().id;
      // edited to GREEN before submission, through the service the edit form uses
      const { updateDraft } = await import('../../src/evidence/service');
      const author = await t.db.kysely.selectFrom('users').selectAll().where('email', '=', emails.evalPAK).executeTakeFirstOrThrow();
      await updateDraft(t.db.kysely, author, id, item({ title: 'Public title', summary: 'Public summary', tlp: 'GREEN' }), true);
      expect((await api('reviewer', 'POST', `/api/v1/evidence/${id}/verify`)).statusCode).toBe(200);

      const forViewer = await api('viewerRUS', 'GET', `/api/v1/evidence/${id}`);
      expect(forViewer.statusCode).toBe(200);
      expect(forViewer.body).not.toMatch(/RED-ERA/);
      expect(forViewer.json().history.map((h: { action: string }) => h.action)).toEqual(['created', 'draft_updated', 'submitted', 'verified']);
      const pageForViewer = await page('viewerRUS', `/evidence/${id}`);
      expect(pageForViewer.statusCode).toBe(200);
      expect(pageForViewer.body).not.toMatch(/RED-ERA/);

      const forAuthor = await api('evalPAK', 'GET', `/api/v1/evidence/${id}`);
      expect(forAuthor.body).toMatch(/RED-ERA TITLE/);
    });

    it('does not show the RED version of an item re-imported with a lower marking', async () => {
      const { importFile } = await import('../../src/framework/import-service');
      const base = { ref: 'IMP-LOWERED', observed_on: '2026-02-01', source_reliability: 'B', credibility: 2, findings: [{ benchmark: 'BORDER-1', stance: 1 }], verified_at: '2026-02-02T10:00:00Z' };
      expect((await importFile(t.db.kysely, { framework_code: 'QUAD-2025', evidence: [{ ...base, title: 'IMPORTED-RED-ERA', tlp: 'RED' }] })).ok).toBe(true);
      expect((await importFile(t.db.kysely, { framework_code: 'QUAD-2025', evidence: [{ ...base, title: 'Imported public', tlp: 'GREEN' }] })).ok).toBe(true);
      const row = await t.db.kysely.selectFrom('evidence').select('id').where('ref', '=', 'IMP-LOWERED').executeTakeFirstOrThrow();
      const res = await api('viewerRUS', 'GET', `/api/v1/evidence/${row.id}`);
      expect(res.statusCode).toBe(200);
      expect(res.body).not.toContain('IMPORTED-RED-ERA');
      expect(res.json().history.map((h: { action: string; details: { verifiedAt?: string } }) => [h.action, h.details.verifiedAt])).toEqual([
        ['imported', '2026-02-02T10:00:00.000Z'],
        ['import_updated', '2026-02-02T10:00:00.000Z'],
      ]);
    });

    it('does not number history entries for anyone but administrators (the numbers count hidden activity)', async () => {
      const res = await api('viewerRUS', 'GET', `/api/v1/evidence?limit=1`);
      const id = res.json().items[0].id;
      const one = await api('viewerRUS', 'GET', `/api/v1/evidence/${id}`);
      expect(one.json().history.every((h: object) => !('seq' in h))).toBe(true);
    });
  });

  describe('9.4 review actions are atomic', () => {
    it('lets exactly one of a verify and a reject sent at the same moment win, and leaves a consistent item', async () => {
      for (let round = 0; round < 6; round += 1) {
        const id = (await api('evalPAK', 'POST', '/api/v1/evidence', item({ title: `Race ${round}`, submit: true }))).json().id;
        const [verify, reject] = await Promise.all([
          api('reviewer', 'POST', `/api/v1/evidence/${id}/verify`),
          api('reviewer2', 'POST', `/api/v1/evidence/${id}/reject`, { reason: 'Not traceable' }),
        ]);
        expect([verify.statusCode, reject.statusCode].sort()).toEqual([200, 409]);
        const row = await t.db.kysely.selectFrom('evidence').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
        if (row.status === 'verified') expect([row.rejected_at, row.reject_reason]).toEqual([null, null]);
        else expect({ status: row.status, verified_at: row.verified_at, verified_by: row.verified_by }).toEqual({ status: 'rejected', verified_at: null, verified_by: null });
      }
    });

    it('creates exactly one of two corrections of one item proposed at the same moment', async () => {
      for (let round = 0; round < 4; round += 1) {
        const id = (await api('evalPAK', 'POST', '/api/v1/evidence', item({ title: `Original ${round}`, submit: true }))).json().id;
        expect((await api('reviewer', 'POST', `/api/v1/evidence/${id}/verify`)).statusCode).toBe(200);
        const [a, b] = await Promise.all([
          api('evalPAK', 'POST', `/api/v1/evidence/${id}/correct`, item({ title: `Correction A ${round}`, submit: true })),
          api('evalCHN', 'POST', `/api/v1/evidence/${id}/correct`, item({ title: `Correction B ${round}`, submit: true })),
        ]);
        expect([a.statusCode, b.statusCode].sort()).toEqual([201, 409]);
        const pending = await t.db.kysely.selectFrom('evidence').select('id').where('supersedes_id', '=', id).execute();
        expect(pending).toHaveLength(1);
      }
    });
  });

  describe('9.5 a correction keeps the original delegation and marking', () => {
    it('keeps a PAK AMBER item readable by PAK, not by the RUS corrector\'s delegation', async () => {
      const original = (await api('evalPAK', 'POST', '/api/v1/evidence', item({ title: 'PAK amber item', tlp: 'AMBER', submit: true }))).json();
      expect((await api('reviewer', 'POST', `/api/v1/evidence/${original.id}/verify`)).statusCode).toBe(200);
      const correction = await api('reviewerRUS', 'POST', `/api/v1/evidence/${original.id}/correct`, item({ title: 'PAK amber item', tlp: 'AMBER', submit: true }));
      expect(correction.statusCode).toBe(201);
      const row = await t.db.kysely.selectFrom('evidence').selectAll().where('id', '=', correction.json().id).executeTakeFirstOrThrow();
      expect(row.owner_delegation).toBe('PAK');
      expect((await api('viewerRUS', 'GET', `/api/v1/evidence/${row.id}`)).statusCode).toBe(404);
      expect((await api('viewerPAK', 'GET', `/api/v1/evidence/${row.id}`)).statusCode).toBe(200);
    });

    it('refuses a correction marked below the original, naming the field', async () => {
      const original = (await api('evalPAK', 'POST', '/api/v1/evidence', item({ title: 'Amber again', tlp: 'AMBER', submit: true }))).json();
      expect((await api('reviewer', 'POST', `/api/v1/evidence/${original.id}/verify`)).statusCode).toBe(200);
      const lowered = await api('evalPAK', 'POST', `/api/v1/evidence/${original.id}/correct`, item({ title: 'Amber again', tlp: 'GREEN' }));
      expect(lowered.statusCode).toBe(400);
      expect(lowered.json().error.fields).toEqual([{ path: 'tlp', message: expect.stringContaining('AMBER') }]);
      const raised = await api('evalPAK', 'POST', `/api/v1/evidence/${original.id}/correct`, item({ title: 'Amber again', tlp: 'RED' }));
      expect(raised.statusCode).toBe(201);
    });
  });

  describe('9.8 the benchmark chart', () => {
    it('neither names nor places findings of items the reader may not see', async () => {
      const res = await page('viewerPAK', '/benchmarks/BORDER-1');
      expect(res.statusCode).toBe(200);
      const svg = /<svg class="score-chart"[\s\S]*?<\/svg>/.exec(res.body)![0];
      expect(svg).not.toMatch(new RegExp(`item #${redId}\\b`));
      const markers = [...svg.matchAll(/class="marker" data-findings="(\d+)"/g)].reduce((sum, m) => sum + Number(m[1]), 0);
      const visibleVerified = (await api('viewerPAK', 'GET', '/api/v1/evidence?benchmark=BORDER-1&status=verified&limit=200')).json().total;
      expect(markers).toBe(visibleVerified);
    });
  });
});
