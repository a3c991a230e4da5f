// Passwords: a signed-in user changes their own; anyone with a valid one-time link sets one (invitation, reset).

import type { FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { CodeQuery, PasswordChangeBody, SetPasswordBody } from './schemas';
import { renderPage } from '../views/render';
import { withFormErrors } from '../views/form-errors';
import { changeOwnPassword, findPasswordCode, setPasswordWithCode } from '../users/service';
import { msg } from '../i18n/messages';
import type { FieldProblem } from '../errors';

/** a field as typed (a body that failed its schema may hold anything) */
const str = (v: unknown) => (typeof v === 'string' ? v : '');

export async function passwordRoutes(fastify: FastifyInstance) {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const db = app.db.kysely;

  app.get('/account/password', { config: { access: 'signed-in' } }, async (request, reply) =>
    renderPage(request, reply, 'account/password.hbs', { title: msg('Change password') }),
  );

  app.post('/account/password', { attachValidation: true, config: { access: 'signed-in' }, schema: { body: PasswordChangeBody } }, async (request, reply) => {
    const body = request.body ?? {};
    const next = str(body.new_password);
    const again = (errors: FieldProblem[]) => renderPage(request, reply, 'account/password.hbs', { title: msg('Change password'), errors });
    if (next !== str(body.confirm_password)) {
      reply.status(400);
      return again([{ path: 'confirm_password', message: 'does not match the new password' }]);
    }
    return withFormErrors(
      request,
      reply,
      async () => {
        await changeOwnPassword(db, request.user!, str(body.current_password), next, app.clock);
        // every session and API token of the user ended; this session continues under a new id
        const userId = request.user!.id;
        const signedInAt = request.session.signedInAt;
        await request.session.regenerate();
        request.session.userId = userId;
        request.session.signedInAt = signedInAt ?? app.clock().getTime();
        request.session.lastSeenAt = app.clock().getTime();
        request.session.flash = msg('Password changed. You were signed out everywhere else and your API tokens were revoked.');
        return reply.redirect('/', 303);
      },
      (refusal) => again(refusal.problems),
    );
  });

  app.get('/set-password', { config: { access: 'public' }, schema: { querystring: CodeQuery } }, async (request, reply) => {
    const code = request.query.code ?? '';
    const found = code ? await findPasswordCode(db, code, app.clock) : null;
    reply.header('referrer-policy', 'no-referrer');
    if (!found) reply.status(400);
    return renderPage(request, reply, 'account/set-password.hbs', { title: msg('Set your password'), code, email: found?.email ?? null, invalid: !found });
  });

  app.post('/set-password', { attachValidation: true, config: { access: 'public' }, schema: { body: SetPasswordBody } }, async (request, reply) => {
    const body = request.body ?? {};
    const code = str(body.code);
    const password = str(body.password);
    const found = await findPasswordCode(db, code, app.clock);
    const render = (errors: FieldProblem[]) => {
      reply.status(400);
      return renderPage(request, reply, 'account/set-password.hbs', { title: msg('Set your password'), code, email: found?.email ?? null, invalid: !found, errors });
    };
    if (password !== str(body.confirm_password)) return render([{ path: 'confirm_password', message: 'does not match the password' }]);
    return withFormErrors(
      request,
      reply,
      async () => {
        await setPasswordWithCode(db, code, password, app.clock);
        request.session.flash = msg('Your password is set. Sign in with it now.');
        return reply.redirect('/login', 303);
      },
      (refusal) => render(refusal.problems),
    );
  });
}
