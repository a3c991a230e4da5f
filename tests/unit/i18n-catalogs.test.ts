// The catalogues against the code: every key the templates and code can say is translated in every locale, each
// translation is valid ICU MessageFormat with the same arguments as its English key, plural options are the
// locale's own categories, and no catalogue carries direction-control characters (pages isolate with elements).

import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, TYPE, type MessageFormatElement } from '@formatjs/icu-messageformat-parser';
import { extractKeys } from '../../src/i18n/extract';
import { CATALOG_DIR, LOCALES, readCatalog } from '../../src/i18n/messages';

const ROOT = join(import.meta.dirname, '..', '..');
const keys = extractKeys(ROOT);
const TRANSLATED = LOCALES.filter((l) => l !== 'en');

/** Argument names, and for plurals/selects their kind, anywhere in a message. */
function argumentsOf(elements: MessageFormatElement[], out = new Map<string, string>()): Map<string, string> {
  for (const el of elements) {
    if (el.type === TYPE.argument || el.type === TYPE.number || el.type === TYPE.date || el.type === TYPE.time) out.set(el.value, out.get(el.value) ?? 'plain');
    if (el.type === TYPE.plural || el.type === TYPE.select) {
      out.set(el.value, el.type === TYPE.plural ? 'plural' : 'select');
      for (const option of Object.values(el.options)) argumentsOf(option.value, out);
    }
    if (el.type === TYPE.tag) argumentsOf(el.children, out);
  }
  return out;
}

function pluralsOf(elements: MessageFormatElement[], out: string[][] = []): string[][] {
  for (const el of elements) {
    if (el.type === TYPE.plural) {
      out.push(Object.keys(el.options));
      for (const option of Object.values(el.options)) pluralsOf(option.value, out);
    }
    if (el.type === TYPE.select) for (const option of Object.values(el.options)) pluralsOf(option.value, out);
  }
  return out;
}

const parseIcu = (text: string) => parse(text, { ignoreTag: true, requiresOtherClause: true });

describe('message keys', () => {
  it('are found in templates and code', () => {
    expect(keys.size).toBeGreaterThan(50);
  });

  it('are valid ICU MessageFormat in English', () => {
    const broken: string[] = [];
    for (const [key, where] of keys) {
      try {
        parseIcu(key);
      } catch (err) {
        broken.push(`${where[0]}: ${JSON.stringify(key)}: ${(err as Error).message}`);
      }
    }
    expect(broken).toEqual([]);
  });
});

describe.each(TRANSLATED)('catalogue %s', (locale) => {
  const catalog = readCatalog(locale);
  const categories = new Set(new Intl.PluralRules(locale).resolvedOptions().pluralCategories as string[]);

  it('translates every key the templates and code use', () => {
    const missing = [...keys.entries()].filter(([key]) => !(key in catalog)).map(([key, where]) => `${where[0]}: ${JSON.stringify(key)}`);
    expect(missing).toEqual([]);
  });

  it('has no key that nothing uses any more', () => {
    expect(Object.keys(catalog).filter((key) => !keys.has(key))).toEqual([]);
  });

  it('keeps one translation per key across its files', () => {
    const seen = new Map<string, { file: string; value: string }>();
    const conflicts: string[] = [];
    for (const file of readdirSync(join(CATALOG_DIR, locale)).filter((f) => f.endsWith('.json'))) {
      const entries = JSON.parse(readFileSync(join(CATALOG_DIR, locale, file), 'utf8')) as Record<string, unknown>;
      for (const [key, value] of Object.entries(entries)) {
        expect(typeof value, `${file}: ${key}`).toBe('string');
        const before = seen.get(key);
        if (before && before.value !== value) conflicts.push(`${key}: ${before.file} and ${file} differ`);
        seen.set(key, { file, value: value as string });
      }
    }
    expect(conflicts).toEqual([]);
  });

  it('writes valid ICU with the same arguments as English, and the locale plural categories', () => {
    const problems: string[] = [];
    for (const [key, translation] of Object.entries(catalog)) {
      if (!keys.has(key)) continue;
      let english: MessageFormatElement[];
      let translated: MessageFormatElement[];
      try {
        english = parseIcu(key);
        translated = parseIcu(translation);
      } catch (err) {
        problems.push(`${JSON.stringify(key)}: not valid ICU: ${(err as Error).message}`);
        continue;
      }
      const a = [...argumentsOf(english).entries()].sort().join(';');
      const b = [...argumentsOf(translated).entries()].sort().join(';');
      if (a !== b) problems.push(`${JSON.stringify(key)}: arguments ${b} instead of ${a}`);
      for (const options of pluralsOf(translated)) {
        const wrong = options.filter((o) => !o.startsWith('=') && !categories.has(o));
        if (wrong.length) problems.push(`${JSON.stringify(key)}: plural categories ${wrong.join(', ')} are not ${locale}'s`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('carries no direction-control characters (pages isolate with elements)', () => {
    const bad = Object.entries(catalog).filter(([, v]) => /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/.test(v)).map(([k]) => k);
    expect(bad).toEqual([]);
  });
});
