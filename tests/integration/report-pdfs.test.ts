// Report PDFs are printed once per report and reader's view, stored, and served from storage afterwards: many
// requests at once start one print, readers who may see different titles get different stored PDFs, instances
// racing to store the same view keep one, and prints are capped per process (503 BUSY with Retry-After beyond).

import crypto from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app';
import type { Db } from '../../src/db/connect';
import { seedDefault } from '../../src/seed/index';
import { addUser, signIn, testConfig } from '../helpers/app';
import { closeTestDb, openTestDb } from '../helpers/db';
import { createEvidence, reviewEvidence } from '../../src/evidence/service';
import { produceReport } from '../../src/reports/service';
import { parsePeriod } from '../../src/reports/periods';
import { chromiumPath, htmlToPdf, pdfPrintSlots, RenderSlots, type PdfRenderer } from '../../src/reports/pdf';

const sha256 = (data: Buffer) => crypto.createHash('sha256').update(data).digest('hex');
const config = testConfig();

/** A printer for the tests that need no Chromium: the "PDF" carries the HTML it was made from. */
const htmlPrinter = (prints: string[]): PdfRenderer => async (html) => {
  prints.push(html);
  return Buffer.from(`%PDF-test ${prints.length}\n${html}`);
};

describe('stored report PDFs', () => {
  let db: Db;
  const apps: FastifyInstance[] = [];
  let reportId: number;
  const users = {} as Record<'chn' | 'chn2' | 'pak', { email: string; password: string }>;

  beforeAll(async () => {
    db = await openTestDb();
    await seedDefault(db.kysely, { demo: true });
    const evaluator = await addUser(db, 'evaluator', { delegation: 'PAK' });
    const reviewer = await addUser(db, 'reviewer', { delegation: 'SEC' });
    users.chn = await addUser(db, 'viewer', { delegation: 'CHN' });
    users.chn2 = await addUser(db, 'viewer', { delegation: 'CHN' });
    users.pak = await addUser(db, 'viewer', { delegation: 'PAK' });
    // an AMBER item of the PAK delegation: PAK readers see its title in the report, CHN readers do not
    const clock = () => new Date('2026-10-10T10:00:00Z');
    const item = await createEvidence(db.kysely, evaluator.user, null, { title: 'AMBER-ONLY-PAK field report', observed_on: '2026-10-05', source_reliability: 'B', credibility: 2, tlp: 'AMBER', groups: ['TTP'], findings: [{ benchmark: 'DISRUPT-2', stance: -1 }] }, { submit: true }, clock);
    await reviewEvidence(db.kysely, reviewer.user, item.id, 'verify', null, clock);
    reportId = (await produceReport(db.kysely, { period: parsePeriod('monthly', '2026-10')!, trigger: 'test', clock: () => new Date('2026-11-01T06:00:00Z') })).report.id;
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await closeTestDb(db);
  });

  async function appWith(renderPdf: PdfRenderer) {
    const app = await buildApp({ db, config, renderPdf });
    apps.push(app);
    return app;
  }
  const jarOf = async (app: FastifyInstance, who: keyof typeof users) => (await signIn(app, users[who].email, users[who].password)).jar;
  const pdfOf = (app: FastifyInstance, jar: string) => app.inject({ url: `/reports/${reportId}.pdf`, headers: { cookie: jar } });
  const storedRows = () => db.kysely.selectFrom('report_pdfs').select(['report_id', 'view_sha256', 'sha256']).where('report_id', '=', reportId).execute();
  const clearStored = () => db.kysely.deleteFrom('report_pdfs').execute();

  // regression test for finding 9.10a: each PDF download started its own Chromium
  const withChromium = 'prints once with Chromium for 6 parallel requests of one reader, then serves the stored bytes';
  it.skipIf(chromiumPath() === null)(chromiumPath() ? withChromium : `${withChromium} (skipped: no Chromium here, chromiumPath() is null)`, async () => {
    await clearStored();
    let prints = 0;
    const app = await appWith(async (html) => {
      prints += 1;
      return htmlToPdf(html);
    });
    const jar = await jarOf(app, 'chn');
    const responses = await Promise.all(Array.from({ length: 6 }, () => pdfOf(app, jar)));
    expect(prints).toBe(1);
    for (const res of responses) {
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toBe('application/pdf');
      expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
      expect(res.headers['x-content-sha256']).toBe(sha256(res.rawPayload));
      expect(res.rawPayload.equals(responses[0].rawPayload)).toBe(true);
    }
    const again = await pdfOf(app, jar);
    expect(prints).toBe(1);
    expect(again.rawPayload.equals(responses[0].rawPayload)).toBe(true);
    const rows = await storedRows();
    expect(rows).toHaveLength(1);
    expect(rows[0].sha256).toBe(sha256(again.rawPayload));
  }, 120_000);

  it('keeps one stored PDF per view: readers who see different titles get different ones, alike readers share one', async () => {
    await clearStored();
    const prints: string[] = [];
    const app = await appWith(htmlPrinter(prints));
    const chn = await pdfOf(app, await jarOf(app, 'chn'));
    const chn2 = await pdfOf(app, await jarOf(app, 'chn2'));
    const pak = await pdfOf(app, await jarOf(app, 'pak'));
    expect([chn.statusCode, chn2.statusCode, pak.statusCode]).toEqual([200, 200, 200]);
    expect(prints).toHaveLength(2);
    expect(chn.body).not.toContain('AMBER-ONLY-PAK');
    expect(pak.body).toContain('AMBER-ONLY-PAK field report');
    expect(chn2.rawPayload.equals(chn.rawPayload)).toBe(true);
    const rows = await storedRows();
    expect(rows).toHaveLength(2);
    expect(new Set(rows.map((r) => r.view_sha256)).size).toBe(2);
    expect(rows.map((r) => r.sha256).sort()).toEqual([sha256(chn.rawPayload), sha256(pak.rawPayload)].sort());
  });

  it('stores one PDF when two instances print the same view at once, and both serve the stored one', async () => {
    await clearStored();
    let started = 0;
    let release!: () => void;
    const bothStarted = new Promise<void>((resolve) => (release = resolve));
    // each instance prints different bytes, and neither finishes before both have started
    const printer = (name: string): PdfRenderer => async (html) => {
      started += 1;
      if (started === 2) release();
      await bothStarted;
      return Buffer.from(`%PDF-test by ${name}\n${html.length}`);
    };
    const a = await appWith(printer('a'));
    const b = await appWith(printer('b'));
    const [ra, rb] = await Promise.all([pdfOf(a, await jarOf(a, 'chn')), pdfOf(b, await jarOf(b, 'chn'))]);
    expect(started).toBe(2);
    expect(ra.statusCode).toBe(200);
    expect(rb.rawPayload.equals(ra.rawPayload)).toBe(true);
    const rows = await storedRows();
    expect(rows).toHaveLength(1);
    expect(rows[0].sha256).toBe(sha256(ra.rawPayload));
  });

  it('answers 503 BUSY with Retry-After in the error shape when every print slot and place in line is taken', async () => {
    await clearStored();
    const prints: string[] = [];
    const app = await appWith(htmlPrinter(prints));
    const jar = await jarOf(app, 'pak');
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const occupying = Array.from({ length: pdfPrintSlots.concurrency + pdfPrintSlots.maxWaiting }, () => pdfPrintSlots.run(() => gate));
    try {
      const res = await pdfOf(app, jar);
      expect(res.statusCode).toBe(503);
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(res.json()).toEqual({ error: { code: 'BUSY', message: expect.any(String) } });
      expect(prints).toHaveLength(0);
    } finally {
      open();
      await Promise.all(occupying);
    }
    expect((await pdfOf(app, jar)).statusCode).toBe(200);
    expect(prints).toHaveLength(1);
  });
});

describe('print slots', () => {
  it('run at most the cap at once, queue a bounded number, and refuse beyond it', async () => {
    const slots = new RenderSlots(2, 3);
    let running = 0;
    let most = 0;
    const gates: (() => void)[] = [];
    const task = () =>
      slots.run(async () => {
        running += 1;
        most = Math.max(most, running);
        await new Promise<void>((resolve) => gates.push(resolve));
        running -= 1;
      });
    const accepted = Array.from({ length: 5 }, task);
    await expect(task()).rejects.toMatchObject({ code: 'BUSY', status: 503 });
    expect(slots.busy).toEqual({ running: 2, waiting: 3 });
    while (gates.length || slots.busy.running) {
      gates.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(accepted);
    expect(most).toBe(2);
    expect(slots.busy).toEqual({ running: 0, waiting: 0 });
  });
});
