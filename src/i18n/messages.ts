// The translation seam. A message is a key and parameters; the key is the English template (gettext style:
// "must be at most {max} characters"), so English needs no catalog and a translation maps English templates to
// its own. Nothing is translated yet: every locale but English falls back to the key. Bottom layer: imports nothing.

/** Parameters: plain values, or messages of their own (translated too), for messages built from parts. */
export type MessageParams = Readonly<Record<string, string | number | Message>>;

/** Something said to a user: what to say (the English template) and what to put in it. */
export interface Message {
  key: string;
  params?: MessageParams;
}

/** A message to put inside another: `msg('{rule} (a JSON number, not a string)', { rule: msg('must be positive') })`. */
export const msg = (key: string, params?: MessageParams): Message => (params ? { key, params } : { key });

/** Locales pages can be served in; the first is the default. Translations add themselves here with a catalog. */
export const LOCALES = ['en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'en';

/** Writing direction of each locale (Arabic-script locales are rtl), for <html dir>. */
const RTL: ReadonlySet<string> = new Set(['ar', 'fa', 'ps', 'ur', 'he']);
export const directionOf = (locale: string): 'ltr' | 'rtl' => (RTL.has(locale.split('-')[0]) ? 'rtl' : 'ltr');

/** English template -> the locale's template. English has none: its templates are the keys. */
const CATALOGS: Partial<Record<Locale, Readonly<Record<string, string>>>> = {};

/** Fills {name} placeholders; an unknown placeholder is left as written, so a mistake shows instead of vanishing. */
export const formatTemplate = (template: string, params?: MessageParams) => fill('en', template, params);

function fill(locale: string, template: string, params?: MessageParams): string {
  if (!params) return template;
  return template.replace(/\{([a-zA-Z_][a-zA-Z0-9_]*)\}/g, (whole, name: string) => {
    if (!Object.prototype.hasOwnProperty.call(params, name)) return whole;
    const value = params[name];
    return typeof value === 'object' ? translate(locale, value.key, value.params) : String(value);
  });
}

/** The message in the locale (falling back to English), with nested messages translated as well. */
export function translate(locale: string, key: string, params?: MessageParams): string {
  const catalog = CATALOGS[locale as Locale];
  return fill(locale, catalog?.[key] ?? key, params);
}

/** The English rendering: what logs, the CLI and the JSON API's `message` carry. */
export const english = (key: string, params?: MessageParams) => translate('en', key, params);

/** The best supported locale for an Accept-Language header (q-values honoured), else the default. */
export function negotiateLocale(acceptLanguage: string | undefined): Locale {
  if (!acceptLanguage) return DEFAULT_LOCALE;
  const wanted = acceptLanguage
    .split(',')
    .map((part, i) => {
      const [tag, ...attrs] = part.trim().split(';');
      const q = attrs.map((a) => /^\s*q=([0-9.]+)\s*$/.exec(a)?.[1]).find(Boolean);
      return { tag: tag.trim().toLowerCase(), q: q === undefined ? 1 : Number(q), i };
    })
    .filter((w) => w.tag && w.q > 0)
    .sort((a, b) => b.q - a.q || a.i - b.i);
  for (const w of wanted) {
    const exact = LOCALES.find((l) => l === w.tag);
    if (exact) return exact;
    const base = LOCALES.find((l) => l === w.tag.split('-')[0]);
    if (base) return base;
  }
  return DEFAULT_LOCALE;
}

const MONTHS_EN = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** A calendar date (YYYY-MM-DD) in words: "30 June 2026" in English, the locale's own long form elsewhere. */
export function longDate(locale: string, date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  if (locale === 'en') return `${d} ${MONTHS_EN[m - 1]} ${y}`;
  return new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(Date.UTC(y, m - 1, d));
}
