// Primitive checks for the import validator: error paths, strings, codes, numbers, dates, instants, URLs.
// Pure and dependency-free. Every reader records its own errors and returns `undefined` when the value is invalid.

import type { FieldError } from './import-types';
import { problem } from '../errors';
import { msg, type Message } from '../i18n/messages';

export type Errors = FieldError[];
export type Obj = Record<string, unknown>;

/** A non-null, non-array object. */
export function isObject(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function hasOwn(o: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(o, key);
}

/** An own property only: never reads through the prototype chain (e.g. "constructor", "__proto__"). */
export function field(o: Obj, key: string): unknown {
  return hasOwn(o, key) ? o[key] : undefined;
}

/** Optional fields: absent and null mean the same thing. */
export function isAbsent(v: unknown): v is null | undefined {
  return v === undefined || v === null;
}

// ---------------------------------------------------------------- paths and messages

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `base.key`, or `base["odd key"]` when the key is not a plain identifier. */
export function keyPath(base: string, key: string): string {
  if (IDENTIFIER.test(key)) return base === '' ? key : `${base}.${key}`;
  return `${base}[${JSON.stringify(key)}]`;
}

export function indexPath(base: string, i: number): string {
  return `${base}[${i}]`;
}

/** A user-supplied string for an error message: quoted, escaped, shortened. */
export function quote(s: string): string {
  const chars = Array.from(s);
  const short = chars.length > 60 ? `${chars.slice(0, 57).join('')}...` : s;
  return JSON.stringify(short).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

function squash(s: string): string {
  return s.toLowerCase().replace(/[_\-\s]/g, '');
}

function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** The allowed key a typo most likely meant, if any. */
function suggest(key: string, allowed: readonly string[]): string | null {
  if (key.length > 64) return null;
  const k = squash(key);
  for (const a of allowed) if (squash(a) === k) return a;
  for (const a of allowed) if (a.length > 3 && editDistance(k, squash(a)) <= 2) return a;
  return null;
}

/** Rejects every own key that is not in `allowed` (including "__proto__", "constructor", ...). */
export function checkKeys(errors: Errors, o: Obj, allowed: readonly string[], path: string): void {
  for (const key of Object.keys(o)) {
    if (allowed.includes(key)) continue;
    const hint = suggest(key, allowed);
    const at = keyPath(path, key);
    errors.push(hint ? problem(at, 'unknown field (did you mean "{hint}"?)', { hint }) : { path: at, message: 'unknown field' });
  }
}

// ---------------------------------------------------------------- strings

/** C0 and C1 control characters and DEL. */
const CONTROL = /[\u0000-\u001F\u007F-\u009F]/;
/** The same, but allowing tab, line feed and carriage return. */
const CONTROL_MULTILINE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

export interface StringRule {
  /** maximum length in characters (Unicode code points), after trimming */
  max: number;
  /** allow \n, \r and \t inside the text */
  multiline?: boolean;
}

/**
 * A required string: trimmed, non-empty, at most `max` characters, no control characters.
 * Returns undefined (error recorded) when invalid.
 */
export function readRequiredString(errors: Errors, v: unknown, path: string, rule: StringRule): string | undefined {
  if (isAbsent(v)) {
    errors.push({ path, message: 'required' });
    return undefined;
  }
  const s = checkString(errors, v, path, rule);
  if (s === undefined) return undefined;
  if (s === '') {
    errors.push({ path, message: 'must not be empty' });
    return undefined;
  }
  return s;
}

/** An optional string: absent, null or blank give null. Returns undefined (error recorded) when invalid. */
export function readOptionalString(errors: Errors, v: unknown, path: string, rule: StringRule): string | null | undefined {
  if (isAbsent(v)) return null;
  const s = checkString(errors, v, path, rule);
  if (s === undefined) return undefined;
  return s === '' ? null : s;
}

function checkString(errors: Errors, v: unknown, path: string, rule: StringRule): string | undefined {
  if (typeof v !== 'string') {
    errors.push({ path, message: 'must be a string' });
    return undefined;
  }
  const s = v.trim();
  if ((rule.multiline ? CONTROL_MULTILINE : CONTROL).test(s)) {
    errors.push({
      path,
      message: (rule.multiline
        ? msg('must not contain control characters (only line breaks and tabs are allowed)')
        : msg('must not contain control characters (no line breaks or tabs either)')
      ).key,
    });
    return undefined;
  }
  // a string has at most as many code points as UTF-16 units: count them only when that could exceed the limit
  const length = s.length <= rule.max ? s.length : Array.from(s).length;
  if (length > rule.max) {
    errors.push(problem(path, 'must be at most {max} characters (has {length})', { max: rule.max, length }));
    return undefined;
  }
  return s;
}

// ---------------------------------------------------------------- codes

export const CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const CODE_RULE = msg('must be a code: 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit');

/** Names that would collide with plain-object properties wherever codes are used as keys. */
const RESERVED_CODES: ReadonlySet<string> = new Set([...Object.getOwnPropertyNames(Object.prototype), 'prototype']);

export function isCode(s: string): boolean {
  return CODE_PATTERN.test(s) && !RESERVED_CODES.has(s);
}

/** A required code (trimmed). Returns undefined (error recorded) when invalid. */
export function readCode(errors: Errors, v: unknown, path: string): string | undefined {
  if (isAbsent(v)) {
    errors.push({ path, message: 'required' });
    return undefined;
  }
  if (typeof v !== 'string') {
    errors.push(problem(path, 'must be a string ({rule})', { rule: msg('a code: 1 to 64 letters, digits, "_", "." or "-", starting with a letter or digit') }));
    return undefined;
  }
  const s = v.trim();
  if (s === '') {
    errors.push({ path, message: 'must not be empty' });
    return undefined;
  }
  if (!CODE_PATTERN.test(s)) {
    errors.push({ path, message: CODE_RULE.key });
    return undefined;
  }
  if (RESERVED_CODES.has(s)) {
    errors.push(problem(path, '{code} is a reserved word and cannot be used as a code', { code: quote(s) }));
    return undefined;
  }
  return s;
}

// ---------------------------------------------------------------- numbers

/** What a number must be, said two ways: "must be a number greater than 0" and "a number greater than 0". */
export interface NumberRule {
  must: Message;
  what: Message;
}

/**
 * A JSON number (finite, not a numeric string) that passes `ok`; else the rule is recorded.
 * Absent/null: `fallback` when given, else "required".
 */
export function readNumber(
  errors: Errors,
  v: unknown,
  path: string,
  ok: (n: number) => boolean,
  rule: NumberRule,
  fallback?: number,
): number | undefined {
  if (isAbsent(v)) {
    if (fallback !== undefined) return fallback;
    errors.push(problem(path, 'required ({rule})', { rule: rule.what }));
    return undefined;
  }
  if (typeof v !== 'number' || !Number.isFinite(v) || !ok(v)) {
    errors.push(typeof v === 'string' ? problem(path, '{rule} (a JSON number, not a string)', { rule: rule.must }) : { path, message: rule.must.key });
    return undefined;
  }
  return v;
}

export const isPositive = (n: number): boolean => n > 0;
export const isNonNegative = (n: number): boolean => n >= 0;
export const isAnyNumber = (): boolean => true;
export const integerBetween =
  (lo: number, hi: number) =>
  (n: number): boolean =>
    Number.isInteger(n) && n >= lo && n <= hi;

// ---------------------------------------------------------------- dates and instants

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const INSTANT = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

function isLeapYear(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

function isCalendarDay(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const days = [31, isLeapYear(y) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  return d <= days[m - 1];
}

/** Milliseconds since the epoch for a UTC wall time (years 0-99 are taken literally). */
function utcMillis(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  const date = new Date(0);
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, s, ms);
  return date.getTime();
}

const DATE_RULE = msg('must be a date YYYY-MM-DD');

/** A required calendar date YYYY-MM-DD. Returns undefined (error recorded) when invalid. */
export function readDate(errors: Errors, v: unknown, path: string): string | undefined {
  if (isAbsent(v)) {
    errors.push(problem(path, 'required ({rule})', { rule: msg('a date YYYY-MM-DD') }));
    return undefined;
  }
  const s = typeof v === 'string' ? v.trim() : null;
  const m = s === null ? null : DATE.exec(s);
  if (s === null || m === null) {
    errors.push({ path, message: DATE_RULE.key });
    return undefined;
  }
  if (!isCalendarDay(Number(m[1]), Number(m[2]), Number(m[3]))) {
    errors.push(problem(path, '{rule} ({date} is not a day of the calendar)', { rule: DATE_RULE, date: s }));
    return undefined;
  }
  return s;
}

const INSTANT_RULE = msg(
  'must be an ISO-8601 instant with a time zone (e.g. 2026-01-12T10:00:00Z or 2026-01-12T12:00:00+02:00) or a date YYYY-MM-DD',
);

/**
 * An optional instant: an ISO-8601 date-time with a zone (Z or ±HH:MM) or a date (meaning 00:00:00Z).
 * Absent or null give null. Normalised to `Date.prototype.toISOString()` form (UTC, milliseconds, Z).
 */
export function readInstant(errors: Errors, v: unknown, path: string): string | null | undefined {
  if (isAbsent(v)) return null;
  if (typeof v !== 'string') {
    errors.push({ path, message: INSTANT_RULE.key });
    return undefined;
  }
  const s = v.trim();
  const date = DATE.exec(s);
  if (date) {
    const [y, mo, d] = [Number(date[1]), Number(date[2]), Number(date[3])];
    if (!isCalendarDay(y, mo, d)) {
      errors.push(problem(path, '{rule} ({date} is not a day of the calendar)', { rule: INSTANT_RULE, date: s }));
      return undefined;
    }
    return new Date(utcMillis(y, mo, d, 0, 0, 0, 0)).toISOString();
  }
  const m = INSTANT.exec(s);
  if (!m) {
    errors.push({ path, message: INSTANT_RULE.key });
    return undefined;
  }
  const [y, mo, d, h, mi] = [1, 2, 3, 4, 5].map((i) => Number(m[i]));
  const sec = m[6] === undefined ? 0 : Number(m[6]);
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  const offH = m[8] !== undefined ? 0 : Number(m[10]);
  const offM = m[8] !== undefined ? 0 : Number(m[11]);
  if (!isCalendarDay(y, mo, d) || h > 23 || mi > 59 || sec > 59 || offH > 23 || offM > 59) {
    errors.push(problem(path, '{rule} ({instant} is out of range)', { rule: INSTANT_RULE, instant: quote(s) }));
    return undefined;
  }
  // the common case, UTC: toISOString's own form, without the Date (years 0000-9999 print with four digits)
  if (m[8] !== undefined) return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6] ?? '00'}.${String(ms).padStart(3, '0')}Z`;
  const sign = m[9] === '-' ? -1 : 1;
  const offsetMs = sign * (offH * 60 + offM) * 60_000;
  return new Date(utcMillis(y, mo, d, h, mi, sec, ms) - offsetMs).toISOString();
}

// ---------------------------------------------------------------- URLs

const URL_RULE = msg('must be an absolute http or https URL (e.g. https://example.org/page)');

/** An optional absolute http(s) URL; absent, null or blank give null. */
export function readUrl(errors: Errors, v: unknown, path: string): string | null | undefined {
  const s = readOptionalString(errors, v, path, { max: 2048 });
  if (s === null || s === undefined) return s;
  if (/\s/.test(s)) {
    errors.push(problem(path, '{rule}; encode spaces as %20', { rule: URL_RULE }));
    return undefined;
  }
  let url: URL | null = null;
  if (/^https?:\/\//i.test(s)) {
    try {
      url = new URL(s);
    } catch {
      url = null;
    }
  }
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') {
    errors.push({ path, message: URL_RULE.key });
    return undefined;
  }
  return s;
}
