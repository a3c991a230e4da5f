// Handlebars helpers: formatting of scores, bands and dates for pages. Every helper returns plain strings
// (escaped by Handlebars) except where it builds markup itself from escaped parts.

import Handlebars from 'handlebars';
import { renderMarkdown, safeHref } from './markdown';
import { dateTime, formatNumber, formatSignedPoints, formatPercent, isMessage, longDate as localeLongDate, msg, say, solarHijriDate, translate, usesSolarHijri, type Message, type MessageParams } from '../i18n/messages';

/** Pages round to whole points (METHODOLOGY.md section 8). */
export function roundScore(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) ? String(Math.round(value)) : '–';
}

export const BAND_LABELS: Record<string, Message> = {
  compliant: msg('Compliant'),
  largely_compliant: msg('Largely compliant'),
  partially_compliant: msg('Partially compliant'),
  non_compliant: msg('Non-compliant'),
};

export const DIRECTION_LABELS: Record<string, Message> = {
  improving: msg('Improving'),
  stable: msg('Stable'),
  deteriorating: msg('Deteriorating'),
};

export const CONFIDENCE_LABELS: Record<string, Message> = {
  high: msg('High'),
  medium: msg('Medium'),
  low: msg('Low'),
  none: msg('None'),
};

export const ROLE_LABELS: Record<string, Message> = {
  admin: msg('admin'),
  reviewer: msg('reviewer'),
  evaluator: msg('evaluator'),
  viewer: msg('viewer'),
};

const STANCE_LABELS: Record<string, Message> = {
  '2': msg('+2 strong compliance'),
  '1': msg('+1 compliance'),
  '0': msg('0 mixed'),
  '-1': msg('−1 non-compliance'),
  '-2': msg('−2 serious non-compliance'),
};

const formatSigned = (delta: number, locale = 'en') => formatSignedPoints(locale, delta);

type HelperOptions = { hash?: Record<string, unknown>; data?: { root?: { locale?: string } } };
/** The page's locale: every helper's last argument carries the render data, whose root has `locale`. */
const localeOf = (options: unknown) => (options as HelperOptions | undefined)?.data?.root?.locale ?? 'en';
const isParam = (v: unknown) => typeof v === 'string' || typeof v === 'number' || isMessage(v);
const paramsOf = (value: unknown): MessageParams | undefined =>
  value && typeof value === 'object' ? (Object.fromEntries(Object.entries(value).filter(([, v]) => isParam(v))) as MessageParams) : undefined;

const SENTINEL = /\u0000(\d+)\u0000/g;
/**
 * A message as markup: the translated text is escaped, and parameters that are already markup (SafeStrings made
 * by helpers such as `link` and `tag`, from escaped parts) go in as they are, so a translation may move a link
 * around in its sentence without ever carrying markup itself.
 */
export function translateHtml(locale: string, key: string, hash: Record<string, unknown> | undefined): Handlebars.SafeString {
  const raw: string[] = [];
  const params: Record<string, string | number | Message> = {};
  for (const [name, value] of Object.entries(hash ?? {})) {
    if (value instanceof Handlebars.SafeString) {
      params[name] = `\u0000${raw.length}\u0000`;
      raw.push(value.toHTML());
    } else if (value === null || value === undefined) params[name] = '';
    else if (isParam(value)) params[name] = value as string | number | Message;
    else params[name] = String(value);
  }
  const text = Handlebars.escapeExpression(translate(locale, key, params));
  return new Handlebars.SafeString(raw.length ? text.replace(SENTINEL, (_, i: string) => raw[Number(i)]) : text);
}

