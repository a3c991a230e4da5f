// The evidence desk in the reader's language (issue 14): numbers and dates typed in Persian or Arabic-Indic digits
// and with the locale's decimal sign are read as the evidence rules read them; lists, the item page, the form's
// problems and flash messages are said in the reader's language, with the Solar Hijri date beside ISO dates for
// Persian and Pashto readers.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, postForm, signIn, startTestApp, type TestApp } from '../helpers/app';

const form = (extra: Record<string, string | string[]> = {}) => ({
  title: 'Border liaison meeting held at Torkham',
  summary: 'Both sides agreed a hotline.',
  source: 'Field report',
  observed_on: '۲۰۲۶-۰۵-۰۲',
  source_reliability: 'B',
  credibility: '۲',
  tlp: 'GREEN',
  groups: ['TTP'],
  finding_benchmark_0: 'BORDER-1',
  finding_stance_0: '1',
  action: 'submit',
  ...extra,
});

describe('evidence desk in the reader’s language', () => {
  let t: TestApp;
  let persian: string;
  let russian: string;
  let indicator: { code: string } | undefined;

  beforeAll(async () => {
    t = await startTestApp({ seed: 'framework' });
    const fa = await addUser(t.db, 'evaluator', { delegation: 'PAK' });
    const ru = await addUser(t.db, 'reviewer', { delegation: 'SEC' });
    await t.db.kysely.updateTable('users').set({ locale: 'fa' }).where('id', '=', fa.user.id).execute();
    await t.db.kysely.updateTable('users').set({ locale: 'ru' }).where('id', '=', ru.user.id).execute();
    persian = (await signIn(t.app, fa.email, fa.password)).jar;
    russian = (await signIn(t.app, ru.email, ru.password)).jar;
    indicator = await t.db.kysely.selectFrom('benchmarks').select('code').where('kind', '=', 'indicator').executeTakeFirst();
  });
  afterAll(() => t.close());

  it('reads a date, a grade and a measured value typed in Persian digits with the Persian decimal sign', async () => {
    const extra: Record<string, string> = indicator ? { finding_benchmark_1: indicator.code, finding_value_1: '۱۲٫۵' } : {};
    const created = await postForm(t.app, persian, '/evidence/new', '/evidence/new', form(extra));
    expect(created.statusCode).toBe(303);
    const id = Number(/\/evidence\/(\d+)/.exec(String(created.headers.location))![1]);
    const row = await t.db.kysely.selectFrom('evidence').select(['observed_on', 'credibility']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.observed_on).toBe('2026-05-02');
    expect(Number(row.credibility)).toBe(2);
    if (indicator) {
      const values = await t.db.kysely.selectFrom('findings').select('value').where('evidence_id', '=', id).where('value', 'is not', null).execute();
      expect(values.map((v) => Number(v.value))).toEqual([12.5]);
    }

    const flash = await t.app.inject({ url: `/evidence/${id}`, headers: { cookie: persian } });
    expect(flash.body).toContain('برای بازبینی توسط بازبینی دیگر ارسال شد.');
    expect(flash.body).toContain('<span class="status status-submitted">ارسال‌شده</span>');
    expect(flash.body).toContain('<span dir="ltr">2026-05-02</span> (');
    expect(flash.body).toContain('<h2>یافته‌ها</h2>');

    const list = await t.app.inject({ url: '/evidence', headers: { cookie: russian } });
    expect(list.body).toContain('Вам доступно: 1 материал.');
    expect(list.body).toContain('на проверке');
    const queue = await t.app.inject({ url: '/review', headers: { cookie: russian } });
    expect(queue.body).toContain('Ожидает 1 материал.');
  });

  it('says the form’s problems in the reader’s language', async () => {
    const res = await postForm(t.app, persian, '/evidence/new', '/evidence/new', form({ title: '', credibility: '۹' }));
    expect(res.statusCode).toBe(400);
    expect(res.body).toMatch(/لطفاً [۰-۹]+ مشکل را برطرف کنید؛ چیزی ذخیره نشد/);
    expect(res.body).toContain('<a href="#title">عنوان: ');
    expect(res.body).toContain('<p class="field-error" id="title-error">');
  });
});
