// Calendar dates (YYYY-MM-DD, UTC) and instants as the methodology uses them: whole days, epoch milliseconds.

import { ScoringError } from './errors';

const MS_PER_DAY = 86_400_000;
const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const LOCAL_DATE_TIME_RE = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)$/;

/** Days since 1970-01-01 of a YYYY-MM-DD date; throws ScoringError on anything else (including 2026-02-30). */
export function dayNumber(date: string): number {
  const m = typeof date === 'string' ? DATE_RE.exec(date) : null;
  if (m) {
    const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
    const ms = Date.UTC(y, mo - 1, d);
    const back = new Date(ms);
    if (back.getUTCFullYear() === y && back.getUTCMonth() === mo - 1 && back.getUTCDate() === d) {
      return ms / MS_PER_DAY;
    }
  }
  throw new ScoringError('INVALID_DATE', `not a valid YYYY-MM-DD date: ${JSON.stringify(date)}`);
}

/** The YYYY-MM-DD date of a day number. */
export function dateOfDay(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** date + n calendar days (n may be negative), UTC. */
export function addDays(date: string, n: number): string {
  return dateOfDay(dayNumber(date) + n);
}

/** Whole days from a to b (positive when b is after a). */
export function daysBetween(a: string, b: string): number {
  return dayNumber(b) - dayNumber(a);
}

/** A date given for known-at means the end of that day, UTC: '2026-06-30' -> '2026-06-30T23:59:59.999Z'. */
export function knownAtFromDate(date: string): string {
  return new Date((dayNumber(date) + 1) * MS_PER_DAY - 1).toISOString();
}

/**
 * Epoch milliseconds of an ISO-8601 instant. Instants are compared as numbers, never as strings.
 * A date-time without zone designator (e.g. SQLite's '2026-01-12 10:00:00') is read as UTC, not local time;
 * a bare date is the start of that day UTC (use knownAtToMs for a known-at, where a date means the end of the day).
 */
export function instantToMs(instant: string, what = 'instant'): number {
  let text = instant;
  const local = typeof instant === 'string' ? LOCAL_DATE_TIME_RE.exec(instant) : null;
  if (local) text = `${local[1]}T${local[2]}Z`;
  const ms = typeof text === 'string' ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms)) {
    throw new ScoringError('INVALID_INSTANT', `${what} is not a valid ISO-8601 instant: ${JSON.stringify(instant)}`);
  }
  return ms;
}

/** Epoch milliseconds of a known-at: an instant, or a YYYY-MM-DD date meaning the end of that day UTC. */
export function knownAtToMs(knownAt: string): number {
  if (typeof knownAt === 'string' && DATE_RE.test(knownAt)) return Date.parse(knownAtFromDate(knownAt));
  return instantToMs(knownAt, 'known-at');
}

/** The known-at as an ISO instant string: dates become the end of that day, instants are kept as given. */
export function normalizeKnownAt(knownAt: string): string {
  if (typeof knownAt === 'string' && DATE_RE.test(knownAt)) return knownAtFromDate(knownAt);
  instantToMs(knownAt, 'known-at');
  return knownAt;
}
