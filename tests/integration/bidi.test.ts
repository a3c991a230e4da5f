// Right-to-left text from users never reorders the page around it (issue 14): every place a page shows what a user
// typed (titles, places, sources, reasons, file and token names, history) isolates its direction (`dir="auto"` or
// `<bdi>`), so a Persian title with "(TIP)" in it keeps its parentheses and the Latin text beside it stays in order.
// Direction overrides inside it are still shown as [U+202E] (output-encoding.test.ts).

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, signIn, startTestApp, type TestApp } from '../helpers/app';
import { createEvidence, reviewEvidence } from '../../src/evidence/service';

const TITLE = 'گزارش فعالیت (TIP) در بدخشان';
const PLACE = 'ولایت بدخشان';
const SOURCE = 'منبع محلی (BBC)';
const REASON = 'گزارش تکراری است (ref X-1)';

/** Every element whose text is exactly `text` (after entities) is isolated: dir="auto" on it, or inside <bdi>. */
function isolatedEverywhere(page: string, text: string): boolean {
  // the page's <title> holds text only (no markup); the browser shows it outside the page
  const html = page.includes('<body') ? page.slice(page.indexOf('<body')) : page;
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#x27;').replace(/`/g, '&#x60;').replace(/=/g, '&#x3D;');
  let found = 0;
  for (let at = html.indexOf(escaped); at >= 0; at = html.indexOf(escaped, at + 1)) {
    found += 1;
    const before = html.slice(Math.max(0, at - 200), at);
    const open = before.lastIndexOf('<');
    const tag = before.slice(open);
    // the text sits right after the opening tag that isolates it
    if (!/^<bdi>$/.test(tag) && !/\bdir="auto"[^>]*>$/.test(tag)) return false;
  }
  return found > 0;
}

describe('user text isolated from the page’s direction', () => {
  let t: TestApp;
  let jar: string;
  let itemId: number;
  let rejectedId: number;

  beforeAll(async () => {
    t = await startTestApp({ seed: 'framework' });
    const evaluator = await addUser(t.db, 'evaluator', { delegation: 'PAK' });
    const reviewer = await addUser(t.db, 'reviewer', { delegation: 'SEC' });
    const item = await createEvidence(t.db.kysely, evaluator.user, null, { title: TITLE, location: PLACE, source: SOURCE, observed_on: '2026-05-01', source_reliability: 'B', credibility: 2, tlp: 'GREEN', findings: [{ benchmark: 'BORDER-1', stance: 1 }] }, { submit: true });
    itemId = item.id;
    const rejected = await createEvidence(t.db.kysely, evaluator.user, null, { title: `${TITLE} 2`, observed_on: '2026-05-02', source_reliability: 'B', credibility: 2, tlp: 'GREEN', findings: [{ benchmark: 'BORDER-1', stance: 1 }] }, { submit: true });
    rejectedId = rejected.id;
    await reviewEvidence(t.db.kysely, reviewer.user, rejected.id, 'reject', REASON);
    jar = (await signIn(t.app, reviewer.email, reviewer.password)).jar;
  });
  afterAll(() => t?.close());

  const page = async (url: string) => {
    const res = await t.app.inject({ url, headers: { cookie: jar } });
    expect(res.statusCode, url).toBe(200);
    return res.body;
  };

  it('on the item page: title, place, source', async () => {
    const html = await page(`/evidence/${itemId}`);
    expect(isolatedEverywhere(html, TITLE)).toBe(true);
    expect(isolatedEverywhere(html, PLACE)).toBe(true);
    expect(isolatedEverywhere(html, SOURCE)).toBe(true);
  });

  it('on the rejected item: the reason', async () => {
    expect(isolatedEverywhere(await page(`/evidence/${rejectedId}`), REASON)).toBe(true);
  });

  it('in the evidence list and the review queue', async () => {
    expect(isolatedEverywhere(await page('/evidence'), TITLE)).toBe(true);
    expect(isolatedEverywhere(await page('/review'), TITLE)).toBe(true);
  });

  it('fails the check when a title is not isolated (the check itself)', () => {
    expect(isolatedEverywhere(`<td>${TITLE}</td>`, TITLE)).toBe(false);
    expect(isolatedEverywhere(`<td><bdi>${TITLE}</bdi></td>`, TITLE)).toBe(true);
  });
});
