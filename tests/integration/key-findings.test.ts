// Key findings and explained changes on the dashboard (issue 13, METHODOLOGY.md v1.1 sections 9 and 10): sentences
// from the exact figures, the causes of each movement (visible items linked, restricted ones only counted), stale
// benchmarks, and drift shown as drift.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Handlebars from 'handlebars';
import { addUser, signIn, startTestApp, type TestApp } from '../helpers/app';
import { importFile } from '../../src/framework/import-service';
import { mayRead } from '../../src/evidence/policy';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
const section = (html: string, id: string) => {
  const start = html.indexOf(`aria-labelledby="${id}"`);
  return start < 0 ? '' : html.slice(start, html.indexOf('</section>', start));
};

describe('dashboard key findings on the demo data', () => {
  let t: TestApp;
  const jars: Record<string, string> = {};
  const users: Record<string, Awaited<ReturnType<typeof addUser>>['user']> = {};

  beforeAll(async () => {
    t = await startTestApp({ seed: 'demo' });
    for (const [name, role, delegation] of [['viewer', 'viewer', 'CHN'], ['admin', 'admin', undefined]] as const) {
      const u = await addUser(t.db, role, delegation ? { delegation } : {});
      users[name] = u.user;
      jars[name] = (await signIn(t.app, u.email, u.password)).jar;
    }
  });
  afterAll(() => t?.close());

  const get = (who: string, url: string) => t.app.inject({ url, headers: { cookie: jars[who] } });

  it('opens with key findings in words, naming the comparison and the biggest pillar movements', async () => {
    const res = await get('viewer', '/?as_of=2026-06-30&perspective=PAK');
    expect(res.statusCode).toBe(200);
    const findings = text(section(res.body, 'key-findings-heading'));
    expect(findings).toMatch(/Key findings Pakistan: overall (rose|fell|was essentially unchanged|improved|deteriorated) .*since 31 May 2026/);
    expect(findings).toMatch(/mostly from [A-Z]+-\d/);
    expect(res.body.indexOf('key-findings-heading')).toBeLessThan(res.body.indexOf('overall-heading'));
  });

  it('names only items the reader may see: restricted ones are counted, never titled', async () => {
    const rows = await t.db.kysely.selectFrom('evidence').selectAll().where('status', 'in', ['verified', 'retracted', 'superseded']).execute();
    const hidden = rows.filter((r) => !mayRead(users.viewer, r));
    expect(hidden.length).toBeGreaterThan(0);
    for (const url of ['/?as_of=2026-06-30&perspective=PAK', '/?as_of=2026-09-30', '/?as_of=2026-12-31&perspective=CHN']) {
      const res = await get('viewer', url);
      expect(res.statusCode).toBe(200);
      for (const r of hidden) {
        expect(res.body, `${url} names hidden item ${r.id}`).not.toContain(Handlebars.escapeExpression(r.title));
        expect(res.body).not.toContain(`href="/evidence/${r.id}"`);
      }
    }
    const viewerPage = await get('viewer', '/?as_of=2026-06-30&perspective=PAK');
    expect(text(viewerPage.body)).toMatch(/\d+ restricted items? \(not named\)/);
    // an admin sees the same movements with every cause named and linked
    const adminPage = await get('admin', '/?as_of=2026-06-30&perspective=PAK');
    const changes = section(adminPage.body, 'changes-heading');
    expect(changes).toMatch(/<ul class="causes">/);
    expect(changes).toMatch(/href="\/evidence\/\d+"/);
    expect(text(changes)).not.toMatch(/restricted items? \(not named\)/);
  });
});

describe('stale benchmarks and drift', () => {
  let t: TestApp;
  let jar = '';

  beforeAll(async () => {
    t = await startTestApp({ seed: null });
    const result = await importFile(
      t.db.kysely,
      {
        framework: {
          code: 'DRIFT',
          name: 'Drift test',
          pillars: [{ code: 'P', name: 'Patrols', benchmarks: [
            { code: 'P-1', title: 'Old bad news only', kind: 'assessment', half_life_days: 60 },
            { code: 'P-2', title: 'Fresh good news', kind: 'assessment' },
          ] }],
        },
        evidence: [
          ...[1, 2, 3, 4, 5, 6, 7, 8].map((i) => ({ ref: `old-${i}`, title: `Old failure ${i}`, observed_on: '2026-02-01', source_reliability: 'A', credibility: 1, tlp: 'GREEN', findings: [{ benchmark: 'P-1', stance: -2 }], verified_at: '2026-02-02T00:00:00Z' })),
          ...[1, 2].map((i) => ({ ref: `new-${i}`, title: `Joint patrol ${i} held`, observed_on: '2026-06-10', source_reliability: 'A', credibility: 1, tlp: 'GREEN', findings: [{ benchmark: 'P-2', stance: 2 }], verified_at: '2026-06-11T00:00:00Z' })),
        ],
      },
      { dryRun: false },
    );
    expect(result.ok).toBe(true);
    const u = await addUser(t.db, 'viewer');
    jar = (await signIn(t.app, u.email, u.password)).jar;
  });
  afterAll(() => t?.close());

  it('says a silent benchmark is stale since its last evidence and shows its movement as drift, not news', async () => {
    const res = await t.app.inject({ url: '/?as_of=2026-06-30&known_at=2026-06-30', headers: { cookie: jar } });
    expect(res.statusCode).toBe(200);
    const page = text(res.body);
    // P-1: last evidence 1 February, half-life 60 days: stale; its score rises only because the bad news fades
    expect(page).toContain('stale: last evidence 1 February 2026');
    expect(res.body).toMatch(/class="trend trend-drift"[^>]*>.*Drift/);
    expect(page).toContain('as older negative evidence fading');
    expect(page).not.toMatch(/P-1 Old bad news only.{0,200}Improving/);
    // the key findings say so in words, and the "what changed" list marks it as drift
    const findings = text(section(res.body, 'key-findings-heading'));
    expect(findings).toContain('1 benchmark is stale');
    expect(findings).toContain('P-1 (last evidence 1 February 2026)');
    const changes = text(section(res.body, 'changes-heading'));
    expect(changes).toMatch(/P-1 Old bad news only : \d+ → \d+ drift: older evidence fading, no news/);
    // P-2's rise is news: new items, named and linked
    expect(changes).toMatch(/new: Joint patrol [12] held/);
    expect(changes).toContain('Stale (newest evidence older than the half-life');
  });

  it('the pillar page says why the pillar moved, benchmark by benchmark, and which are stale', async () => {
    const res = await t.app.inject({ url: '/pillars/P?as_of=2026-06-30&known_at=2026-06-30', headers: { cookie: jar } });
    expect(res.statusCode).toBe(200);
    const why = text(section(res.body, 'pillar-why-heading'));
    expect(why).toMatch(/Why it moved since 31 May 2026 Patrols (rose|fell|improved|deteriorated|was essentially unchanged)/);
    expect(why).toMatch(/P-1 Old bad news only : \d+ → \d+ \(\+\d\) \(drift: older evidence fading, no news\)/);
    expect(why).toMatch(/P-2 Fresh good news : \d+ → \d+ \([+−]\d+\) new: Joint patrol [12] held/);
    expect(why).toContain('Stale: P-1 last evidence 1 February 2026');
  });
});
