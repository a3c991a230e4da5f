// Handlebars helpers: formatting of scores, bands and dates for pages. Every helper returns plain strings
// (escaped by Handlebars) except where it builds markup itself from escaped parts.

import Handlebars from 'handlebars';
import { renderMarkdown, safeHref } from './markdown';
import { translate, type MessageParams } from '../i18n/messages';

/** Pages round to whole points (METHODOLOGY.md section 8). */
export function roundScore(value: unknown): string {
  return typeof value === 'number' && Number.isFinite(value) ? String(Math.round(value)) : '–';
}

export const BAND_LABELS: Record<string, string> = {
  compliant: 'Compliant',
  largely_compliant: 'Largely compliant',
  partially_compliant: 'Partially compliant',
  non_compliant: 'Non-compliant',
};

export const DIRECTION_LABELS: Record<string, string> = {
  improving: 'Improving',
  stable: 'Stable',
  deteriorating: 'Deteriorating',
};

export const CONFIDENCE_LABELS: Record<string, string> = {
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  none: 'None',
};

function formatSigned(delta: number): string {
  const rounded = Math.round(delta);
  return rounded > 0 ? `+${rounded}` : rounded < 0 ? `−${Math.abs(rounded)}` : '±0';
}

type HelperOptions = { hash?: Record<string, unknown>; data?: { root?: { locale?: string } } };
const localeOf = (options: HelperOptions | undefined) => options?.data?.root?.locale ?? 'en';
const isParam = (v: unknown) => typeof v === 'string' || typeof v === 'number' || (typeof v === 'object' && v !== null && typeof (v as { key?: unknown }).key === 'string');
const paramsOf = (value: unknown): MessageParams | undefined =>
  value && typeof value === 'object' ? (Object.fromEntries(Object.entries(value).filter(([, v]) => isParam(v))) as MessageParams) : undefined;
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

const MONTH_NAMES = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "2026-03-12" -> "12 March 2026" */
export function longDate(date: unknown): string {
  const m = typeof date === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(date) : null;
  return m ? `${Number(m[3])} ${MONTH_NAMES[Number(m[2]) - 1]} ${m[1]}` : '';
}

