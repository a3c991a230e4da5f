// GET /api/v1/explain (INTERFACES.md "Explanation", METHODOLOGY.md v1.1 section 9): signed-in access, validation,
// and need-to-know: items the caller may not see contribute their points without ref, id, title or position.
// Runs on SQLite, or on PostgreSQL with TEST_DATABASE_URL.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, manualClock, signIn, startTestApp, type TestApp } from '../helpers/app';
import { createApiToken } from '../../src/auth/tokens';
import { CLI_ACTOR } from '../../src/audit/log';
import { importFile } from '../../src/framework/import-service';

type Json = any;

const SECRET_TITLE = 'Informant inside the Paktika district police';
const SECRET_SUMMARY = 'Names the informant and the safe house; never to leave the PAK delegation.';

/** The default framework's BORDER-1 and INTEL-1 with evidence of every marking, observed in the second quarter. */
const evidence = (ref: string, tlp: string, observed: string, stance: number, title = `Item ${ref}`) => ({
  ref,
  title,
  summary: `About ${ref}.`,
  source: 'Test source',
  observed_on: observed,
  source_reliability: 'A',
  credibility: 1,
  tlp,
  findings: [{ benchmark: 'INTEL-1', stance: 0 }, { benchmark: 'BORDER-1', stance }],
  verified_at: `${observed}T12:00:00Z`,
});

