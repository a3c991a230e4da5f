import { describe, expect, it } from 'vitest';
import { renderMarkdown, safeHref } from '../../src/views/markdown';

describe('safe Markdown', () => {
  it('renders ordinary Markdown', () => {
    expect(renderMarkdown('**bold** and a [link](https://example.org/a?b=1)')).toBe(
      '<p><strong>bold</strong> and a <a href="https://example.org/a?b&#x3D;1" rel="noopener noreferrer nofollow">link</a></p>\n',
    );
    expect(renderMarkdown('- one\n- two')).toContain('<li>one</li>');
  });

  it.each([
    ['<script>alert(1)</script>', '<script'],
    ['<img src=x onerror=alert(1)>', '<img'],
    ['[x](javascript:alert(1))', 'javascript:'],
    ['[x](data:text/html,<script>alert(1)</script>)', 'href="data:'],
    ['![x](javascript:alert(1))', 'javascript:'],
    ['<a href="javascript:alert(1)">x</a>', '<a href'],
    ['[x](https://e.org/"onmouseover="alert(1))', '"onmouseover'],
    ['<svg onload=alert(1)>', '<svg'],
  ])('neutralises %s', (input, forbidden) => {
    expect(renderMarkdown(input)).not.toContain(forbidden);
  });

  it('shows direction overrides instead of obeying them', () => {
    expect(renderMarkdown('abc\u202Edef')).toContain('[U+202E]');
  });

  it('allows only http and https links', () => {
    expect(safeHref('https://example.org')).toBe('https://example.org/');
    expect(safeHref('http://example.org/x')).toBe('http://example.org/x');
    for (const bad of ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'data:text/html,x', 'vbscript:x', 'file:///etc/passwd', '//evil.example', '/relative']) {
      expect(safeHref(bad)).toBeNull();
    }
  });
});
