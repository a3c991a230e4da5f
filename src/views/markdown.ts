// Markdown for evidence summaries, rendered safely: raw HTML is shown as text, links only to http(s) (and
// same-page anchors), images become links, and every link opens without sending the referrer.

import { Marked, type Tokens } from 'marked';
import Handlebars from 'handlebars';

const escape = (s: string) => Handlebars.escapeExpression(s);

export function safeHref(href: string | null | undefined): string | null {
  if (!href) return null;
  const trimmed = href.trim();
  if (/^#[\w-]*$/.test(trimmed)) return trimmed;
  try {
    const url = new URL(trimmed);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : null;
  } catch {
    return null;
  }
}

const marked = new Marked({
  gfm: true,
  breaks: false,
  async: false,
  renderer: {
    html(token: Tokens.HTML | Tokens.Tag) {
      return escape(token.text);
    },
    link(this: { parser: { parseInline(tokens: Tokens.Generic[]): string } }, token: Tokens.Link) {
      const text = this.parser.parseInline(token.tokens);
      const href = safeHref(token.href);
      return href ? `<a href="${escape(href)}" rel="noopener noreferrer nofollow">${text}</a>` : text;
    },
    image(token: Tokens.Image) {
      const href = safeHref(token.href);
      const label = escape(token.text || 'image');
      return href ? `<a href="${escape(href)}" rel="noopener noreferrer nofollow">[${label}]</a>` : `[${label}]`;
    },
  },
});

/** Markdown to HTML that is safe to put into a page as it is. */
export function renderMarkdown(source: string | null | undefined): string {
  if (!source) return '';
  // direction overrides and other invisible controls are shown, not obeyed
  const cleaned = source.replace(/[\u202a-\u202e\u2066-\u2069]/g, (c) => `[U+${c.codePointAt(0)!.toString(16).toUpperCase()}]`);
  return marked.parse(cleaned) as string;
}
