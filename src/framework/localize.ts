// A framework's texts in the reader's language: the framework file's "translations" (src/framework/import-types.ts)
// put in place of the English names, titles, descriptions, units and recommended actions, field by field: a text the
// file does not translate stays English. Codes, kinds, weights and everything scoring reads stay as they are, so a
// localised tree scores exactly as the stored one (pages score with the stored tree and show the localised one).

import type { FrameworkTree } from './repository';
import { TRANSLATED_LOCALES, type TranslatedLocale, type Translations } from './import-types';
import { PSEUDO_LOCALE, pseudoText } from '../i18n/messages';

const isTranslated = (locale: string): locale is TranslatedLocale => (TRANSLATED_LOCALES as readonly string[]).includes(locale);

/** The part with each field its translations give for the locale replaced (the same object when none is). */
function localized<P extends { translations?: Translations<object> }>(part: P, locale: TranslatedLocale, fields: readonly string[]): P {
  const texts = part.translations?.[locale] as Record<string, unknown> | undefined;
  if (!texts) return part;
  const out: Record<string, unknown> = { ...part };
  let changed = false;
  for (const field of fields) {
    const text = texts[field];
    if (typeof text === 'string' && text !== '') {
      out[field] = text;
      changed = true;
    } else if (Array.isArray(text) && text.length > 0) {
      out[field] = text;
      changed = true;
    }
  }
  return changed ? (out as P) : part;
}

/** Localised trees, kept per stored tree (trees are shared, frozen objects per framework row) and locale. */
const localizedTrees = new WeakMap<FrameworkTree, Map<string, FrameworkTree>>();

/**
 * The framework tree with its texts in `locale`, each falling back to English where the framework gives no
 * translation. English (and any locale the framework does not translate into) gives the tree itself. The result
 * is kept per tree and locale, so a page that caches by tree object caches a localised tree as well as it does
 * the stored one.
 */
export function localizeTree<T extends FrameworkTree>(tree: T, locale: string): T {
  if (locale === PSEUDO_LOCALE) return pseudoTree(tree);
  if (!isTranslated(locale)) return tree;
  let byLocale = localizedTrees.get(tree);
  const hit = byLocale?.get(locale);
  if (hit) return hit as T;
  const result: T = {
    ...localized(tree, locale, ['name', 'subject', 'description', 'caveat', 'jointName']),
    groups: tree.groups.map((g) => localized(g, locale, ['name', 'description'])),
    pillars: tree.pillars.map((p) => ({
      ...localized(p, locale, ['name', 'description']),
      benchmarks: p.benchmarks.map((b) => localized(b, locale, ['title', 'description', 'unit', 'recommendedActions'])),
    })),
    perspectives: tree.perspectives.map((p) => localized(p, locale, ['name', 'description'])),
  };
  if (!byLocale) localizedTrees.set(tree, (byLocale = new Map()));
  byLocale.set(locale, Object.isFrozen(tree) ? deepFreeze(result) : result);
  return result;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/** The pseudo-locale's tree: every English text transformed, so a page test sees which framework texts went through here. */
function pseudoTree<T extends FrameworkTree>(tree: T): T {
  let byLocale = localizedTrees.get(tree);
  const hit = byLocale?.get(PSEUDO_LOCALE);
  if (hit) return hit as T;
  const texts = <P extends object>(part: P, fields: readonly string[]): P => {
    const out = { ...part } as Record<string, unknown>;
    for (const field of fields) {
      const value = out[field];
      if (typeof value === 'string') out[field] = `⟦${pseudoText(value)}⟧`;
      else if (Array.isArray(value)) out[field] = value.map((v) => (typeof v === 'string' ? `⟦${pseudoText(v)}⟧` : v));
    }
    return out as P;
  };
  const result: T = {
    ...texts(tree, ['name', 'subject', 'description', 'caveat', 'jointName']),
    groups: tree.groups.map((g) => texts(g, ['name', 'description'])),
    pillars: tree.pillars.map((p) => ({ ...texts(p, ['name', 'description']), benchmarks: p.benchmarks.map((b) => texts(b, ['title', 'description', 'unit', 'recommendedActions'])) })),
    perspectives: tree.perspectives.map((p) => texts(p, ['name', 'description'])),
  };
  if (!byLocale) localizedTrees.set(tree, (byLocale = new Map()));
  byLocale.set(PSEUDO_LOCALE, result);
  return result;
}
