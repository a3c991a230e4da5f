// The one-page briefing (issue 13) and what came with it: the framework's caveat and recommended actions (import
// format, stored, shown), the demo banner while demo evidence is loaded, the group page's count of items that count
// in the view, and the projection notice for a future as-of date.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, signIn, startTestApp, type TestApp } from '../helpers/app';
import { importFile } from '../../src/framework/import-service';
import { validateImport } from '../../src/framework/validate-import';
import { frameworkTreeFor } from '../../src/framework/repository';
import { mayRead } from '../../src/evidence/policy';
import { buildScorecard } from '../../src/scorecards/service';
import { createEvidence, reviewEvidence } from '../../src/evidence/service';
import { evidenceItem } from '../helpers/evidence';
import { DEFAULT_FRAMEWORK_FILE } from '../../src/seed/index';
import fs from 'node:fs';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
const section = (html: string, id: string) => {
  const start = html.indexOf(`aria-labelledby="${id}"`);
  return start < 0 ? '' : html.slice(start, html.indexOf('</section>', start));
};
const TLPS = ['CLEAR', 'GREEN', 'AMBER', 'RED'];

describe('the one-page briefing on the demo data', () => {
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

  it.each(['JOINT', 'PAK', 'CHN', 'RUS', 'IRN'])('%s: scores, key findings, movers with causes, actions, cut-off and marking', async (perspective) => {
    const res = await get('viewer', `/briefing?as_of=2026-09-30&perspective=${perspective}`);
    expect(res.statusCode).toBe(200);
    const body = text(res.body);
    const tree = await frameworkTreeFor(t.db.kysely, null);
    const name = perspective === 'JOINT' ? 'Joint' : tree.perspectives.find((p) => p.code === perspective)!.name;
    expect(body).toContain(`Briefing: ${name}`);
    expect(body).toContain('Information cut-off: scores as of 30 September 2026');
    // the same figures as the scorecard API
    const { scorecard } = await buildScorecard(t.db.kysely, { asOf: '2026-09-30', perspective }, t.app.clock);
    const scores = text(section(res.body, 'scores-heading'));
    expect(scores).toContain(`Overall index ${Math.round(scorecard.overall.score!)}`);
    for (const p of scorecard.pillars) expect(scores).toContain(`${tree.pillars.find((x) => x.code === p.code)!.name} ${Math.round(p.score!)}`);
    // the weakest assessed benchmarks, lowest first, with the framework's recommended actions
    const weakest = scorecard.pillars.flatMap((p) => p.benchmarks).filter((b) => b.status === 'assessed').sort((a, b) => a.score - b.score).slice(0, 3);
    const actions = text(section(res.body, 'actions-heading'));
    let at = -1;
    for (const b of weakest) {
      const i = actions.indexOf(`${b.code} `);
      expect(i, b.code).toBeGreaterThan(at);
      at = i;
      const first = tree.pillars.flatMap((p) => p.benchmarks).find((x) => x.code === b.code)!.recommendedActions[0];
      expect(actions).toContain(first.slice(0, 40));
    }
    // movers: the dashboard's biggest changes, in its order, each with its causes
    const dashboard = await get('viewer', `/?as_of=2026-09-30&perspective=${perspective}`);
    const changed = [...section(dashboard.body, 'changes-heading').matchAll(/<li><a href="[^"]*"><span class="code">([A-Z]+-\d+)<\/span>/g)].map((m) => m[1]);
    const movers = [...section(res.body, 'movers-heading').matchAll(/<li><a href="[^"]*"><span class="code">([A-Z]+-\d+)<\/span>/g)].map((m) => m[1]);
    expect(movers).toEqual(changed.slice(0, 3));
    // the marking is the highest TLP of the items it names, and it names only items this reader may see
    // named: linked from the movers, or titled in the key findings (shown whole on screen)
    const linked = new Set([...res.body.matchAll(/href="\/evidence\/(\d+)"/g)].map((m) => Number(m[1])));
    const findingsText = text(section(res.body, 'briefing-findings-heading'));
    const all = await t.db.kysely.selectFrom('evidence').selectAll().execute();
    const rows = all.filter((r) => linked.has(r.id) || findingsText.includes(`“${r.title}”`));
    for (const r of rows) expect(mayRead(users.viewer, r)).toBe(true);
    for (const r of all) if (!mayRead(users.viewer, r)) expect(body).not.toContain(r.title);
    const highest = rows.reduce((level, r) => Math.max(level, TLPS.indexOf(r.tlp)), 0);
    expect(body).toContain(`TLP:${TLPS[highest]}`);
    expect(body).toContain('Caveat: A monitoring aid, not a legal determination');
  });

  it('says the data is illustrative on every signed-in page while demo evidence is loaded', async () => {
    for (const url of ['/', '/briefing', '/evidence', '/reports', '/methodology']) {
      const res = await get('viewer', url);
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).toContain('class="demo-banner"');
    }
    expect((await t.app.inject({ url: '/login' })).body).not.toContain('demo-banner');
  });

  it('counts on the group page only the tagged items that count in the view', async () => {
    const evaluator = (await addUser(t.db, 'evaluator', { delegation: 'PAK' })).user;
    const reviewer = (await addUser(t.db, 'reviewer', { delegation: 'SEC' })).user;
    const countOn = async (url: string) => Number(/use only the (\d+) items tagged TTP/.exec((await get('admin', url)).body)?.[1]);
    const before = await countOn('/groups/TTP');
    const beforeMay = await countOn('/groups/TTP?as_of=2026-05-31');
    expect(before).toBeGreaterThan(0);
    expect(beforeMay).toBeGreaterThan(0);
    const item = await createEvidence(t.db.kysely, evaluator, null, evidenceItem({ title: 'Counted then retracted', groups: ['TTP'], tlp: 'GREEN', observed_on: '2026-06-01' }), { submit: true });
    await reviewEvidence(t.db.kysely, reviewer, item.id, 'verify', null);
    expect(await countOn('/groups/TTP')).toBe(before + 1);
    // observed after the as-of date: not counted then
    expect(await countOn('/groups/TTP?as_of=2026-05-31')).toBe(beforeMay);
    await reviewEvidence(t.db.kysely, reviewer, item.id, 'retract', 'found to be wrong');
    expect(await countOn('/groups/TTP')).toBe(before);
  });

  it('calls a future as-of date a projection, on the dashboard and the briefing', async () => {
    for (const url of ['/?as_of=2099-01-01', '/briefing?as_of=2099-01-01']) {
      const res = await get('viewer', url);
      expect(res.statusCode).toBe(200);
      expect(text(res.body)).toContain('Projection: 2099-01-01 is in the future');
    }
    expect(text((await get('viewer', '/?as_of=2026-06-30')).body)).not.toContain('Projection:');
  });

  it('shows the demand, the caveat and the perspective on the dashboard and the methodology page', async () => {
    const tree = await frameworkTreeFor(t.db.kysely, null);
    const dashboard = text((await get('viewer', '/?perspective=PAK')).body);
    expect(dashboard).toContain(tree.perspectives.find((p) => p.code === 'PAK')!.description!.slice(0, 60));
    expect(dashboard).toContain(tree.description!.slice(0, 60));
    expect(dashboard).toContain('Caveat:');
    const methodology = text((await get('viewer', '/methodology')).body);
    expect(methodology).toContain('The demand');
    expect(methodology).toContain(tree.perspectives[0].description!.slice(0, 60));
  });
});

describe('without demo evidence', () => {
  let t: TestApp;
  let jar: string;
  beforeAll(async () => {
    t = await startTestApp({ seed: 'framework' });
    const u = await addUser(t.db, 'viewer', { delegation: 'PAK' });
    jar = (await signIn(t.app, u.email, u.password)).jar;
  });
  afterAll(() => t?.close());

  it('shows no demo banner, and a briefing with nothing assessed says so', async () => {
    const res = await t.app.inject({ url: '/briefing?perspective=PAK', headers: { cookie: jar } });
    expect(res.statusCode).toBe(200);
    expect(res.body).not.toContain('demo-banner');
    expect(text(res.body)).toContain('No benchmark is assessed yet');
    expect(text(res.body)).toContain('TLP:CLEAR');
  });
});

describe('recommended actions and the caveat in the framework file', () => {
  const base = () => JSON.parse(fs.readFileSync(DEFAULT_FRAMEWORK_FILE, 'utf8')) as { framework: Record<string, unknown> & { pillars: { benchmarks: Record<string, unknown>[] }[] } };

  it('are optional, and refused with the field named when malformed', () => {
    const file = base();
    delete file.framework.caveat;
    for (const p of file.framework.pillars) for (const b of p.benchmarks) { delete b.recommended_actions; delete b.translations; }
    expect(validateImport(file, null).ok).toBe(true);
    const bad = base();
    bad.framework.caveat = 42;
    bad.framework.pillars[0].benchmarks[1].recommended_actions = ['fine', 7, ''];
    bad.framework.pillars[1].benchmarks[0].recommended_actions = 'not a list';
    bad.framework.pillars[2].benchmarks[0].recommended_actions = Array.from({ length: 11 }, (_, i) => `action ${i}`);
    const result = validateImport(bad, null);
    expect(result.ok).toBe(false);
    const paths = result.ok ? [] : result.errors.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining([
      'framework.caveat',
      'framework.pillars[0].benchmarks[1].recommended_actions[1]',
      'framework.pillars[0].benchmarks[1].recommended_actions[2]',
      'framework.pillars[1].benchmarks[0].recommended_actions',
      'framework.pillars[2].benchmarks[0].recommended_actions',
    ]));
  });

  it('are stored, read back, and a second import of the same file changes nothing', async () => {
    const t = await startTestApp({ seed: null });
    try {
      const file = base();
      const first = await importFile(t.db.kysely, file);
      expect(first.ok).toBe(true);
      const tree = await frameworkTreeFor(t.db.kysely, null);
      expect(tree.caveat).toBe(file.framework.caveat);
      expect(tree.pillars[0].benchmarks[0].recommendedActions).toEqual(file.framework.pillars[0].benchmarks[0].recommended_actions);
      const again = await importFile(t.db.kysely, file);
      expect(again.ok && again.summary.framework?.change).toBe('unchanged');
      // dropping them is a change, and leaves none stored
      for (const p of file.framework.pillars) for (const b of p.benchmarks) { delete b.recommended_actions; delete b.translations; }
      delete file.framework.caveat;
      const dropped = await importFile(t.db.kysely, file);
      expect(dropped.ok && dropped.summary.framework?.change).toBe('updated');
      const after = await frameworkTreeFor(t.db.kysely, null);
      expect(after.caveat).toBeNull();
      expect(after.pillars.flatMap((p) => p.benchmarks).every((b) => b.recommendedActions.length === 0)).toBe(true);
    } finally {
      await t.close();
    }
  });
});
