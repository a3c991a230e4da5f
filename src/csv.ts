// CSV for spreadsheets, one rule for every export (evidence, reports): numbers are written as they are (a negative
// score or trend stays a number); text that starts with = + - @ or a tab or carriage return is prefixed with ' so
// a spreadsheet shows it instead of running it as a formula; a field with a quote, comma or line break is quoted.

export function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  let s = String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** One CSV line of fields. */
export const csvLine = (fields: readonly unknown[]) => fields.map(csvField).join(',');
