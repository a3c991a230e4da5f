// Renders a page inside the layout with what every page needs: the user, what they may do at the evidence desk
// (for the navigation), a CSRF token, the title, the locale.

import type { FastifyReply, FastifyRequest } from 'fastify';
import { directionOf, isPseudoEnabled, LOCALES, LOCALE_NAMES, PSEUDO_LOCALE, say, type Message } from '../i18n/messages';

export interface PageData {
  /** the page's title: a message (translated here) or text said as it is (an item's own title) */
  title: string | Message;
  [key: string]: unknown;
}

export async function renderPage(request: FastifyRequest, reply: FastifyReply, template: string, data: PageData) {
  const flash = request.session?.flash;
  if (flash) request.session.flash = undefined;
  const user = request.user
    ? { name: request.user.name, email: request.user.email, role: request.user.role, delegation: request.user.delegation }
    : null;
  reply.header('cache-control', 'no-store');
  reply.type('text/html; charset=utf-8');
  // signed-in pages say so while illustrative demo evidence is loaded (the sign-in page reads nothing)
  const demo = await request.demoEvidence();
  const locale = request.locale;
  const html = await reply.viewAsync(template, {
    demo,
    ...data,
    title: say(locale, data.title),
    user,
    desk: request.desk(),
    csrfToken: request.csrfToken(),
    flash,
    locale,
    dir: directionOf(locale),
    locales: localeChoices(locale),
    // where the language switcher returns to: this page; after a form post or on an error page, the start page
    // (an error page says nothing of the address asked for, so a hidden item's 404 is a missing item's)
    currentPath: request.method === 'GET' && reply.statusCode < 400 ? request.url : '/',
  });
  return reply.send(showDirectionControls(html as string));
}

/** The language switcher's options, each named in its own language. */
function localeChoices(current: string) {
  const choices = LOCALES.map((code) => ({ code, name: LOCALE_NAMES[code] as string, dir: directionOf(code), selected: code === current }));
  if (isPseudoEnabled()) choices.push({ code: PSEUDO_LOCALE as never, name: 'Ƥšéûđö', dir: 'ltr', selected: current === PSEUDO_LOCALE });
  return choices;
}

const DIRECTION_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/g;

/**
 * Unicode direction overrides from users are shown as "[U+202E]" in page text instead of being obeyed (they
 * could make "fdp.exe" read as "exe.pdf"). Tags and their attributes, and textarea contents, are left as they
 * are, so forms give back exactly what was typed.
 */
export function showDirectionControls(html: string): string {
  if (!/[\u202a-\u202e\u2066-\u2069]/.test(html)) return html;
  let inTextarea = false;
  return html
    .split(/(<[^>]*>)/)
    .map((part) => {
      if (part.startsWith('<')) {
        if (/^<textarea\b/i.test(part)) inTextarea = true;
        else if (/^<\/textarea\b/i.test(part)) inTextarea = false;
        return part;
      }
      return inTextarea ? part : part.replace(DIRECTION_CONTROLS, (c) => `[U+${c.codePointAt(0)!.toString(16).toUpperCase()}]`);
    })
    .join('');
}
