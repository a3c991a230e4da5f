// The translation seam. A message is a key and parameters; the key is the English template in ICU MessageFormat
// (gettext style: "must be at most {max} characters", "{count, plural, one {# item} other {# items}}"), so English
// needs no catalogue and each translation maps English templates to its own (src/i18n/catalogs/<locale>/*.json).
// A key missing from a catalogue falls back to English (and the catalogue test fails). Formatting is FormatJS's
// intl-messageformat: plurals, selects and numbers by the locale's CLDR rules. Bottom layer: imports no project code.

import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { IntlMessageFormat } from 'intl-messageformat';

/** Parameters: plain values, or messages of their own (translated too), for messages built from parts. */
export type MessageParams = Readonly<Record<string, string | number | Message>>;

/** Something said to a user: what to say (the English template) and what to put in it. */
export interface Message {
  key: string;
  params?: MessageParams;
}

/** A message to put inside another: `msg('{rule} (a JSON number, not a string)', { rule: msg('must be positive') })`. */
export const msg = (key: string, params?: MessageParams): Message => (params ? { key, params } : { key });

export const isMessage = (value: unknown): value is Message =>
  typeof value === 'object' && value !== null && typeof (value as { key?: unknown }).key === 'string';

/** Locales pages are served in; the first is the default. Each has a catalogue folder but English. */
export const LOCALES = ['en', 'zh-CN', 'ru', 'ur', 'fa', 'ps'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

/** Each locale's name in its own language, for the language switcher (in LOCALES order). */
export const LOCALE_NAMES: Readonly<Record<Locale, string>> = {
  en: 'English',
  'zh-CN': '简体中文',
  ru: 'Русский',
  ur: 'اردو',
  fa: 'دری/فارسی',
  ps: 'پښتو',
};

/**
 * The pseudo-locale: English with every catalogue text transformed (accented, bracketed), so a page rendered in
 * it shows at a glance, and to a test, any text that did not come through a catalogue. Offered only when enabled
 * (tests and translators' previews), never negotiated from a browser.
 */
export const PSEUDO_LOCALE = 'en-XA';
let pseudoEnabled = false;
export const enablePseudoLocale = (on = true) => {
  pseudoEnabled = on;
};
export const isPseudoEnabled = () => pseudoEnabled;

export const isLocale = (value: unknown): value is Locale =>
  typeof value === 'string' && ((LOCALES as readonly string[]).includes(value) || (pseudoEnabled && value === PSEUDO_LOCALE));

/** Writing direction of each locale (Arabic-script locales are rtl), for <html dir>. */
const RTL: ReadonlySet<string> = new Set(['ar', 'fa', 'ps', 'ur', 'he']);
export const directionOf = (locale: string): 'ltr' | 'rtl' => (RTL.has(locale.split('-')[0]) ? 'rtl' : 'ltr');

export const CATALOG_DIR = fileURLToPath(new URL('./catalogs', import.meta.url));

/** A locale's catalogue: every JSON file in its folder, merged (files split the work by area, keys are unique). */
export function readCatalog(locale: string, dir = CATALOG_DIR): Record<string, string> {
  const folder = join(dir, locale);
  const merged: Record<string, string> = Object.create(null);
  if (!existsSync(folder)) return merged;
  for (const file of readdirSync(folder).filter((f) => f.endsWith('.json')).sort()) {
    const entries = JSON.parse(readFileSync(join(folder, file), 'utf8')) as Record<string, string>;
    for (const [key, value] of Object.entries(entries)) if (typeof value === 'string' && value !== '') merged[key] = value;
  }
  return merged;
}

const CATALOGS = new Map<string, Record<string, string>>();
function catalogOf(locale: string): Record<string, string> | undefined {
  if (locale === 'en' || locale === PSEUDO_LOCALE) return undefined;
  let catalog = CATALOGS.get(locale);
  if (!catalog) {
    catalog = readCatalog(locale);
    CATALOGS.set(locale, catalog);
  }
  return catalog;
}

/** Whether a locale's catalogue has a key (a fallback to English is then a gap, not a choice). */
export const hasTranslation = (locale: string, key: string) => locale === 'en' || Boolean(catalogOf(locale)?.[key]);

// --- pseudo-locale ------------------------------------------------------------------------------------------------

const PSEUDO_MAP: Record<string, string> = Object.fromEntries(
  [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'].map((c, i) => [c, [...'åƀçđéƒĝĥîĵķļɱñöþǫŕšţûṽŵẋýžÅƁÇĐÉƑĜĤÎĴĶĻṀÑÖÞǪŔŠŢÛṼŴẊÝŽ'][i]]),
);

/** Pseudo-locale text: letters accented (digits, spaces and punctuation kept). */
export const pseudoText = (text: string) => [...text].map((c) => PSEUDO_MAP[c] ?? c).join('');

// --- formatting ---------------------------------------------------------------------------------------------------

interface Compiled {
  format: IntlMessageFormat | null;
  /** arguments used plainly ({n}): numbers given for them are written in the locale's digits */
  plainArgs: ReadonlySet<string>;
  /**
   * A message of text and plain arguments only (most are): its parts, text at even indexes and argument names at odd
   * ones, joined without going through the formatter (the same result, several times faster).
   */
  parts: string[] | null;
}

const COMPILED = new Map<string, Compiled>();
/** formatted plural/select messages by locale, template and values; emptied when it reaches its bound */
const FORMATTED = new Map<string, string>();
const FORMATTED_MAX = 5_000;
/** English writes counts as formatNumber does, without grouping ("1000 items", as `#` in a plural too). */
const PLAIN_ENGLISH = {
  getNumberFormat: (locales?: string | string[], options?: Intl.NumberFormatOptions) => new Intl.NumberFormat(locales, { useGrouping: false, ...options }),
  getDateTimeFormat: (locales?: string | string[], options?: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat(locales, options),
  getPluralRules: (locales?: string | string[], options?: Intl.PluralRulesOptions) => new Intl.PluralRules(locales, options),
};
const SYNTAX = /[{}']/;

function compile(locale: string, template: string): Compiled {
  const cacheKey = `${locale}\u0000${template}`;
  let compiled = COMPILED.get(cacheKey);
  if (!compiled) {
    try {
      const format = new IntlMessageFormat(template, intlLocale(locale), undefined, { ignoreTag: true, ...(intlLocale(locale) === 'en' ? { formatters: PLAIN_ENGLISH } : {}) });
      const plainArgs = new Set<string>();
      let parts: string[] | null = [''];
      for (const el of format.getAst()) {
        const value = (el as { value: string }).value;
        if (el.type === 1 /* argument */) {
          plainArgs.add(value);
          parts?.push(value, '');
        } else if (el.type === 0 /* literal */ && parts) parts[parts.length - 1] += value;
        else parts = null;
      }
      compiled = { format, plainArgs, parts };
    } catch {
      compiled = { format: null, plainArgs: new Set(), parts: null };
    }
    COMPILED.set(cacheKey, compiled);
  }
  return compiled;
}

/** The tag Intl is given for a locale (the pseudo-locale formats as English). */
export const intlLocale = (locale: string) => (locale === PSEUDO_LOCALE ? 'en' : locale);

/** Fills {name} placeholders plainly: the fallback for a template ICU cannot parse; unknown ones stay as written. */
function fill(locale: string, template: string, params?: MessageParams): string {
  if (!params) return template;
  return template.replace(/\{([a-zA-Z_][a-zA-Z0-9_]*)\}/g, (whole, name: string) => {
    if (!Object.prototype.hasOwnProperty.call(params, name)) return whole;
    return valueOf(locale, params[name]);
  });
}

function valueOf(locale: string, value: string | number | Message): string {
  if (typeof value === 'object') return translate(locale, value.key, value.params);
  if (typeof value === 'number') return formatNumber(locale, value);
  return value;
}

/** The template a locale uses for a key: its catalogue's, else English (the pseudo-locale transforms English). */
export function templateFor(locale: string, key: string): string {
  return catalogOf(locale)?.[key] ?? key;
}

/** The message in the locale (falling back to English), with nested messages translated as well. */
export function translate(locale: string, key: string, params?: MessageParams): string {
  const template = templateFor(locale, key);
  if (locale === PSEUDO_LOCALE) return pseudo(key, params);
  if (!SYNTAX.test(template)) return template;
  const { format, plainArgs, parts } = compile(locale, template);
  if (!format) return fill(locale, template, params);
  if (parts && params) {
    let out = parts[0];
    for (let i = 1; i < parts.length; i += 2) {
      const name = parts[i];
      if (!Object.prototype.hasOwnProperty.call(params, name)) return fill(locale, template, params);
      out += valueOf(locale, params[name]) + parts[i + 1];
    }
    return out;
  }
  const values: Record<string, string | number> = {};
  let memoKey = `${locale}\u0001${template}`;
  if (params) {
    for (const [name, value] of Object.entries(params)) {
      const v = typeof value === 'object' ? translate(locale, value.key, value.params) : typeof value === 'number' && plainArgs.has(name) ? formatNumber(locale, value) : value;
      values[name] = v;
      // length-prefixed, so no two sets of values make the same key whatever characters they hold
      const text = String(v);
      memoKey += `\u0001${name}\u0002${typeof v === 'number' ? 'n' : 's'}${text.length}\u0002${text}`;
    }
  }
  // plurals and selects go through the formatter, whose answer for the same values is kept (a page repeats them)
  const known = FORMATTED.get(memoKey);
  if (known !== undefined) return known;
  try {
    const text = String(format.format(values));
    if (FORMATTED.size >= FORMATTED_MAX) FORMATTED.clear();
    FORMATTED.set(memoKey, text);
    return text;
  } catch {
    // a value missing for an argument: say what we can rather than fail the page
    return fill(locale, template, params);
  }
}

/** The pseudo-locale: the English message with its own words transformed, the values put in it left alone. */
function pseudo(key: string, params?: MessageParams): string {
  const { format } = compile('en', key);
  if (!format) return `⟦${pseudoText(key)}⟧`;
  // string values stand in as private-use markers while the words around them are transformed
  const kept: string[] = [];
  const values: Record<string, string | number> = {};
  for (const [name, value] of Object.entries(params ?? {})) {
    if (typeof value === 'number') values[name] = value;
    else {
      values[name] = `\uE000${kept.length}\uE001`;
      kept.push(typeof value === 'object' ? pseudo(value.key, value.params) : value);
    }
  }
  let text: string;
  try {
    text = String(format.format(values));
  } catch {
    text = key;
  }
  return `⟦${text.split(/(\uE000\d+\uE001)/).map((part) => (/^\uE000\d+\uE001$/.test(part) ? kept[Number(part.slice(1, -1))] : pseudoText(part))).join('')}⟧`;
}

/** The English rendering: what logs, the CLI and the JSON API's `message` carry. */
export const english = (key: string, params?: MessageParams) => translate('en', key, params);

/** A message (or a plain string, said as it is) in the locale. */
export const say = (locale: string, said: Message | string) => (typeof said === 'string' ? said : translate(locale, said.key, said.params));

/** The best supported locale for an Accept-Language header (q-values honoured), else the default. */
export function negotiateLocale(acceptLanguage: string | undefined): Locale {
  if (!acceptLanguage) return DEFAULT_LOCALE;
  const wanted = acceptLanguage
    .split(',')
    .slice(0, 32)
    .map((part, i) => {
      const [tag, ...attrs] = part.trim().split(';');
      const q = attrs.map((a) => /^\s*q=([0-9.]+)\s*$/.exec(a)?.[1]).find(Boolean);
      return { tag: tag.trim().toLowerCase(), q: q === undefined ? 1 : Number(q), i };
    })
    .filter((w) => w.tag && w.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const w of wanted) {
    const exact = LOCALES.find((l) => l.toLowerCase() === w.tag);
    if (exact) return exact;
    const base = w.tag.split('-')[0];
    // Chinese: Simplified is what we have (zh, zh-cn, zh-sg, zh-hans*); Dari is Persian (prs)
    if (base === 'zh') return 'zh-CN';
    if (base === 'prs') return 'fa';
    const byBase = LOCALES.find((l) => l.split('-')[0] === base);
    if (byBase) return byBase;
  }
  return DEFAULT_LOCALE;
}

// --- numbers and dates ------------------------------------------------------------------------------------------

const NUMBER_FORMATS = new Map<string, Intl.NumberFormat>();
function numberFormat(locale: string, options: Intl.NumberFormatOptions, name: string): Intl.NumberFormat {
  const key = `${locale}|${name}`;
  let f = NUMBER_FORMATS.get(key);
  if (!f) {
    f = new Intl.NumberFormat(intlLocale(locale), options);
    NUMBER_FORMATS.set(key, f);
  }
  return f;
}

/** A number as the locale writes it (its digits, its decimal sign); English keeps plain digits ("1234"). */
export function formatNumber(locale: string, n: number, fractionDigits?: number): string {
  if (locale === 'en' || locale === PSEUDO_LOCALE) return fractionDigits === undefined ? String(n) : n.toFixed(fractionDigits);
  if (fractionDigits === undefined) return numberFormat(locale, { maximumFractionDigits: 20 }, 'plain').format(n);
  return numberFormat(locale, { minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits }, `f${fractionDigits}`).format(n);
}

/** Whole points with a sign, as pages show them: +8, −3, ±0 (in the locale's digits). */
export function formatSignedPoints(locale: string, x: number): string {
  const r = Math.round(x);
  const n = formatNumber(locale, Math.abs(r));
  return r > 0 ? `+${n}` : r < 0 ? `−${n}` : `±${n}`;
}

/** A share 0..1 as a whole percentage in the locale ("75%", "75 %", "۷۵٪"). */
export function formatPercent(locale: string, share: number): string {
  if (locale === 'en' || locale === PSEUDO_LOCALE) return `${Math.round(share * 100)}%`;
  return numberFormat(locale, { style: 'percent', maximumFractionDigits: 0 }, 'pct').format(Math.round(share * 100) / 100);
}

/** Locales whose readers date by the Solar Hijri calendar (Afghanistan, Iran): shown beside the ISO date. */
const SOLAR_HIJRI: Readonly<Record<string, string>> = { fa: 'fa-AF', ps: 'ps-AF' };
export const usesSolarHijri = (locale: string) => locale in SOLAR_HIJRI;

const DATE_FORMATS = new Map<string, Intl.DateTimeFormat>();
function dateFormat(tag: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${tag}|${JSON.stringify(options)}`;
  let f = DATE_FORMATS.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(tag, { ...options, timeZone: 'UTC' });
    DATE_FORMATS.set(key, f);
  }
  return f;
}

const MONTHS_EN = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A Solar Hijri date in the locale's words: "۱۰ قوس ۱۴۰۵". Day, month and year assembled in that order. */
export function solarHijriDate(locale: string, date: string): string {
  const m = ISO_DATE.exec(date);
  if (!m) return '';
  const tag = `${SOLAR_HIJRI[locale] ?? 'fa-AF'}-u-ca-persian`;
  const parts = dateFormat(tag, { day: 'numeric', month: 'long', year: 'numeric' }).formatToParts(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${part('day')} ${part('month')} ${part('year')}`;
}

/** A calendar date (YYYY-MM-DD) in words: "30 June 2026" in English, the locale's own long form elsewhere. */
export function longDate(locale: string, date: string): string {
  const m = ISO_DATE.exec(date);
  if (!m) return '';
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (locale === 'en') return `${d} ${MONTHS_EN[mo - 1]} ${y}`;
  if (locale === PSEUDO_LOCALE) return `${d} ${pseudoText(MONTHS_EN[mo - 1])} ${y}`;
  if (usesSolarHijri(locale)) return solarHijriDate(locale, date);
  return dateFormat(`${locale}-u-ca-gregory`, { day: 'numeric', month: 'long', year: 'numeric' }).format(Date.UTC(y, mo - 1, d));
}

/** A date and time (UTC) in the locale: "2026-11-25 14:03 UTC" in English. */
export function dateTime(locale: string, iso: string): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return '';
  const plain = `${new Date(t).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  if (locale === 'en' || locale === PSEUDO_LOCALE) return plain;
  return `${dateFormat(`${locale}-u-ca-gregory`, { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(t)} UTC`;
}
