// Renders a page inside the layout with what every page needs: the user, a CSRF token, the title.

import type { FastifyReply, FastifyRequest } from 'fastify';
import { csrfToken } from '../auth/csrf';

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
  const html = await reply.viewAsync(template, { ...data, user, csrfToken: request.session ? csrfToken(request) : '', flash });
  return reply.send(html);
}
