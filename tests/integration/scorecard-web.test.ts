import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, signIn, startTestApp, type TestApp } from '../helpers/app';

/** Rows of the dashboard's benchmark tables: code -> [score, low, high]. */
function benchmarkRows(html: string): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  const re = /<th scope="row"><span class="code">([^<]+)<\/span>(?:(?!<\/th>).)*<\/th>\s*<td class="num">([^<]+)<\/td>\s*<td class="num">([^<]+)<\/td>/gs;
  for (const m of html.matchAll(re)) rows.set(m[1], [m[2], ...m[3].split('–')]);
  return rows;
}

describe('dashboard and scorecard API', () => {
  let t: TestApp;
  let jar: string;

  beforeAll(async () => {
    t = await startTestApp({ seed: 'demo' });
    const viewer = await addUser(t.db, 'viewer', { delegation: 'CHN' });
    jar = (await signIn(t.app, viewer.email, viewer.password)).jar;
  });
  afterAll(() => t.close());

  it('serves the scorecard JSON to a signed-in user', async () => {
    const res = await t.app.inject({ url: '/api/v1/scorecard?as_of=2026-09-30&known_at=2026-10-15&perspective=PAK', headers: { cookie: jar } });
    expect(res.statusCode).toBe(200);
    const card = res.json();
    expect(card).toMatchObject({ framework: 'QUAD-2025', methodology: 'v1.1', as_of: '2026-09-30', known_at: '2026-10-15T23:59:59.999Z', perspective: 'PAK' });
    expect(Object.keys(card)).toEqual(['framework', 'methodology', 'as_of', 'known_at', 'perspective', 'overall', 'pillars']);
    expect(Object.keys(card.pillars[0].benchmarks[0])).toEqual(['code', 'score', 'low', 'high', 'evidence_weight', 'findings', 'status', 'band', 'confidence', 'trend', 'stale', 'last_observed_on', 'trend_driver']);
  });

  it('answers bad query values with a 400 naming the field', async () => {
    const bad = await t.app.inject({ url: '/api/v1/scorecard?as_of=2026-13-01&perspective=XYZ&known_at=yesterday', headers: { cookie: jar } });
    expect(bad.statusCode).toBe(400);
    const paths = bad.json().error.fields.map((f: { path: string }) => f.path);
    expect(paths).toEqual(['as_of', 'known_at', 'perspective']);
    const unknown = await t.app.inject({ url: '/api/v1/scorecard?framework=NOPE', headers: { cookie: jar } });
    expect(unknown.statusCode).toBe(404);
  });

  it('shows on the dashboard the API numbers, rounded to whole points, for each perspective', async () => {
    for (const perspective of ['JOINT', 'PAK', 'CHN', 'RUS', 'IRN']) {
      const q = `as_of=2026-08-31&known_at=2026-09-10&perspective=${perspective}`;
      const api = (await t.app.inject({ url: `/api/v1/scorecard?${q}`, headers: { cookie: jar } })).json();
      const page = await t.app.inject({ url: `/?${q}`, headers: { cookie: jar } });
      expect(page.statusCode).toBe(200);
      const rows = benchmarkRows(page.body);
      const benchmarks = api.pillars.flatMap((p: { benchmarks: unknown[] }) => p.benchmarks);
      expect(rows.size).toBe(benchmarks.length);
      for (const b of benchmarks) {
        expect(rows.get(b.code)).toEqual([String(Math.round(b.score)), String(Math.round(b.low)), String(Math.round(b.high))]);
      }
      const overall = /<p class="big-score"><span class="num">([^<]+)<\/span>/.exec(page.body)![1];
      expect(overall).toBe(api.overall.score === null ? '–' : String(Math.round(api.overall.score)));
      expect(page.body).toContain('aria-current="page"');
    }
  });

  it('links every perspective and says which dates it shows', async () => {
    const page = await t.app.inject({ url: '/?as_of=2026-08-31&known_at=2026-09-10', headers: { cookie: jar } });
    const decoded = page.body.replaceAll('&#x3D;', '=').replaceAll('&amp;', '&');
    for (const code of ['PAK', 'CHN', 'RUS', 'IRN']) expect(decoded).toContain(`known_at=2026-09-10&perspective=${code}`);
    expect(page.body).toContain('As of <strong>2026-08-31</strong>');
    expect(page.body).toContain('as known at <strong>2026-09-10 23:59 UTC</strong>');
    const now = await t.app.inject({ url: '/', headers: { cookie: jar } });
    expect(now.body).toContain('as known now');
  });

  it('escapes what it echoes back', async () => {
    const res = await t.app.inject({ url: '/?as_of=%22%3E%3Cscript%3Ealert(1)%3C/script%3E', headers: { cookie: jar } });
    expect(res.statusCode).toBe(400);
    expect(res.body).not.toContain('<script>alert(1)</script>');
  });
});