const ATTRIBUTE_NAME = /^[a-z][a-z0-9-]*$/;
const ELEMENT_NAME = /^(a|strong|em|b|i|code|bdi|span|time|abbr|kbd|mark|small|cite|q|sup|sub|var)$/;
/** `<name attrs>content</name>` from escaped parts: attribute values and text escaped, SafeString content kept. */
function element(name: string, content: unknown, attrs: Record<string, unknown>): Handlebars.SafeString {
  if (!ELEMENT_NAME.test(name)) throw new Error(`tag helper: element ${name} is not allowed`);
  const attributes = Object.entries(attrs)
    .filter(([k, v]) => ATTRIBUTE_NAME.test(k) && v !== undefined && v !== null && v !== false)
    .map(([k, v]) => (v === true ? ` ${k}` : ` ${k}="${Handlebars.escapeExpression(String(v))}"`))
    .join('');
  const inner = content instanceof Handlebars.SafeString ? content.toHTML() : Handlebars.escapeExpression(content == null ? '' : String(content));
  return new Handlebars.SafeString(`<${name}${attributes}>${inner}</${name}>`);
}
/**
 * A trend's delta as shown beside its direction: whole points, unless rounding would contradict the direction,
 * which is classified on the unrounded number (4.65 is "stable", shown +4.65, never "+5").
 */
export function formatTrendDelta(delta: number, direction: string | null, threshold = 5): string {
  const contradicts = (shown: number) =>
    direction === 'stable' ? Math.abs(shown) >= threshold : direction === 'improving' ? shown < threshold : direction === 'deteriorating' ? shown > -threshold : false;
  for (let digits = 0; digits <= 6; digits += 1) {
    const shown = Number(delta.toFixed(digits));
    if (!contradicts(shown)) {
      if (digits === 0) return formatSigned(delta);
      const text = Math.abs(delta).toFixed(digits);
      return delta > 0 ? `+${text}` : delta < 0 ? `−${text}` : '±0';
    }
  }
  return delta > 0 ? `+${delta}` : `−${Math.abs(delta)}`;
}

/** "2026-03-12" -> "12 March 2026" (English; pages use the {{longDate}} helper, which follows the page's locale) */
export function longDate(date: unknown, locale = 'en'): string {
  return typeof date === 'string' ? localeLongDate(locale, date) : '';
}

