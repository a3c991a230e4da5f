// Report periods: ISO weeks (2026-W14), months (2026-04) and quarters (2026-Q2), as UTC calendar dates.

import type { ReportKind } from '../db/schema';

export const REPORT_KINDS: readonly ReportKind[] = ['weekly', 'monthly', 'quarterly'];

export interface Period {
  kind: ReportKind;
  /** 2026-W14, 2026-04 or 2026-Q2 */
  code: string;
  /** first day, YYYY-MM-DD */
  start: string;
  /** last day, YYYY-MM-DD */
  end: string;
}

const day = (d: Date) => d.toISOString().slice(0, 10);
const utc = (y: number, m: number, d: number) => new Date(Date.UTC(y, m, d));

/** Monday of ISO week 1 of an ISO year. */
function isoWeekOneMonday(year: number): Date {
  const jan4 = utc(year, 0, 4);
  const dow = (jan4.getUTCDay() + 6) % 7; // Monday = 0
  return utc(year, 0, 4 - dow);
}

function isoWeekOf(date: Date): { year: number; week: number } {
  const d = utc(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate());
  const dow = (d.getUTCDay() + 6) % 7;
  d.setUTCDate(d.getUTCDate() - dow + 3); // Thursday of this week decides the year
  const year = d.getUTCFullYear();
  const week = 1 + Math.round((d.getTime() - isoWeekOneMonday(year).getTime() - 3 * 86_400_000) / (7 * 86_400_000));
  return { year, week };
}

/** The period of `kind` that contains the given day. */
export function periodContaining(kind: ReportKind, date: string): Period {
  const d = new Date(`${date}T00:00:00Z`);
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  if (kind === 'monthly') {
    return { kind, code: `${y}-${String(m + 1).padStart(2, '0')}`, start: day(utc(y, m, 1)), end: day(utc(y, m + 1, 0)) };
  }
  if (kind === 'quarterly') {
    const q = Math.floor(m / 3);
    return { kind, code: `${y}-Q${q + 1}`, start: day(utc(y, q * 3, 1)), end: day(utc(y, q * 3 + 3, 0)) };
  }
  const { year, week } = isoWeekOf(d);
  const monday = isoWeekOneMonday(year);
  monday.setUTCDate(monday.getUTCDate() + (week - 1) * 7);
  const sunday = new Date(monday.getTime() + 6 * 86_400_000);
  return { kind, code: `${year}-W${String(week).padStart(2, '0')}`, start: day(monday), end: day(sunday) };
}

/** Parses a period code for a kind; null when it is not one. */
export function parsePeriod(kind: ReportKind, code: string): Period | null {
  let m: RegExpExecArray | null;
  if (kind === 'monthly' && (m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(code))) return periodContaining(kind, `${m[1]}-${m[2]}-01`);
  if (kind === 'quarterly' && (m = /^(\d{4})-Q([1-4])$/.exec(code))) return periodContaining(kind, day(utc(Number(m[1]), (Number(m[2]) - 1) * 3, 1)));
  if (kind === 'weekly' && (m = /^(\d{4})-W(\d{2})$/.exec(code))) {
    const year = Number(m[1]);
    const week = Number(m[2]);
    if (week < 1) return null;
    const monday = isoWeekOneMonday(year);
    monday.setUTCDate(monday.getUTCDate() + (week - 1) * 7);
    const p = periodContaining('weekly', day(monday));
    return p.code === code ? p : null;
  }
  return null;
}

export function nextPeriod(p: Period): Period {
  const after = new Date(`${p.end}T00:00:00Z`);
  after.setUTCDate(after.getUTCDate() + 1);
  return periodContaining(p.kind, day(after));
}

/** The last period that has ended before the given day (the default of `report run`). */
export function lastCompletePeriod(kind: ReportKind, today: string): Period {
  const current = periodContaining(kind, today);
  const before = new Date(`${current.start}T00:00:00Z`);
  before.setUTCDate(before.getUTCDate() - 1);
  return periodContaining(kind, day(before));
}

export function periodFormatHint(kind: ReportKind): string {
  return kind === 'weekly' ? '2026-W14' : kind === 'monthly' ? '2026-04' : '2026-Q2';
}
