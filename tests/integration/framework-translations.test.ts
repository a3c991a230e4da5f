// The framework file's optional "translations" (issue 14): validated with the field named, stored and read back as
// given, recorded in the log and compared by audit verify (files without them log and compare as before), the tree
// localised field by field with English as the fallback, and pages showing the reader's language.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { sql } from 'kysely';
import { addUser, signIn, startTestApp, type TestApp } from '../helpers/app';
import { DEFAULT_FRAMEWORK_FILE } from '../../src/seed/index';
import { validateImport } from '../../src/framework/validate-import';
import { importFile, storedFrameworkShape } from '../../src/framework/import-service';
import { findFrameworkByCode, frameworkTreeFor, type FrameworkTree } from '../../src/framework/repository';
import { localizeTree } from '../../src/framework/localize';
import { verifyAudit } from '../../src/audit/verify';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const seedFile = (): Json => JSON.parse(fs.readFileSync(DEFAULT_FRAMEWORK_FILE, 'utf8'));

/** The file with every "translations" key taken out: a framework file as written before they existed. */
function withoutTranslations(file: Json): Json {
  const strip = (o: Json) => delete o.translations;
  const fw = file.framework;
  strip(fw);
  fw.groups.forEach(strip);
  fw.perspectives.forEach(strip);
  for (const p of fw.pillars) {
    strip(p);
    p.benchmarks.forEach(strip);
  }
  return file;
}

describe('translations in the framework file', () => {
  it('are refused with the field named when malformed', () => {
    const bad = seedFile();
    const fw = bad.framework;
    fw.translations = 'not an object';
    fw.groups[0].translations.ru = { name: 42 };
    fw.pillars[0].translations.xx = { name: 'unknown language' };
    fw.pillars[0].translations.en = { name: 'English is the field itself' };
    fw.pillars[0].benchmarks[1].translations.ru.title = 'т'.repeat(301);
    fw.pillars[0].benchmarks[1].translations.fa.headline = 'no such field';
    fw.pillars[0].benchmarks[0].translations.zh_CN = {};
    fw.pillars[0].benchmarks[0].translations.ps.unit = 'only for indicators';
    fw.pillars[0].benchmarks[0].translations.ur.recommended_actions = ['only one of two'];
    fw.perspectives[0].translations.ru.description = 'line\u0000break';
    const result = validateImport(bad, null);
    expect(result.ok).toBe(false);
    const lines = result.ok ? [] : result.errors.map((e) => `${e.path}: ${e.message}`);
    expect(lines).toEqual(expect.arrayContaining([
      'framework.translations: must be an object with a key for each language (one of zh-CN, ru, ur, fa, ps)',
      'framework.groups[0].translations.ru.name: must be a string',
      'framework.pillars[0].translations.xx: unknown language "xx": one of zh-CN, ru, ur, fa, ps (English is the text of the fields themselves)',
      'framework.pillars[0].translations.en: unknown language "en": one of zh-CN, ru, ur, fa, ps (English is the text of the fields themselves)',
      'framework.pillars[0].benchmarks[1].translations.ru.title: must be at most 300 characters (has 301)',
      'framework.pillars[0].benchmarks[1].translations.fa.headline: unknown field',
      'framework.pillars[0].benchmarks[0].translations.zh_CN: unknown language "zh_CN": one of zh-CN, ru, ur, fa, ps (English is the text of the fields themselves)',
      'framework.pillars[0].benchmarks[0].translations.ps.unit: only for indicator benchmarks: leave "unit" out of an assessment benchmark',
      'framework.pillars[0].benchmarks[0].translations.ur.recommended_actions: must have as many actions as recommended_actions (2), in the same order',
      'framework.perspectives[0].translations.ru.description: must not contain control characters (only line breaks and tabs are allowed)',
    ]));
  });

  it('are optional: a file without them validates to exactly what it did before (no "translations" anywhere)', () => {
    const result = validateImport(withoutTranslations(seedFile()), null);
    expect(result.ok).toBe(true);
    expect(JSON.stringify(result.ok ? result.value : null)).not.toContain('translations');
  });

  it('are normalised: blank texts left out, locales and fields in a fixed order', () => {
    const file = withoutTranslations(seedFile());
    file.framework.pillars[2].benchmarks[0].translations = { ru: { recommended_actions: ['а', 'б'], title: '  Заголовок  ' }, 'zh-CN': { title: '标题', description: '   ' }, fa: { title: '' } };
    const result = validateImport(file, null);
    expect(result.ok).toBe(true);
    const b = result.ok ? result.value.framework!.pillars[2].benchmarks[0] : null;
    expect(JSON.stringify(b?.translations)).toBe(JSON.stringify({ 'zh-CN': { title: '标题' }, ru: { title: 'Заголовок', recommendedActions: ['а', 'б'] } }));
  });
});

