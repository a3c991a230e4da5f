// Numbers and dates typed into the evidence form in the reader's own script: Arabic-Indic (٠–٩) and Persian (۰–۹)
// digits become ASCII, and a measured value may be written as the locale writes numbers: its decimal sign
// (12,5 in Russian; 12٫5 and ۱۲٫۵ in Persian and Pashto), its thousands separators (1 234,5 · 1٬234 · 1,234.5
// in English) and a typographic minus (−3). Applied to the posted form before the evidence rules see it, so they
// check one way of writing numbers and dates; what is not a number is given back as typed (digits made ASCII),
// for the rules to say what is wrong with it.

import { intlLocale } from '../i18n/messages';

/** Arabic-Indic (U+0660–0669) and Extended Arabic-Indic / Persian (U+06F0–06F9) digits as ASCII digits. */
export function asciiDigits(text: string): string {
  return text.replace(/[\u0660-\u0669\u06f0-\u06f9]/g, (d) => String(d.codePointAt(0)! - (d >= '\u06f0' ? 0x06f0 : 0x0660)));
}

/** Whether the locale writes a decimal comma (Russian "12,5"; Persian and Pashto "۱۲٫۵", typed "12,5" on a Latin keyboard). */
function decimalComma(locale: string): boolean {
  try {
    const sign = new Intl.NumberFormat(intlLocale(locale)).formatToParts(1.5).find((p) => p.type === 'decimal')?.value;
    return sign !== undefined && sign !== '.';
  } catch {
    return false;
  }
}

const MINUS = /^[\u2212\u2012\u2013\ufe63\uff0d]/;
const GROUPED = /(\d)[\u066c\u00a0\u202f\u2009 '’](?=\d{3}(?!\d))/g;

/**
 * A decimal number typed in the locale, as the evidence rules read numbers ("12.5", "-3", "1234.5"); anything
 * else comes back trimmed with its digits made ASCII.
 */
export function typedNumber(text: string, locale = 'en'): string {
  const ascii = asciiDigits(text).trim();
  let t = ascii.replace(MINUS, '-').replace(/\u066b/g, '.').replace(GROUPED, '$1');
  if (decimalComma(locale)) {
    if (/^-?\d{1,3}(\.\d{3})+,\d+$/.test(t)) t = t.replace(/\./g, ''); // 1.234,5
    t = /^-?\d+,\d+$/.test(t) ? t.replace(',', '.') : t;
  } else if (/^-?\d{1,3}(,\d{3})+(\.\d+)?$/.test(t)) t = t.replace(/,/g, ''); // 1,234.5
  return /^-?\d+(\.\d+)?$/.test(t) ? t : ascii;
}

/**
 * The evidence form's fields that hold numbers, dates and grades, as the rules read them: digits made ASCII
 * (observed date, credibility, stances) and measured values read as numbers in the reader's locale.
 */
export function normaliseTypedNumbers<T extends Record<string, unknown>>(body: T, locale = 'en'): T {
  const out: Record<string, unknown> = { ...body };
  for (const [key, value] of Object.entries(body)) {
    if (typeof value !== 'string') continue;
    if (/^finding_value_\d+$/.test(key)) out[key] = typedNumber(value, locale);
    else if (key === 'observed_on' || key === 'credibility' || /^finding_stance_\d+$/.test(key)) out[key] = asciiDigits(value).replace(MINUS, '-');
  }
  return out as T;
}