export function registerHelpers(hbs: typeof Handlebars): void {
  /** {{t "English template with {name}" name=value}}: a message in the page's locale (English is the template) */
  hbs.registerHelper('t', (key: unknown, options: HelperOptions) => translate(localeOf(options), String(key ?? ''), paramsOf(options?.hash)));

  /** {{say problem}}: an error or field problem ({message, key?, params?}) in the page's locale */
  hbs.registerHelper('say', (said: unknown, options: HelperOptions) => {
    if (!said || typeof said !== 'object') return '';
    const { message, key, params } = said as { message?: unknown; key?: unknown; params?: unknown };
    return translate(localeOf(options), typeof key === 'string' ? key : String(message ?? ''), paramsOf(params));
  });

  /** {{score x}}: a score rounded to a whole point, or an en dash when there is none */
  hbs.registerHelper('score', (value: unknown) => roundScore(value));

  /** {{bandLabel band}}: the band's words, or "Insufficient evidence" */
  hbs.registerHelper('bandLabel', (band: unknown) => (typeof band === 'string' && BAND_LABELS[band]) || 'Insufficient evidence');

  /** {{bandClass band}}: a CSS class for the band (shape and colour) */
  hbs.registerHelper('bandClass', (band: unknown) => (typeof band === 'string' && BAND_LABELS[band] ? `band-${band}` : 'band-none'));

  /** {{confidenceLabel c}} */
  hbs.registerHelper('confidenceLabel', (c: unknown) => (typeof c === 'string' && CONFIDENCE_LABELS[c]) || '–');

  /**
   * {{trendArrow trend [trend_driver]}}: an arrow with a text alternative, built from fixed strings and an escaped
   * number. A benchmark trend driven by ageing evidence (METHODOLOGY.md v1.1 section 10) is drift, not news: it is
   * labelled as such, never as improving or deteriorating.
   */
  hbs.registerHelper('trendArrow', (trend: { delta: number | null; direction: string | null } | undefined, driver?: unknown) => {
    if (!trend || trend.direction === null || trend.delta === null) {
      return new Handlebars.SafeString('<span class="trend trend-none" title="No trend: not assessed at both dates">–<span class="visually-hidden">no trend</span></span>');
    }
    const delta = Handlebars.escapeExpression(formatTrendDelta(trend.delta, trend.direction));
    if (driver === 'aged' && trend.direction !== 'stable') {
      const why = trend.delta > 0 ? 'older negative evidence fading' : 'older positive evidence fading';
      return new Handlebars.SafeString(
        `<span class="trend trend-drift" title="Only ageing evidence moved this score: ${why}; no new evidence">` +
          `<span aria-hidden="true">${trend.delta > 0 ? '↗' : '↘'}</span> Drift <span class="trend-delta">(${delta})</span>` +
          `<span class="trend-why"> as ${why}</span></span>`,
      );
    }
    const arrow = trend.direction === 'improving' ? '▲' : trend.direction === 'deteriorating' ? '▼' : '▶';
    const label = DIRECTION_LABELS[trend.direction] ?? '';
    return new Handlebars.SafeString(
      `<span class="trend trend-${trend.direction}"><span aria-hidden="true">${arrow}</span> ${label} <span class="trend-delta">(${delta})</span></span>`,
    );
  });

  /** {{longDate d}}: "12 March 2026" */
  hbs.registerHelper('longDate', (d: unknown) => longDate(d));

  /** {{signedPoints x}}: whole points with a sign, "+8", "−3" */
  hbs.registerHelper('signedPoints', (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? formatSigned(x) : '–'));

  /** {{percent x}}: 0.75 -> "75%" */
  hbs.registerHelper('percent', (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? `${Math.round(x * 100)}%` : '–'));

  /** {{number x digits}}: a number with a fixed number of decimals */
  hbs.registerHelper('number', (x: unknown, digits: unknown) =>
    typeof x === 'number' && Number.isFinite(x) ? x.toFixed(typeof digits === 'number' ? digits : 1) : '–',
  );

  /** {{markdown text}}: Markdown rendered safely (see views/markdown.ts) */
  hbs.registerHelper('markdown', (text: unknown) => new Handlebars.SafeString(renderMarkdown(typeof text === 'string' ? text : '')));

  /** {{safeUrl url}}: the URL if it is http(s), else empty (links from users are allowlisted) */
  hbs.registerHelper('safeUrl', (url: unknown) => (typeof url === 'string' ? safeHref(url) ?? '' : ''));

  /** {{stance s}}: "+2 strong compliance" */
  hbs.registerHelper('stance', (s: unknown) => {
    const labels: Record<string, string> = { '2': '+2 strong compliance', '1': '+1 compliance', '0': '0 mixed', '-1': '−1 non-compliance', '-2': '−2 serious non-compliance' };
    return labels[String(s)] ?? '';
  });

  /** {{bytes n}}: "1.2 MiB" */
  hbs.registerHelper('bytes', (n: unknown) => {
    if (typeof n !== 'number') return '';
    if (n < 1024) return `${n} B`;
    if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
    return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  });

  /** {{times a b}}: a product, for showing v in [0, 1] as 0–100 */
  hbs.registerHelper('times', (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' ? a * b : null));

  /** {{capitalize s}}: "monthly" -> "Monthly" */
  hbs.registerHelper('capitalize', (s: unknown) => (typeof s === 'string' && s ? s[0].toUpperCase() + s.slice(1) : ''));

  /** {{#if (eq a b)}} */
  hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);

  /** {{dateTime iso}}: "2026-11-25 14:03 UTC" */
  hbs.registerHelper('dateTime', (iso: unknown) =>
    typeof iso === 'string' && !Number.isNaN(Date.parse(iso)) ? `${new Date(iso).toISOString().slice(0, 16).replace('T', ' ')} UTC` : '',
  );
}
