// Markdown for evidence summaries, rendered safely: raw HTML is shown as text, links only to http(s) (and
// same-page anchors), images become links, and every link opens without sending the referrer. Rendering never
// throws: nesting is bounded before parsing, and any failure falls back to the escaped text.

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

/** Deepest nesting of blockquotes and lists on one line that is rendered as such; deeper markers are text. */
export const MAX_MARKDOWN_NESTING = 16;

// one container opened at the start of a line: a blockquote ">" or a list item ("-", "*", "+", "1." or "1)")
const CONTAINER_MARKER = /^ {0,3}(?:>|[-*+](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))[ \t]?/;

/**
 * Escapes the first container marker beyond MAX_MARKDOWN_NESTING on each line, so the rest of the line is plain
 * text: the parser recurses once per level and thousands of ">" or "- " would overflow its stack.
 */
export function limitNesting(source: string): string {
  return source
    .split('\n')
    .map((line) => {
      let offset = 0;
      for (let depth = 0; ; depth += 1) {
        const marker = CONTAINER_MARKER.exec(line.slice(offset));
        if (!marker) return line;
        if (depth === MAX_MARKDOWN_NESTING) {
          const at = offset + marker[0].search(/\S/);
          return `${line.slice(0, at)}\\${line.slice(at)}`;
        }
        offset += marker[0].length;
      }
    })
    .join('\n');
}

/** Markdown to HTML that is safe to put into a page as it is; never throws. */
export function renderMarkdown(source: string | null | undefined): string {
  if (!source) return '';
  // direction overrides and other invisible controls are shown, not obeyed
  const cleaned = source.replace(/[\u202a-\u202e\u2066-\u2069]/g, (c) => `[U+${c.codePointAt(0)!.toString(16).toUpperCase()}]`);
  try {
    return marked.parse(limitNesting(cleaned)) as string;
  } catch {
    // one odd summary must not take its page down: show it as plain text instead
    return `<p>${escape(cleaned)}</p>\n`;
  }
}
