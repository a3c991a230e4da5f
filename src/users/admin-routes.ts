// Administration of accounts (admins only): invite, edit role and delegation, disable and re-enable, issue a
// one-time password link; and the security log. Every change goes to the tamper-evident log.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { notFound } from '../errors';
import { renderPage } from '../views/render';
import { assertPathAndQueryValid, withFormErrors } from '../views/form-errors';
import { IdParams } from '../http/schemas';
import { ActionBody, InviteBody, UserEditBody } from './schemas';
import { actorLabel } from '../audit/log';
import { findUserById } from './repository';
import { allowedDelegations, inviteUser, issuePasswordCode, listUsers, setUserDisabled, updateUser } from './service';
import { ROLES, type Database, type UserRow } from '../db/schema';
import type { Kysely } from 'kysely';
import { SECRETARIAT } from '../framework/repository';
import { recentSecurityEvents, securityDetailLabel, securityEventLabel } from '../security/log';
import { msg } from '../i18n/messages';

const ADMIN = ['admin'] as const;
/** a field as typed, for showing the form again (a body that failed its schema may hold anything) */
const text = (v: unknown) => (typeof v === 'string' ? v : '');

function setPasswordUrl(request: FastifyRequest, code: string): string {
  const base = request.server.config.publicUrl ?? `${request.protocol}://${request.host}`;
  return `${base}/set-password?code=${encodeURIComponent(code)}`;
}

/** Role and delegation choices of the user forms; the delegations are those of the frameworks loaded. */
async function choices(db: Kysely<Database>, user: Partial<UserRow>) {
  const delegations = (await allowedDelegations(db)) ?? [SECRETARIAT];
  return {
    roles: ROLES.map((r) => ({ code: r, selected: user.role === r })),
    delegations: delegations.map((d) => ({ code: d.code, name: d.name, selected: user.delegation === d.code })),
  };
}

export async function adminRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = app.db.kysely;
  const actorOf = (request: FastifyRequest) => ({ id: request.user!.id, label: actorLabel(request.user!) });

  /** The users list with the invitation form (empty, or as typed when it is shown again with its problems). */
  async function renderList(request: FastifyRequest, reply: FastifyReply, extra: Record<string, unknown> = {}, typed?: Record<string, string>) {
    const users = await listUsers(db);
    const invite = typed
      ? { email: typed.email, name: typed.name, ...(await choices(db, { role: typed.role as UserRow['role'], delegation: typed.delegation || null })) }
      : { email: '', name: '', ...(await choices(db, { role: 'viewer' })) };
    return renderPage(request, reply, 'admin/users.hbs', {
      title: msg('Users'),
      users: users.map((u) => ({ id: u.id, email: u.email, name: u.name, role: u.role, delegation: u.delegation, disabled: Boolean(u.disabled_at), created_at: u.created_at })),
      invite,
      ...extra,
    });
  }

  app.get('/admin/users', { config: { access: ADMIN } }, async (request, reply) => renderList(request, reply));

  app.post('/admin/users', { attachValidation: true, config: { access: ADMIN }, schema: { body: InviteBody } }, async (request, reply) => {
    const body = request.body ?? {};
    const typed = { email: text(body.email), name: text(body.name), role: text(body.role), delegation: text(body.delegation) };
    return withFormErrors(
      request,
      reply,
      async () => {
        const invited = await inviteUser(db, actorOf(request), { email: typed.email, name: typed.name || null, role: typed.role, delegation: typed.delegation || null }, app.clock);
        return renderList(request, reply, { issued: { email: invited.user.email, url: setPasswordUrl(request, invited.code), expiresAt: invited.expiresAt, purpose: 'invitation' } });
      },
      (refusal) => renderList(request, reply, { inviteErrors: refusal.problems }, typed),
      { also: ['CONFLICT'], field: 'email' },
    );
  });

  async function renderUser(request: FastifyRequest, reply: FastifyReply, user: UserRow, extra: Record<string, unknown> = {}) {
    return renderPage(request, reply, 'admin/user.hbs', {
      title: msg('User {email}', { email: user.email }),
      target: { id: user.id, email: user.email, name: user.name, role: user.role, delegation: user.delegation, disabled: Boolean(user.disabled_at), disabled_at: user.disabled_at, self: user.id === request.user!.id },
      ...(await choices(db, user)),
      ...extra,
    });
  }

  async function target(id: string): Promise<UserRow> {
    const user = await findUserById(db, Number(id));
    if (!user) throw notFound('No such user');
    return user;
  }

  app.get('/admin/users/:id', { config: { access: ADMIN }, schema: { params: IdParams } }, async (request, reply) =>
    renderUser(request, reply, await target(request.params.id)),
  );

  app.post('/admin/users/:id', { attachValidation: true, config: { access: ADMIN }, schema: { params: IdParams, body: UserEditBody } }, async (request, reply) => {
    assertPathAndQueryValid(request);
    const user = await target(request.params.id);
    const body = request.body ?? {};
    return withFormErrors(
      request,
      reply,
      async () => {
        await updateUser(db, actorOf(request), user.id, { name: text(body.name), role: text(body.role), delegation: text(body.delegation) || null }, app.clock);
        request.session.flash = msg('Saved {email}. A change of role or delegation signs them out everywhere.', { email: user.email });
        return reply.redirect(`/admin/users/${user.id}`, 303);
      },
      (refusal) => renderUser(request, reply, user, { errors: refusal.problems }),
      { also: ['CONFLICT'], field: 'role' },
    );
  });

  for (const [action, disabled] of [['disable', true], ['enable', false]] as const) {
    app.post(`/admin/users/:id/${action}`, { config: { access: ADMIN }, schema: { params: IdParams, body: ActionBody } }, async (request, reply) => {
      const user = await target(request.params.id);
      await setUserDisabled(db, actorOf(request), user.id, disabled, app.clock);
      request.session.flash = disabled ? msg('Disabled {email}: their sessions and API tokens ended.', { email: user.email }) : msg('Re-enabled {email}.', { email: user.email });
      return reply.redirect(`/admin/users/${user.id}`, 303);
    });
  }

  app.post('/admin/users/:id/reset-password', { config: { access: ADMIN }, schema: { params: IdParams, body: ActionBody } }, async (request, reply) => {
    const user = await target(request.params.id);
    const issued = await issuePasswordCode(db, actorOf(request), user.id, 'reset', app.clock);
    return renderUser(request, reply, user, { issued: { url: setPasswordUrl(request, issued.code), expiresAt: issued.expiresAt } });
  });

  app.get('/admin/security-log', { config: { access: ADMIN } }, async (request, reply) =>
    renderPage(request, reply, 'admin/security-log.hbs', {
      title: msg('Security log'),
      events: (await recentSecurityEvents(db, 300)).map((e) => ({ ...e, label: securityEventLabel(e.event), detail: securityDetailLabel(e.event, e.detail) })),
    }),
  );
}