export function registerHelpers(hbs: typeof Handlebars): void {
  /**
   * {{t "English template with {name}" name=value}}: a message in the page's locale (English is the template;
   * ICU plurals and selects work). Parameters that are markup (from `link`, `tag`) go in as markup.
   */
  hbs.registerHelper('t', (key: unknown, options: HelperOptions) => translateHtml(localeOf(options), String(key ?? ''), options?.hash));

  /** {{say problem}}: an error, field problem or message ({message, key?, params?} or a Message) in the page's locale */
  hbs.registerHelper('say', (said: unknown, options: HelperOptions) => {
    if (typeof said === 'string') return said;
    if (!said || typeof said !== 'object') return '';
    const { message, key, params } = said as { message?: unknown; key?: unknown; params?: unknown };
    return translate(localeOf(options), typeof key === 'string' ? key : String(message ?? ''), paramsOf(params));
  });

  /** (link href text class=… ): a link from escaped parts, to put in a message: {{t "See {link}" link=(link "/x" (t "the guide"))}} */
  hbs.registerHelper('link', (href: unknown, text: unknown, options: HelperOptions) => {
    // a path on this site, a fragment, or an http(s) address; anything else (javascript:, data:) links nowhere
    const raw = String(href ?? '');
    const safe = /^\/(?!\/)|^#/.test(raw) ? raw : safeHref(raw);
    return element('a', text, { ...(options?.hash ?? {}), href: safe ?? undefined });
  });

  /** (tag "strong" text attr=…): an element from escaped parts, to put in a message */
  hbs.registerHelper('tag', (name: unknown, content: unknown, options: HelperOptions) => element(String(name), content, options?.hash ?? {}));

  /** {{roleName role}}: an account's role in words */
  hbs.registerHelper('roleName', (role: unknown, options: unknown) => (typeof role === 'string' && ROLE_LABELS[role] ? say(localeOf(options), ROLE_LABELS[role]) : String(role ?? '')));

  /** {{score x}}: a score rounded to a whole point, or an en dash when there is none */
  hbs.registerHelper('score', (value: unknown, options: unknown) => (typeof value === 'number' && Number.isFinite(value) ? formatNumber(localeOf(options), Math.round(value)) : '–'));

  /** {{bandLabel band}}: the band's words, or "Insufficient evidence" */
  hbs.registerHelper('bandLabel', (band: unknown, options: unknown) => say(localeOf(options), (typeof band === 'string' && BAND_LABELS[band]) || msg('Insufficient evidence')));

  /** {{bandClass band}}: a CSS class for the band (shape and colour) */
  hbs.registerHelper('bandClass', (band: unknown) => (typeof band === 'string' && BAND_LABELS[band] ? `band-${band}` : 'band-none'));

  /** {{confidenceLabel c}} */
  hbs.registerHelper('confidenceLabel', (c: unknown, options: unknown) => (typeof c === 'string' && CONFIDENCE_LABELS[c] ? say(localeOf(options), CONFIDENCE_LABELS[c]) : '–'));

  /**
   * {{trendArrow trend [trend_driver]}}: an arrow with a text alternative, built from fixed strings and an escaped
   * number. A benchmark trend driven by ageing evidence (METHODOLOGY.md v1.1 section 10) is drift, not news: it is
   * labelled as such, never as improving or deteriorating.
   */
  hbs.registerHelper('trendArrow', (...args: unknown[]) => {
    const options = args[args.length - 1];
    const trend = args.length > 1 ? (args[0] as { delta: number | null; direction: string | null } | undefined) : undefined;
    const driver = args.length > 2 ? args[1] : undefined;
    const locale = localeOf(options);
    const e = (m: Message) => Handlebars.escapeExpression(say(locale, m));
    if (!trend || trend.direction === null || trend.delta === null) {
      return new Handlebars.SafeString(`<span class="trend trend-none" title="${e(msg('No trend: not assessed at both dates'))}">–<span class="visually-hidden">${e(msg('no trend'))}</span></span>`);
    }
    const delta = Handlebars.escapeExpression(localizeDigits(locale, formatTrendDelta(trend.delta, trend.direction)));
    if (driver === 'aged' && trend.direction !== 'stable') {
      const why = trend.delta > 0 ? msg('older negative evidence fading') : msg('older positive evidence fading');
      return new Handlebars.SafeString(
        `<span class="trend trend-drift" title="${e(msg('Only ageing evidence moved this score: {why}; no new evidence', { why }))}">` +
          `<span aria-hidden="true">${trend.delta > 0 ? '↗' : '↘'}</span> ${e(msg('Drift'))} <span class="trend-delta">(${delta})</span>` +
          `<span class="trend-why"> ${e(msg('as {why}', { why }))}</span></span>`,
      );
    }
    const arrow = trend.direction === 'improving' ? '▲' : trend.direction === 'deteriorating' ? '▼' : '▶';
    const label = DIRECTION_LABELS[trend.direction] ? e(DIRECTION_LABELS[trend.direction]) : '';
    return new Handlebars.SafeString(
      `<span class="trend trend-${trend.direction}"><span aria-hidden="true">${arrow}</span> ${label} <span class="trend-delta">(${delta})</span></span>`,
    );
  });

  /** {{longDate d}}: "12 March 2026" in the page's locale (Solar Hijri for Persian and Pashto readers) */
  hbs.registerHelper('longDate', (d: unknown, options: unknown) => longDate(d, localeOf(options)));

  /**
   * {{day d}}: a calendar date as data shows it: the ISO date, with the Solar Hijri date beside it for readers
   * who date by it ("2026-12-01 (۱۰ قوس ۱۴۰۵)").
   */
  hbs.registerHelper('day', (d: unknown, options: unknown) => {
    if (typeof d !== 'string' || d === '') return '';
    const locale = localeOf(options);
    if (!usesSolarHijri(locale) || !/^\d{4}-\d{2}-\d{2}$/.test(d)) return d;
    return new Handlebars.SafeString(`<span dir="ltr">${Handlebars.escapeExpression(d)}</span> (${Handlebars.escapeExpression(solarHijriDate(locale, d))})`);
  });

  /** {{signedPoints x}}: whole points with a sign, "+8", "−3" */
  hbs.registerHelper('signedPoints', (x: unknown, options: unknown) => (typeof x === 'number' && Number.isFinite(x) ? formatSigned(x, localeOf(options)) : '–'));

  /** {{percent x}}: 0.75 -> "75%" as the locale writes it */
  hbs.registerHelper('percent', (x: unknown, options: unknown) => (typeof x === 'number' && Number.isFinite(x) ? formatPercent(localeOf(options), x) : '–'));

  /** {{number x digits}}: a number with a fixed number of decimals, in the locale's digits and decimal sign */
  hbs.registerHelper('number', (...args: unknown[]) => {
    const options = args[args.length - 1];
    const [x, digits] = args;
    return typeof x === 'number' && Number.isFinite(x) ? formatNumber(localeOf(options), x, typeof digits === 'number' ? digits : 1) : '–';
  });

  /** {{count n}}: a whole number in the locale's digits */
  hbs.registerHelper('count', (x: unknown, options: unknown) => (typeof x === 'number' && Number.isFinite(x) ? formatNumber(localeOf(options), x) : typeof x === 'string' ? x : ''));

  /** {{markdown text}}: Markdown rendered safely (see views/markdown.ts) */
  hbs.registerHelper('markdown', (text: unknown) => new Handlebars.SafeString(renderMarkdown(typeof text === 'string' ? text : '')));

  /** {{safeUrl url}}: the URL if it is http(s), else empty (links from users are allowlisted) */
  hbs.registerHelper('safeUrl', (url: unknown) => (typeof url === 'string' ? safeHref(url) ?? '' : ''));

  /** {{stance s}}: "+2 strong compliance" */
  hbs.registerHelper('stance', (s: unknown, options: unknown) => (STANCE_LABELS[String(s)] ? say(localeOf(options), STANCE_LABELS[String(s)]) : ''));

  /** {{bytes n}}: "1.2 MiB" */
  hbs.registerHelper('bytes', (n: unknown, options: unknown) => {
    if (typeof n !== 'number') return '';
    const locale = localeOf(options);
    if (n < 1024) return translate(locale, '{size} B', { size: n });
    if (n < 1024 * 1024) return translate(locale, '{size} KiB', { size: formatNumber(locale, n / 1024, 1) });
    return translate(locale, '{size} MiB', { size: formatNumber(locale, n / 1024 / 1024, 1) });
  });

  /** {{times a b}}: a product, for showing v in [0, 1] as 0–100 */
  hbs.registerHelper('times', (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' ? a * b : null));

  /** {{capitalize s}}: "monthly" -> "Monthly" */
  hbs.registerHelper('capitalize', (s: unknown) => (typeof s === 'string' && s ? s[0].toUpperCase() + s.slice(1) : ''));

  /** {{#if (eq a b)}} */
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);

  /** {{dateTime iso}}: "2026-11-25 14:03 UTC" */
  hbs.registerHelper('dateTime', (iso: unknown, options: unknown) => (typeof iso === 'string' ? dateTime(localeOf(options), iso) : ''));
}

/** ASCII digits in a formatted figure as the locale writes digits ("+4.65" -> "+۴٫۶۵" in Persian). */
export function localizeDigits(locale: string, text: string): string {
  return text.replace(/\d+(?:\.\d+)?/g, (n) => {
    const digits = n.includes('.') ? n.split('.')[1].length : 0;
    return formatNumber(locale, Number(n), digits || undefined);
  });
}