describe('GET /api/v1/explain', () => {
  let t: TestApp;
  const bearer: Record<string, string> = {};
  let jar = '';
  let redId = 0;
  // the web-created item is verified on 10 July and retracted on 20 July (the last test)
  const clock = manualClock('2026-07-10T10:00:00.000Z');

  beforeAll(async () => {
    t = await startTestApp({ seed: 'framework', clock: clock.clock });
    const result = await importFile(
      t.db.kysely,
      {
        framework_code: 'QUAD-2025',
        evidence: [
          evidence('x-green', 'GREEN', '2026-01-15', 1),
          evidence('x-clear', 'CLEAR', '2026-04-10', 2),
          evidence('x-amber', 'AMBER', '2026-05-10', -2),
          evidence('x-red', 'RED', '2026-06-01', -1, 'Imported red item'),
        ],
      },
      { dryRun: false },
    );
    expect(result.ok).toBe(true);
    const people = [
      ['admin', 'admin', null],
      ['reviewer', 'reviewer', 'SEC'],
      ['evalPAK', 'evaluator', 'PAK'],
      ['viewerPAK', 'viewer', 'PAK'],
      ['viewerCHN', 'viewer', 'CHN'],
    ] as const;
    for (const [name, role, delegation] of people) {
      const u = await addUser(t.db, role, delegation ? { delegation } : {});
      bearer[name] = `Bearer ${(await createApiToken(t.db.kysely, u.user, 'test', CLI_ACTOR)).token}`;
      if (name === 'viewerCHN') jar = (await signIn(t.app, u.email, u.password)).jar;
    }
    // a RED item written by the PAK evaluator and verified by the reviewer: only they (and admins) may read it
    const red = await api('evalPAK', '/api/v1/evidence', 'POST', {
      ref: 'PAK-RED-1',
      title: SECRET_TITLE,
      summary: SECRET_SUMMARY,
      source: 'HUMINT',
      observed_on: '2026-06-20',
      source_reliability: 'B',
      credibility: 2,
      tlp: 'RED',
      findings: [{ benchmark: 'BORDER-1', stance: 2 }],
      submit: true,
    });
    expect(red.statusCode, red.body).toBe(201);
    redId = red.json().id;
    expect((await api('reviewer', `/api/v1/evidence/${redId}/verify`, 'POST')).statusCode).toBe(200);
  });
  afterAll(() => t?.close());

  const api = (who: string, url: string, method: 'GET' | 'POST' = 'GET', payload?: unknown) =>
    t.app.inject({ method, url, headers: { authorization: bearer[who] }, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const Q2 = '/api/v1/explain?from=2026-03-31&to=2026-06-30&perspective=PAK';
  const border1 = (x: Json) => x.benchmarks.find((b: Json) => b.code === 'BORDER-1');

  it('needs a signed-in user: 401 without one, the document with a session or a token', async () => {
    const anonymous = await t.app.inject({ url: Q2 });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json().error.code).toBeDefined();
    const session = await t.app.inject({ url: Q2, headers: { cookie: jar } });
    expect(session.statusCode).toBe(200);
    expect(session.headers['cache-control']).toBe('no-store');
    const x = session.json();
    expect(x).toMatchObject({ framework: 'QUAD-2025', methodology: 'v1.1', perspective: 'PAK', from: { as_of: '2026-03-31' }, to: { as_of: '2026-06-30' } });
    expect([x.from.known_at, x.to.known_at]).toEqual(['2026-07-10T10:00:00.000Z', '2026-07-10T10:00:00.000Z']); // "now" for both
    expect(Object.keys(x)).toEqual(['framework', 'methodology', 'perspective', 'from', 'to', 'overall', 'pillars', 'benchmarks']);
    const token = await api('viewerCHN', Q2);
    expect(token.statusCode).toBe(200);
  });

  it('answers bad requests with 400 naming every field', async () => {
    const missing = await api('viewerPAK', '/api/v1/explain');
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.fields.map((f: Json) => f.path).sort()).toEqual(['from', 'to']);
    const bad = await api('viewerPAK', '/api/v1/explain?from=2026-02-30&to=2026-06-30&to_known_at=yesterday&perspective=XXX');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.fields.map((f: Json) => f.path).sort()).toEqual(['from', 'perspective', 'to_known_at']);
    expect((await api('viewerPAK', '/api/v1/explain?from=2026-03-31&to=2026-06-30&framework=NOPE')).statusCode).toBe(404);
  });

  it('splits every change exactly; known-at dates mean the end of the day', async () => {
    const res = await api('admin', `${Q2}&from_known_at=2026-06-30&to_known_at=2026-07-15`);
    expect(res.statusCode).toBe(200);
    const x = res.json();
    expect(x.from.known_at).toBe('2026-06-30T23:59:59.999Z');
    expect(x.to.known_at).toBe('2026-07-15T23:59:59.999Z');
    for (const level of [x.overall, ...x.pillars, ...x.benchmarks]) {
      if (level.change === null) continue;
      const sum = level.contributions.reduce((s: number, c: Json) => s + c.points, 0);
      expect(Math.abs(sum - level.change)).toBeLessThan(1e-9);
    }
    const b = border1(x);
    expect(b.contributions.map((c: Json) => `${c.ref}:${c.kind}`).sort()).toEqual(['PAK-RED-1:new', 'x-amber:new', 'x-clear:new', 'x-green:aged', 'x-red:new']);
    // verified items of the past quarter are new; the item from January aged
    expect(b.by_kind.removed).toBe(0);
    expect(b.by_kind.new + b.by_kind.aged).toBeCloseTo(b.change, 9);
  });

  it('names only the items the caller may see; the others keep their points without identity', async () => {
    const url = `${Q2}&from_known_at=2026-06-30&to_known_at=2026-07-15`;
    const full = border1((await api('admin', url)).json());
    const points = (list: Json[]) => list.map((c) => c.points);
    const visibleRefs = (list: Json[]) => list.filter((c) => !c.restricted).map((c) => c.ref).sort();
    const expectations: [string, string[]][] = [
      ['admin', ['PAK-RED-1', 'x-amber', 'x-clear', 'x-green', 'x-red']],
      ['reviewer', ['PAK-RED-1', 'x-amber', 'x-clear', 'x-green']], // RED: verified (and retracted) by them
      ['evalPAK', ['PAK-RED-1', 'x-clear', 'x-green']], // their own RED item; imported AMBER has no delegation
      ['viewerPAK', ['x-clear', 'x-green']],
      ['viewerCHN', ['x-clear', 'x-green']],
    ];
    for (const [who, refs] of expectations) {
      const res = await api(who, url);
      expect(res.statusCode).toBe(200);
      const b = border1(res.json());
      expect(visibleRefs(b.contributions), who).toEqual(refs);
      // the same contributions, in the same order, whoever asks: hidden ones are counted, not dropped
      expect(points(b.contributions), who).toEqual(points(full.contributions));
      expect(b.change).toBe(full.change);
      for (const c of b.contributions) {
        if (c.restricted) expect(Object.keys(c).sort(), who).toEqual(['kind', 'points', 'restricted']);
        else expect(Object.keys(c), who).toEqual(['ref', 'finding', 'kind', 'points', 'evidence_id', 'title']);
      }
    }
    const hidden = await api('viewerPAK', url);
    for (const secret of [SECRET_TITLE, 'PAK-RED-1', 'x-amber', 'x-red', 'Imported red item', `"evidence_id":${redId}`]) {
      expect(hidden.body).not.toContain(secret);
    }
    const shown = border1((await api('viewerPAK', url)).json()).contributions.find((c: Json) => c.ref === 'x-clear');
    expect(shown).toMatchObject({ kind: 'new', finding: 1, title: 'Item x-clear' });
  });

  it('shows a retraction as a removed contribution once knowledge moves past it', async () => {
    clock.set('2026-07-20T08:00:00.000Z');
    const retract = await api('reviewer', `/api/v1/evidence/${redId}/retract`, 'POST', { reason: 'Source burned' });
    expect(retract.statusCode, retract.body).toBe(200);
    // same day described, known on 15 July and now (20 July, known-at left out)
    const url = '/api/v1/explain?from=2026-06-30&to=2026-06-30&from_known_at=2026-07-15&perspective=PAK';
    const admin = border1((await api('admin', url)).json());
    expect(admin.contributions.map((c: Json) => `${c.ref}:${c.kind}`)).toEqual(['PAK-RED-1:removed']);
    expect(admin.by_kind.removed).toBeCloseTo(admin.change, 12);
    const viewer = border1((await api('viewerCHN', url)).json());
    expect(viewer.contributions).toEqual([{ kind: 'removed', points: admin.contributions[0].points, restricted: true }]);
  });
});
