// CSV for spreadsheets, one rule for every export (evidence, reports): numbers are written as they are (a negative
// score or trend stays a number); text that starts with = + - @ or a tab or carriage return is prefixed with ' so
// a spreadsheet shows it instead of running it as a formula; a field with a quote, comma or line break is quoted.
// The header row is in the reader's language with each column's name beside its word ("Заголовок (title)"); in
// English it is the column names alone, as the formats define them.

import { translate, type Message } from './i18n/messages';
export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One CSV line of fields. */
export const csvLine = (fields: readonly unknown[]) => fields.map(csvField).join(',');

/** The header row: the column names in English; elsewhere the reader's word for each, its name in brackets. */
export function csvHeader<C extends string>(locale: string, columns: readonly C[], labels: Readonly<Record<C, Message>>): string {
  if (locale === 'en') return columns.join(',');
  return csvLine(columns.map((c) => `${translate(locale, labels[c].key, labels[c].params)} (${c})`));
}