describe('translations stored with the framework', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ seed: null });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('an old file without them imports, logs and verifies as before; adding them is an update that verifies too', async () => {
    const old = withoutTranslations(seedFile());
    const first = await importFile(t.db.kysely, old);
    expect(first.ok && first.summary.framework?.change).toBe('created');
    const logged = await t.db.kysely.selectFrom('audit_log').select('content').where('action', '=', 'framework.created').executeTakeFirstOrThrow();
    expect(String(logged.content)).not.toContain('translations');
    const columns = await t.db.kysely.selectFrom('benchmarks').select('translations').execute();
    expect(columns.every((c) => c.translations === null)).toBe(true);
    expect((await verifyAudit(t.db.kysely)).live).toMatchObject({ ok: true });

    // the file with its translations: stored, read back as given, logged, and a second import changes nothing
    const file = seedFile();
    const second = await importFile(t.db.kysely, file);
    expect(second.ok && second.summary.framework?.change).toBe('updated');
    const validated = validateImport(file, null);
    const row = (await findFrameworkByCode(t.db.kysely, 'QUAD-2025'))!;
    expect(await storedFrameworkShape(t.db.kysely, row.id)).toEqual(validated.ok ? validated.value.framework : null);
    const again = await importFile(t.db.kysely, file);
    expect(again.ok && again.summary.framework?.change).toBe('unchanged');
    expect((await verifyAudit(t.db.kysely)).live).toMatchObject({ ok: true });
    const tree = await frameworkTreeFor(t.db.kysely, null);
    expect(tree.pillars[2].benchmarks[0].translations?.ru?.title).toBe(file.framework.pillars[2].benchmarks[0].translations.ru.title);
  });

  it('audit verify names a translation changed in the database behind the log', async () => {
    const row = await t.db.kysely.selectFrom('benchmarks').select(['id', 'translations']).where('code', '=', 'BORDER-1').executeTakeFirstOrThrow();
    const changed = JSON.parse(row.translations!);
    changed.ru.title = 'Подменённый заголовок';
    await sql`update benchmarks set translations = ${JSON.stringify(changed)} where id = ${row.id}`.execute(t.db.kysely);
    await sql`update frameworks set updated_at = ${new Date().toISOString()}`.execute(t.db.kysely);
    const verification = await verifyAudit(t.db.kysely);
    expect(verification.live).toMatchObject({ ok: false, difference: { table: 'frameworks', message: expect.stringContaining('benchmark BORDER-1: translations.ru.title is "Подменённый заголовок" in the database') } });
  });
});

describe('localizeTree', () => {
  const base = {
    id: 1, code: 'F', name: 'Framework', subject: 'Subject', description: 'Demand', priorStrength: 2, assessedThreshold: 1, methodology: 'm', updatedAt: 'u',
    groups: [{ id: 1, code: 'G', name: 'Group', description: 'About the group', translations: { ru: { name: 'Группа' } } }],
    pillars: [{
      id: 1, code: 'P', name: 'Pillar', description: null, translations: { 'zh-CN': { name: '支柱' } },
      benchmarks: [{
        id: 1, code: 'B-1', title: 'Title', description: 'Description', kind: 'indicator', weight: 1, halfLifeDays: 180, baseline: 1, target: 2, unit: 'units',
        recommendedActions: ['Act', 'Act again'], translations: { ru: { title: 'Заголовок', recommendedActions: ['Действовать', 'Действовать снова'] } },
      }],
    }],
    perspectives: [{ code: 'X', name: 'X state', description: 'Its view', pillarWeights: { P: 1 }, groupWeights: { G: 1 }, translations: { ru: { description: 'Его позиция' } } }],
    jointName: null, delegations: null, locations: null, caveat: 'Caveat', translations: { ru: { name: 'Рамочная система', caveat: 'Оговорка' } },
  } as FrameworkTree;

  it('puts each translated field in place and keeps English for the others', () => {
    const ru = localizeTree(base, 'ru');
    expect(ru.name).toBe('Рамочная система');
    expect(ru.caveat).toBe('Оговорка');
    expect(ru.description).toBe('Demand');
    expect(ru.groups[0]).toMatchObject({ name: 'Группа', description: 'About the group' });
    expect(ru.pillars[0].name).toBe('Pillar');
    expect(ru.pillars[0].benchmarks[0]).toMatchObject({ title: 'Заголовок', description: 'Description', unit: 'units', recommendedActions: ['Действовать', 'Действовать снова'] });
    expect(ru.perspectives[0]).toMatchObject({ name: 'X state', description: 'Его позиция' });
    expect(localizeTree(base, 'zh-CN').pillars[0].name).toBe('支柱');
    expect(localizeTree(base, 'zh-CN').pillars[0].benchmarks[0].title).toBe('Title');
  });

  it('leaves what scoring reads alone, gives the tree itself in English, and the same object each time', () => {
    const ru = localizeTree(base, 'ru');
    expect(ru.pillars[0].benchmarks[0]).toMatchObject({ code: 'B-1', kind: 'indicator', weight: 1, halfLifeDays: 180, baseline: 1, target: 2 });
    expect(ru.perspectives[0].pillarWeights).toEqual({ P: 1 });
    expect(localizeTree(base, 'en')).toBe(base);
    expect(localizeTree(base, 'ur').name).toBe('Framework');
    expect(localizeTree(base, 'ru')).toBe(ru);
    expect(base.name).toBe('Framework');
  });
});

describe('pages in the reader language', () => {
  let t: TestApp;
  let jar: string;
  beforeAll(async () => {
    t = await startTestApp({ seed: 'framework' });
    const { user, email, password } = await addUser(t.db, 'viewer');
    await t.db.kysely.updateTable('users').set({ locale: 'ru' }).where('id', '=', user.id).execute();
    jar = (await signIn(t.app, email, password)).jar;
  });
  afterAll(async () => {
    await t?.close();
  });

  it('show the benchmark, its pillar and its actions in Russian for a Russian reader', async () => {
    const res = await t.app.inject({ url: '/benchmarks/BORDER-1', headers: { cookie: jar } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Контроль пунктов пропуска, сотрудничество в управлении границей');
    expect(res.body).toContain('Охрана границы');
    expect(res.body).not.toContain('Crossings controlled, border management cooperation');
  });

  it('show the demand and the pillar names in Russian on the dashboard', async () => {
    const res = await t.app.inject({ url: '/', headers: { cookie: jar } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('Обмен разведывательными данными');
    expect(res.body).toContain('В кулуарах Генеральной Ассамблеи ООН 2025 года');
  });
});
