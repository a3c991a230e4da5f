// A frozen report read in two languages (issue 14): what is stored and hashed is language-neutral (codes,
// numbers, dates), so the same report has one SHA-256 whatever its reader's language, and its page and its PDF
// are rendered from that content in the reader's language at read time. Rendering never changes what is stored.

import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, csrfFrom, cookieJar, signIn, startTestApp, type TestApp } from '../helpers/app';
import { produceReport, contentHash } from '../../src/reports/service';
import { parsePeriod } from '../../src/reports/periods';
import type { PdfRenderer } from '../../src/reports/pdf';
import type { ReportContent } from '../../src/reports/build';

const sha256 = (data: string | Buffer) => crypto.createHash('sha256').update(data).digest('hex');
/** The page's text without markup. */
const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('a report in the reader’s language', () => {
  let t: TestApp;
  let reportId: number;
  let stored: { sha256: string; content: string };
  const prints: string[] = [];
  const printer: PdfRenderer = async (html) => {
    prints.push(html);
    return Buffer.from(`%PDF-test\n${html}`);
  };
  const jars: Record<string, string> = {};
  const users: Record<string, number> = {};

  beforeAll(async () => {
    t = await startTestApp({ seed: 'demo', renderPdf: printer });
    await produceReport(t.db.kysely, { period: parsePeriod('monthly', '2026-09')!, trigger: 'test', clock: () => new Date('2026-10-01T06:00:00Z') });
    reportId = (await produceReport(t.db.kysely, { period: parsePeriod('monthly', '2026-10')!, trigger: 'test', clock: () => new Date('2026-11-01T06:00:00Z') })).report.id;
    stored = await t.db.kysely.selectFrom('reports').select(['sha256', 'content']).where('id', '=', reportId).executeTakeFirstOrThrow();
    for (const [name, role, locale] of [['adminEn', 'admin', 'en'], ['adminRu', 'admin', 'ru'], ['viewerEn', 'viewer', 'en'], ['viewerRu', 'viewer', 'ru']] as const) {
      const u = await addUser(t.db, role, role === 'admin' ? {} : { delegation: 'CHN' });
      await t.db.kysely.updateTable('users').set({ locale }).where('id', '=', u.user.id).execute();
      users[name] = u.user.id;
      jars[name] = (await signIn(t.app, u.email, u.password)).jar;
    }
  });
  afterAll(() => t?.close());

  const get = (jar: string, url: string) => t.app.inject({ url, headers: { cookie: jar } });

  it('shows administrators the same stored SHA-256 in English and in Russian, each page in its reader’s language', async () => {
    const en = await get(jars.adminEn, `/reports/${reportId}`);
    const ru = await get(jars.adminRu, `/reports/${reportId}`);
    expect(en.statusCode).toBe(200);
    expect(ru.statusCode).toBe(200);
    const shown = (html: string) => [...html.matchAll(/<code class="hash">([0-9a-f]{64})<\/code>/g)].map((m) => m[1]);
    expect(shown(en.body)).toContain(stored.sha256);
    expect(shown(ru.body)).toEqual(shown(en.body));

    expect(en.body).toContain('lang="en"');
    expect(text(en.body)).toContain('Monthly report 2026-10');
    expect(text(en.body)).toContain('This report describes the situation as of 31 October 2026');
    expect(text(en.body)).toContain('Scorecards by perspective');

    expect(ru.body).toContain('lang="ru"');
    const ruText = text(ru.body);
    expect(ruText).toContain('Ежемесячный отчёт 2026-10');
    expect(ruText).toContain('Настоящий отчёт описывает положение по состоянию на 31 октября 2026');
    expect(ruText).toContain('Оценочные карты по позициям');
    expect(ruText).toContain('Основные выводы после ежемесячного отчёта 2026-09');
    expect(ruText).not.toContain('Scorecards by perspective');
    expect(ruText).not.toContain('This report describes');
  });

  it('serves the same stored bytes as JSON whatever the language, and rendering changed nothing stored', async () => {
    const en = await get(jars.adminEn, `/reports/${reportId}.json`);
    const ru = await get(jars.adminRu, `/reports/${reportId}.json`);
    expect(en.headers['x-report-sha256']).toBe(stored.sha256);
    expect(ru.headers['x-report-sha256']).toBe(stored.sha256);
    expect(ru.body).toBe(en.body);
    expect(sha256(en.body)).toBe(stored.sha256);
    // no English sentence is frozen: the cut-off is said from the dates at read time
    const content = JSON.parse(en.body) as ReportContent;
    expect(content.information_cutoff).toBeUndefined();
    expect(en.body).not.toContain('This report describes');
    const after = await t.db.kysely.selectFrom('reports').select(['sha256', 'content']).where('id', '=', reportId).executeTakeFirstOrThrow();
    expect(after).toEqual(stored);
    expect(contentHash(JSON.parse(after.content) as ReportContent).sha256).toBe(stored.sha256);
  });

  it('prints the PDF in the requester’s language: one stored print per language and view, same report hash', async () => {
    const before = prints.length;
    const en = await get(jars.viewerEn, `/reports/${reportId}.pdf`);
    const ru = await get(jars.viewerRu, `/reports/${reportId}.pdf`);
    expect(en.statusCode).toBe(200);
    expect(ru.statusCode).toBe(200);
    expect(prints.length).toBe(before + 2);
    const [enHtml, ruHtml] = prints.slice(before);
    expect(enHtml).toContain('lang="en"');
    expect(text(enHtml)).toContain('Monthly report 2026-10');
    expect(ruHtml).toContain('lang="ru"');
    expect(text(ruHtml)).toContain('Ежемесячный отчёт 2026-10');
    expect(text(ruHtml)).toContain('Настоящий отчёт описывает положение');
    expect(text(ruHtml)).not.toContain('Scorecards by perspective');
    // each language is its own stored print; asking again serves it from storage
    expect(en.headers['x-content-sha256']).not.toBe(ru.headers['x-content-sha256']);
    const again = await get(jars.viewerRu, `/reports/${reportId}.pdf`);
    expect(again.headers['x-content-sha256']).toBe(ru.headers['x-content-sha256']);
    expect(prints.length).toBe(before + 2);
    const after = await t.db.kysely.selectFrom('reports').select(['sha256', 'content']).where('id', '=', reportId).executeTakeFirstOrThrow();
    expect(after).toEqual(stored);
  });

  it('downloads the same CSV rows in every language, the header in the reader’s words beside the column names', async () => {
    const en = (await get(jars.viewerEn, `/reports/${reportId}.csv`)).body.split('\r\n');
    const ru = (await get(jars.viewerRu, `/reports/${reportId}.csv`)).body.split('\r\n');
    expect(en[0]).toMatch(/^framework,kind,period,as_of,known_at,perspective,level,code,score,low,high/);
    expect(ru[0]).toContain('Рамочная система (framework)');
    expect(ru[0].replace(/[^,]*\(([a-z_]+)\)/g, '$1')).toBe(en[0]);
    expect(ru.slice(1)).toEqual(en.slice(1));
  });

  it('follows the language switcher (POST /locale) for the list and the report', async () => {
    const page = await get(jars.viewerEn, '/reports');
    const switched = await t.app.inject({
      method: 'POST',
      url: '/locale',
      headers: { cookie: jars.viewerEn, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrfFrom(page.body), locale: 'zh-CN', next: '/reports' }).toString(),
    });
    expect(switched.statusCode).toBe(303);
    const jar = cookieJar(jars.viewerEn, switched);
    const list = await get(jar, '/reports');
    expect(list.body).toContain('lang="zh-CN"');
    expect(text(list.body)).toContain('最新月度报告：2026-10');
    const report = await get(jar, `/reports/${reportId}`);
    expect(text(report.body)).toContain('月度报告 2026-10');
    expect(text(report.body)).toContain('本报告描述截至');
    // back to English for the other tests' reader
    await t.db.kysely.updateTable('users').set({ locale: 'en' }).where('id', '=', users.viewerEn).execute();
  });
});
