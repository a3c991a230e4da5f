import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, signIn, startTestApp, type TestApp } from '../helpers/app';
import { createEvidence, reviewEvidence } from '../../src/evidence/service';
import { produceReport } from '../../src/reports/service';
import { parsePeriod } from '../../src/reports/periods';
import { chromiumPath } from '../../src/reports/pdf';
import crypto from 'node:crypto';

describe('report pages and downloads', () => {
  let t: TestApp;
  let reportId: number;
  const jars: Record<string, string> = {};

  beforeAll(async () => {
    t = await startTestApp({ seed: 'demo' });
    const evaluator = await addUser(t.db, 'evaluator', { delegation: 'PAK' });
    const reviewer = await addUser(t.db, 'reviewer', { delegation: 'SEC' });
    const viewerChn = await addUser(t.db, 'viewer', { delegation: 'CHN' });
    const viewerPak = await addUser(t.db, 'viewer', { delegation: 'PAK' });
    const admin = await addUser(t.db, 'admin', { delegation: 'SEC' });
    // an AMBER item of the PAK delegation, verified in October 2026
    const clock = () => new Date('2026-10-10T10:00:00Z');
    const item = await createEvidence(t.db.kysely, evaluator.user, null, { title: 'AMBER-ONLY-PAK field report', observed_on: '2026-10-05', source_reliability: 'B', credibility: 2, tlp: 'AMBER', groups: ['TTP'], findings: [{ benchmark: 'DISRUPT-2', stance: -1 }] }, { submit: true }, clock);
    await reviewEvidence(t.db.kysely, reviewer.user, item.id, 'verify', null, clock);
    const r = await produceReport(t.db.kysely, { period: parsePeriod('monthly', '2026-10')!, trigger: 'test', clock: () => new Date('2026-11-01T06:00:00Z') });
    reportId = r.report.id;
    for (const [k, u] of Object.entries({ viewerChn, viewerPak, admin })) jars[k] = (await signIn(t.app, u.email, u.password)).jar;
  });
  afterAll(() => t.close());

  it('lists reports and links the latest monthly one', async () => {
    const res = await t.app.inject({ url: '/reports', headers: { cookie: jars.viewerChn } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(`href="/reports/${reportId}"`);
    expect(res.body).toContain('Latest monthly report: 2026-10');
  });

  it('shows the frozen report with titles only where the reader may see them', async () => {
    const chn = await t.app.inject({ url: `/reports/${reportId}`, headers: { cookie: jars.viewerChn } });
    const pak = await t.app.inject({ url: `/reports/${reportId}`, headers: { cookie: jars.viewerPak } });
    expect(chn.statusCode).toBe(200);
    expect(chn.body).toContain('This report describes the situation as of 31 October 2026');
    expect(chn.body).not.toContain('AMBER-ONLY-PAK');
    expect(chn.body).toMatch(/restricted from you/);
    expect(pak.body).toContain('AMBER-ONLY-PAK field report');
    const json = await t.app.inject({ url: `/reports/${reportId}.json`, headers: { cookie: jars.viewerChn } });
    expect(json.statusCode).toBe(200);
    expect(json.body).not.toContain('AMBER-ONLY-PAK');
  });

  it('gives admins the exact stored bytes, whose SHA-256 is the report’s', async () => {
    const row = await t.db.kysely.selectFrom('reports').selectAll().where('id', '=', reportId).executeTakeFirstOrThrow();
    const json = await t.app.inject({ url: `/reports/${reportId}.json`, headers: { cookie: jars.admin } });
    expect(json.headers['content-disposition']).toMatch(/attachment; filename="QUAD-2025-monthly-2026-10.json"/);
    expect(crypto.createHash('sha256').update(json.rawPayload).digest('hex')).toBe(row.sha256);
    expect(json.headers['x-report-sha256']).toBe(row.sha256);
  });

  it('downloads CSV with a row per perspective and scored element', async () => {
    const csv = await t.app.inject({ url: `/reports/${reportId}.csv`, headers: { cookie: jars.viewerChn } });
    const lines = csv.body.trim().split('\r\n');
    expect(lines[0]).toMatch(/^framework,kind,period,as_of,known_at,perspective,level,code,score/);
    // 5 perspectives x (overall + 3 pillars + 13 benchmarks)
    expect(lines).toHaveLength(1 + 5 * (1 + 3 + 13));
    const content = JSON.parse((await t.db.kysely.selectFrom('reports').select('content').where('id', '=', reportId).executeTakeFirstOrThrow()).content);
    const joint = lines.find((l) => l.includes(',JOINT,overall,'))!;
    expect(Number(joint.split(',')[8])).toBe(content.scorecards.JOINT.overall.score);
  });

  it.runIf(chromiumPath() !== null)('prints a PDF of the report with Chromium', async () => {
    const pdf = await t.app.inject({ url: `/reports/${reportId}.pdf`, headers: { cookie: jars.viewerChn } });
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    expect(pdf.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.rawPayload.length).toBeGreaterThan(5000);
  });

  it('tells on the dashboard what changed since the last report', async () => {
    const dash = await t.app.inject({ url: '/?as_of=2026-11-20', headers: { cookie: jars.viewerChn } });
    expect(dash.body).toContain('What changed since the monthly report 2026-10 (as of 2026-10-31)');
    expect(dash.body).toContain(`href="/reports/${reportId}"`);
    const before = await t.app.inject({ url: '/?as_of=2026-10-15', headers: { cookie: jars.viewerChn } });
    expect(before.body).toContain('30 days earlier; no report yet');
  });

  it('shows scheduler runs to admins only', async () => {
    expect((await t.app.inject({ url: '/admin/report-runs', headers: { cookie: jars.viewerChn } })).statusCode).toBe(403);
    const runs = await t.app.inject({ url: '/admin/report-runs', headers: { cookie: jars.admin } });
    expect(runs.statusCode).toBe(200);
    expect(runs.body).toContain('monthly 2026-10');
    expect((await t.app.inject({ url: '/reports/99999', headers: { cookie: jars.admin } })).statusCode).toBe(404);
  });
});
