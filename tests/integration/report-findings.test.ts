// Reports carry their key findings (issue 13): the explanation since the previous report of the kind is frozen with
// the report (exact sums, the largest contributions by item, what a reader may know of those items), every
// perspective's scorecard is shown with titles, and the page carries the reader's TLP marking.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, signIn, startTestApp, type TestApp } from '../helpers/app';
import { createEvidence, reviewEvidence } from '../../src/evidence/service';
import { buildReportContent, contentHash, produceReport } from '../../src/reports/service';
import { parsePeriod } from '../../src/reports/periods';
import { explainedItemIds, FROZEN_PER_KIND, type ReportContent } from '../../src/reports/build';
import { mayReadSnapshot } from '../../src/evidence/policy';
import type { UserRow } from '../../src/db/schema';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
const TLPS = ['CLEAR', 'GREEN', 'AMBER', 'RED'];

describe('key findings and explanations frozen with reports', () => {
  let t: TestApp;
  let first: { id: number; content: ReportContent };
  let second: { id: number; content: ReportContent };
  let secretId: number;
  const jars: Record<string, string> = {};
  const users: Record<string, UserRow> = {};

  beforeAll(async () => {
    t = await startTestApp({ seed: 'demo' });
    const evaluator = await addUser(t.db, 'evaluator', { delegation: 'PAK' });
    const reviewer = await addUser(t.db, 'reviewer', { delegation: 'SEC' });
    const read = async (id: number) => JSON.parse((await t.db.kysely.selectFrom('reports').select('content').where('id', '=', id).executeTakeFirstOrThrow()).content) as ReportContent;
    const september = await produceReport(t.db.kysely, { period: parsePeriod('monthly', '2026-09')!, trigger: 'test', clock: () => new Date('2026-10-01T06:00:00Z') });
    first = { id: september.report.id, content: await read(september.report.id) };
    // a restricted item that moves a benchmark strongly in October: AMBER, PAK's delegation
    const clock = () => new Date('2026-10-10T10:00:00Z');
    const secret = await createEvidence(t.db.kysely, evaluator.user, null, { title: 'AMBER-ONLY-PAK sanctuary report', observed_on: '2026-10-05', source_reliability: 'A', credibility: 1, tlp: 'AMBER', groups: ['TTP'], findings: [{ benchmark: 'DISRUPT-2', stance: 2 }] }, { submit: true }, clock);
    await reviewEvidence(t.db.kysely, reviewer.user, secret.id, 'verify', null, clock);
    secretId = secret.id;
    const october = await produceReport(t.db.kysely, { period: parsePeriod('monthly', '2026-10')!, trigger: 'test', clock: () => new Date('2026-11-01T06:00:00Z') });
    second = { id: october.report.id, content: await read(october.report.id) };
    for (const [name, role, delegation] of [['chn', 'viewer', 'CHN'], ['pak', 'viewer', 'PAK'], ['admin', 'admin', 'SEC']] as const) {
      const u = await addUser(t.db, role, { delegation });
      users[name] = u.user;
      jars[name] = (await signIn(t.app, u.email, u.password)).jar;
    }
  });
  afterAll(() => t?.close());

  it('freezes, per perspective, sums that add up to each change and the largest contributions by item', () => {
    expect(first.content.explanations).toBeNull();
    const explanations = second.content.explanations!;
    expect(Object.keys(explanations).sort()).toEqual(second.content.perspectives.map((p) => p.code).sort());
    for (const e of Object.values(explanations)) {
      expect(e.from).toEqual({ as_of: '2026-09-30', known_at: first.content.report.known_at });
      for (const b of e.benchmarks) {
        expect(Math.abs(b.by_kind.new + b.by_kind.aged + b.by_kind.removed - b.change)).toBeLessThan(1e-9);
        for (const kind of ['new', 'aged', 'removed'] as const) {
          const top = b.top.filter((c) => c.kind === kind);
          expect(top.length).toBeLessThanOrEqual(Math.min(FROZEN_PER_KIND, b.counts[kind]));
          // the named ones are the largest of their kind: none of the rest is larger than the smallest named
          if (b.counts[kind] > top.length && top.length > 0) {
            const rest = b.by_kind[kind] - top.reduce((s, c) => s + c.points, 0);
            expect(Math.abs(rest)).toBeLessThanOrEqual(Math.abs(top[top.length - 1].points) * (b.counts[kind] - top.length) + 1e-9);
          }
        }
      }
    }
    expect(explainedItemIds(second.content)).toContain(secretId);
    expect((second.content.explained_items ?? []).map((i) => i.id)).toEqual(explainedItemIds(second.content));
    expect(second.content.names?.benchmarks['DISRUPT-2']).toBe('TTP and BLA sanctuary and leadership curtailed');
  });

  it('opens the report with each perspective’s key findings, naming only what the reader may see', async () => {
    const chn = await t.app.inject({ url: `/reports/${second.id}`, headers: { cookie: jars.chn } });
    expect(chn.statusCode).toBe(200);
    const body = text(chn.body);
    expect(body).toContain('Key findings since the monthly report 2026-09');
    for (const p of second.content.perspectives) expect(body).toMatch(new RegExp(`${p.name.replace(/[()]/g, '\\$&')}: overall (rose|fell|was essentially unchanged|improved|deteriorated)`));
    expect(chn.body).not.toContain('AMBER-ONLY-PAK');
    // the reader's JSON keeps the restricted item's points, not its id or title
    const json = JSON.parse((await t.app.inject({ url: `/reports/${second.id}.json`, headers: { cookie: jars.chn } })).body) as { explanations: Record<string, { benchmarks: { code: string; top: { evidence?: number; restricted?: true }[] }[] }>; explained_items?: unknown };
    expect(json.explained_items).toBeUndefined();
    const tops = Object.values(json.explanations).flatMap((e) => e.benchmarks.flatMap((b) => b.top));
    expect(tops.some((c) => c.evidence === secretId)).toBe(false);
    expect(tops.some((c) => c.restricted)).toBe(true);
    const pak = JSON.parse((await t.app.inject({ url: `/reports/${second.id}.json`, headers: { cookie: jars.pak } })).body) as typeof json;
    const named = Object.values(pak.explanations).flatMap((e) => e.benchmarks.flatMap((b) => b.top)) as { evidence?: number; title?: string }[];
    expect(named.find((c) => c.evidence === secretId)?.title).toBe('AMBER-ONLY-PAK sanctuary report');
  });

  it('shows every perspective’s scorecard with pillar names and benchmark titles', async () => {
    const res = await t.app.inject({ url: `/reports/${second.id}`, headers: { cookie: jars.chn } });
    const body = text(res.body);
    expect(body).toContain('Scorecards by perspective');
    for (const p of second.content.perspectives) expect(res.body).toContain(`id="card-${p.code}"`);
    expect(body).toContain('DISRUPT-2 TTP and BLA sanctuary and leadership curtailed');
    expect(body).toContain('Intelligence sharing');
  });

  it('marks the page with the highest TLP of the items it names to the reader', async () => {
    for (const who of ['chn', 'pak', 'admin']) {
      const res = await t.app.inject({ url: `/reports/${second.id}`, headers: { cookie: jars[who] } });
      const c = second.content;
      const shown = [...c.evidence.verified.items, ...c.evidence.corrected.items, ...c.evidence.retracted.items, ...(c.explained_items ?? [])].filter((i) => mayReadSnapshot(users[who], i));
      const expected = TLPS[shown.reduce((level, i) => Math.max(level, TLPS.indexOf(i.tlp)), 0)];
      expect(res.body, who).toContain(`class="report-marking" data-tlp="${expected}"`);
    }
    expect((await t.app.inject({ url: `/reports/${second.id}`, headers: { cookie: jars.pak } })).body).toContain('data-tlp="AMBER"');
  });

  it('is reproduced exactly, explanations and all, by regenerating at its generation time after later changes', async () => {
    const row = await t.db.kysely.selectFrom('reports').selectAll().where('id', '=', second.id).executeTakeFirstOrThrow();
    const reviewer = (await addUser(t.db, 'reviewer', { delegation: 'SEC' })).user;
    await reviewEvidence(t.db.kysely, reviewer, secretId, 'retract', 'found to be wrong');
    const again = await buildReportContent(t.db.kysely, row.framework_id, parsePeriod('monthly', '2026-10')!, row.generated_at);
    expect(contentHash(again).sha256).toBe(row.sha256);
  });

  it('says nothing of key findings in the first report of a kind', async () => {
    const res = await t.app.inject({ url: `/reports/${first.id}`, headers: { cookie: jars.chn } });
    expect(res.statusCode).toBe(200);
    expect(text(res.body)).not.toContain('Key findings since');
  });
});
