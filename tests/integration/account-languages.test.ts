// Sign-in, accounts, administration and error pages in the reader's language (issue 14): refusals, field
// problems, flash messages and error pages are said from their message keys and parameters, while the JSON API
// keeps its English messages.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, csrfFrom, cookieJar, signIn, startTestApp, type TestApp } from '../helpers/app';

const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');

describe('accounts and errors in the reader’s language', () => {
  let t: TestApp;
  const jars: Record<string, string> = {};
  let viewer: Awaited<ReturnType<typeof addUser>>;

  beforeAll(async () => {
    t = await startTestApp({ seed: 'framework' });
    viewer = await addUser(t.db, 'viewer', { delegation: 'CHN' });
    const admin = await addUser(t.db, 'admin', {});
    for (const [name, u] of [['viewer', viewer], ['admin', admin]] as const) {
      await t.db.kysely.updateTable('users').set({ locale: 'ru' }).where('id', '=', u.user.id).execute();
      jars[name] = (await signIn(t.app, u.email, u.password)).jar;
    }
  });
  afterAll(() => t?.close());

  /** A session that chose a language before signing in, with its sign-in page. */
  async function anonymousIn(locale: string) {
    const first = await t.app.inject({ url: '/login' });
    const jar = cookieJar('', first);
    const chosen = await t.app.inject({ method: 'POST', url: '/locale', headers: { cookie: jar, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ _csrf: csrfFrom(first.body), locale, next: '/login' }).toString() });
    const withLocale = cookieJar(jar, chosen);
    return { jar: withLocale, page: await t.app.inject({ url: '/login', headers: { cookie: withLocale } }) };
  }

  it('refuses a wrong password in the language chosen before sign-in', async () => {
    const { jar, page } = await anonymousIn('fa');
    expect(page.body).toContain('dir="rtl"');
    expect(text(page.body)).toContain('ورود');
    const res = await t.app.inject({
      method: 'POST',
      url: '/login',
      headers: { cookie: jar, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ email: viewer.email, password: 'not the password at all', _csrf: csrfFrom(page.body) }).toString(),
    });
    expect(res.statusCode).toBe(401);
    expect(text(res.body)).toContain('نشانی رایانامه یا رمز عبور درست نیست، یا حساب غیرفعال است.');
  });

  it('says an invalid one-time password link in the language chosen before sign-in', async () => {
    const { jar } = await anonymousIn('ru');
    const res = await t.app.inject({ url: '/set-password?code=not-a-valid-code-at-all', headers: { cookie: jar } });
    expect(res.statusCode).toBe(400);
    expect(text(res.body)).toContain('Задайте пароль');
    expect(text(res.body)).toContain('Эта ссылка недействительна');
  });

  it('says the sign-in limit with the locale’s plural of minutes', async () => {
    const { jar, page } = await anonymousIn('ru');
    const email = 'nobody-here@example.org';
    let last = '';
    for (let i = 0; i < 7; i += 1) {
      const res = await t.app.inject({
        method: 'POST',
        url: '/login',
        headers: { cookie: jar, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ email, password: 'wrong password here', _csrf: csrfFrom(page.body) }).toString(),
      });
      last = res.body;
      if (res.statusCode === 429) break;
    }
    expect(text(last)).toMatch(/Слишком много неудачных попыток входа в эту учётную запись\. Повторите через \d+ (минуту|минуты|минут)\./);
  });

  it('shows field problems of the password form in the reader’s language', async () => {
    const form = await t.app.inject({ url: '/account/password', headers: { cookie: jars.viewer } });
    expect(text(form.body)).toContain('Сменить пароль');
    const res = await t.app.inject({
      method: 'POST',
      url: '/account/password',
      headers: { cookie: jars.viewer, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrfFrom(form.body), current_password: viewer.password, new_password: 'short', confirm_password: 'short' }).toString(),
    });
    expect(res.statusCode).toBe(400);
    expect(text(res.body)).toContain('Пароль не изменён');
    expect(text(res.body)).toContain('должен содержать не менее 12 символов');
    const weak = await t.app.inject({
      method: 'POST',
      url: '/account/password',
      headers: { cookie: jars.viewer, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrfFrom(form.body), current_password: viewer.password, new_password: 'passwordpassword', confirm_password: 'passwordpassword' }).toString(),
    });
    expect(text(weak.body)).toContain('слишком легко угадать (');
    expect(text(weak.body)).not.toContain('too easy to guess');
  });

  it('renders error pages in the reader’s language, and keeps the JSON API in English', async () => {
    const missing = await t.app.inject({ url: '/no-such-page', headers: { cookie: jars.viewer } });
    expect(missing.statusCode).toBe(404);
    expect(missing.body).toContain('<title>Страница не найдена · pactwatch</title>');
    expect(text(missing.body)).toContain('Вернуться к оценочной карте');
    const report = await t.app.inject({ url: '/reports/999999', headers: { cookie: jars.viewer } });
    expect(report.statusCode).toBe(404);
    expect(text(report.body)).toContain('Такого отчёта нет');
    const api = await t.app.inject({ url: '/reports/999999.json', headers: { cookie: jars.viewer } });
    expect(api.statusCode).toBe(404);
    expect(JSON.parse(api.body)).toMatchObject({ error: { code: 'NOT_FOUND', message: 'No such report' } });
  });

  it('speaks to administrators in their language: users, flash messages, the security log', async () => {
    const users = await t.app.inject({ url: '/admin/users', headers: { cookie: jars.admin } });
    expect(text(users.body)).toContain('Пригласить пользователя');
    const dup = await t.app.inject({
      method: 'POST',
      url: '/admin/users',
      headers: { cookie: jars.admin, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrfFrom(users.body), email: viewer.email, name: 'Again', role: 'viewer', delegation: '' }).toString(),
    });
    expect(dup.statusCode).toBe(409);
    expect(text(dup.body)).toContain(`пользователь с адресом ${viewer.email} уже существует`);
    const edit = await t.app.inject({
      method: 'POST',
      url: `/admin/users/${viewer.user.id}`,
      headers: { cookie: jars.admin, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ _csrf: csrfFrom(users.body), name: 'Renamed viewer', role: 'viewer', delegation: 'CHN' }).toString(),
    });
    expect(edit.statusCode).toBe(303);
    const after = await t.app.inject({ url: String(edit.headers.location), headers: { cookie: cookieJar(jars.admin, edit) } });
    expect(text(after.body)).toContain(`Сохранено: ${viewer.email}.`);
    const log = await t.app.inject({ url: '/admin/security-log', headers: { cookie: jars.admin } });
    expect(text(log.body)).toContain('Журнал безопасности');
    expect(text(log.body)).toContain('Неудачный вход');
    expect(log.body).toContain('<code>sign-in.failed</code>');
  });
});
