// Hostile Markdown in evidence summaries: deep nesting and long runs of special characters render (bounded
// nesting, deeper markers shown as text) instead of throwing, and the item page answers 200 for everyone.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, signIn, startTestApp, type TestApp } from '../helpers/app';
import { MAX_MARKDOWN_NESTING, renderMarkdown } from '../../src/views/markdown';
import { createEvidence } from '../../src/evidence/service';

const count = (html: string, tag: string) => (html.match(new RegExp(`<${tag}>`, 'g')) ?? []).length;

const NESTED: Record<string, string> = {
  '5,000 ">"': '>'.repeat(5000),
  '5,000 "> "': `${'> '.repeat(5000)}deep`,
  '5,000 "- "': `${'- '.repeat(5000)}deep`,
  '5,000 "1. "': `${'1. '.repeat(5000)}deep`,
  '5,000 "* "': `${'* '.repeat(5000)}deep`,
  '3,000 "> - "': `${'> - '.repeat(3000)}deep`,
  '5,000 ">" on several lines': `${'>'.repeat(5000)}\n`.repeat(3),
};

const LONG_RUNS: Record<string, string> = {
  '100k "["': '['.repeat(100_000),
  '100k "*"': '*'.repeat(100_000),
  '100k backticks': '`'.repeat(100_000),
  '100k ">"': '>'.repeat(100_000),
  '50k "- "': '- '.repeat(50_000),
  '5,000 nested links': `${'['.repeat(5000)}x${'](https://example.org)'.repeat(5000)}`,
};

describe('renderMarkdown on hostile input', () => {
  // regression test for finding 9.11a: 5,000 ">" overflowed marked's stack and the item page answered 500
  it.each(Object.entries(NESTED))('renders %s with bounded nesting', (_name, source) => {
    const html = renderMarkdown(source);
    expect(count(html, 'blockquote') + count(html, 'ul') + count(html, 'ol')).toBeLessThanOrEqual(MAX_MARKDOWN_NESTING);
    expect(count(html, 'blockquote') + count(html, 'li')).toBeGreaterThan(0);
    expect(html).not.toMatch(/<(?!\/?(p|blockquote|ul|ol|li|br|hr)\b)/);
  });

  it.each(Object.entries(LONG_RUNS))('renders %s', (_name, source) => {
    const started = Date.now();
    expect(() => renderMarkdown(source)).not.toThrow();
    // milliseconds normally; the bound catches runaway (super-linear) parsing, not a slow or loaded machine
    expect(Date.now() - started).toBeLessThan(60_000);
  });

  it('keeps the markers beyond the limit as text', () => {
    const html = renderMarkdown(`${'> '.repeat(MAX_MARKDOWN_NESTING + 2)}deep`);
    expect(count(html, 'blockquote')).toBe(MAX_MARKDOWN_NESTING);
    expect(html).toContain('&gt; &gt; deep');
  });

  it('leaves ordinary nesting alone', () => {
    expect(renderMarkdown('> quoted\n>> twice')).toBe(renderMarkdown('> quoted\n>> twice'));
    expect(count(renderMarkdown('- a\n  - b\n    - c'), 'ul')).toBe(3);
    expect(count(renderMarkdown('> > > three'), 'blockquote')).toBe(3);
  });
});

describe('an item page with a hostile summary', () => {
  let t: TestApp;
  const jars: string[] = [];
  const ids: Record<string, number> = {};

  beforeAll(async () => {
    t = await startTestApp({ seed: 'framework' });
    const author = await addUser(t.db, 'evaluator', { delegation: 'PAK' });
    const viewer = await addUser(t.db, 'viewer', { delegation: 'CHN' });
    // summaries are at most 20,000 characters: the long runs go in at that size
    const summaries = { ...NESTED, '20k "["': '['.repeat(20_000), '20k "*"': '*'.repeat(20_000), '20k backticks': '`'.repeat(20_000) };
    for (const [name, summary] of Object.entries(summaries)) {
      const item = await createEvidence(t.db.kysely, author.user, null, { title: `Hostile summary: ${name}`, summary, observed_on: '2026-03-01', source_reliability: 'B', credibility: 2, tlp: 'GREEN', findings: [{ benchmark: 'BORDER-1', stance: 1 }] }, { submit: true });
      ids[name] = item.id;
    }
    for (const u of [author, viewer]) jars.push((await signIn(t.app, u.email, u.password)).jar);
  });
  afterAll(() => t.close());

  // regression test for finding 9.11a: the page of an item with 5,000 ">" answered 500 for everyone
  it('answers 200 for the author and for another reader', async () => {
    const problems: string[] = [];
    for (const [name, id] of Object.entries(ids)) {
      for (const jar of jars) {
        const res = await t.app.inject({ url: `/evidence/${id}`, headers: { cookie: jar } });
        if (res.statusCode !== 200 || !res.body.includes(`Evidence #${id}`)) problems.push(`${name}: ${res.statusCode}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
