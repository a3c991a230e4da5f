// Renders a page inside the layout with what every page needs: the user, what they may do at the evidence desk
// (for the navigation), a CSRF token, the title, the locale.

import type { FastifyReply, FastifyRequest } from 'fastify';
import { directionOf } from '../i18n/messages';

export interface PageData {
  title: string;
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
  const html = await reply.viewAsync(template, { demo, ...data, user, desk: request.desk(), csrfToken: request.csrfToken(), flash, locale: request.locale, dir: directionOf(request.locale) });
  return reply.send(showDirectionControls(html as string));
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
