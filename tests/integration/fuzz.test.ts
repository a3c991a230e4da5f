// Robustness of every state-changing route against hostile request bodies, generated with fast-check: wrong
// types (numbers, arrays, nested objects, null, booleans), repeated keys, __proto__ / constructor / prototype
// keys (sent as raw JSON text, since object literals drop __proto__), 1 MB values, empty values, control
// characters, invalid UTF-8, wrong and missing content types, malformed JSON, urlencoded and multipart. Each body
// is sent with a valid session and CSRF token (form field and x-csrf-token header) by a user allowed to use the
// route, and for the API also with a Bearer token. For every response: status < 500, no stack trace or internal
// detail in the body, Object.prototype untouched, and a 4xx leaves every table as it was. The audit chain stays
// intact. Password hashing (scrypt, ~0.5 s) bounds the number of bodies for the few routes that hash.
// FUZZ_SCALE=0.1 runs a tenth of the bodies; FUZZ_SEED=n replays a run (fast-check prints the seed on failure).

import crypto from 'node:crypto';
import fc from 'fast-check';
import { sql } from 'kysely';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, cookieJar, csrfFrom, signIn, startTestApp, type TestApp } from '../helpers/app';
import { createApiToken } from '../../src/auth/tokens';
import { CLI_ACTOR, verifyAuditChain } from '../../src/audit/log';
import { issuePasswordCode } from '../../src/users/service';
import { recordSecurityEvent } from '../../src/security/log';
import { systemClock } from '../../src/time';

// ------------------------------------------------------------------------------------------------ values

/** An object as an ordered list of entries: keeps repeated keys and "__proto__" when written out as text. */
class Obj {
  constructor(readonly entries: [string, unknown][]) {}
}

const ONE_MB = 'x'.repeat(1024 * 1024);
const ONE_MB_HOSTILE = '<script>alert(1)</script>\u0000é\u202e"\''.repeat(Math.ceil((1024 * 1024) / 36)).slice(0, 1024 * 1024);
const INVALID_UTF8 = Buffer.from([0xff, 0xfe, 0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc, 0xed, 0xa0, 0x80, 0xc0, 0xaf, 0xf8, 0x88, 0x80, 0x80, 0x80]);

/** Strings that mean something to some layer: parsers, validators, templates, SQL, the domain. */
const SPECIAL_STRINGS = [
  '', ' ', '   ', '\u0000', '\u0007', '\r\n', '\t', '\u007f', '\u0085', '\u202e', '\u2066', '\ufeff', '\ud800', '\udfff', '\uffff', '💥', 'é'.normalize('NFD'),
  '%', '%00', '%zz', '&', '=', '[', ']', '[]', '{}', 'null', 'undefined', 'NaN', 'Infinity', 'true', 'false', '0', '-1', '1.5', '1e309', '9'.repeat(30),
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty',
  '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', "' OR '1'='1", "'; drop table evidence; --", '{{constructor.constructor}}', '${7*7}', '../../etc/passwd',
  'javascript:alert(1)', 'https://example.org/x', 'http://', '2026-01-01', '2026-02-30', '2099-12-31', '2026-01-01T00:00:00Z',
  'BORDER-1', 'BORDER-3', 'INTEL-2', 'NOPE-9', 'TTP', 'BLA', 'QUAD-2025', 'A', 'F', 'G', '1', '6', '7', '2', '-2', '3',
  'CLEAR', 'GREEN', 'AMBER', 'RED', 'submit', 'draft', 'on', 'csv', 'json', '__other', 'Torkham crossing',
  'viewer', 'evaluator', 'reviewer', 'admin', 'PAK', 'CHN', 'SEC', 'XYZ', 'a@example.org', 'fuzz.invite@example.org',
];

const stringArb: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...SPECIAL_STRINGS), weight: 6 },
  { arbitrary: fc.string({ maxLength: 24 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 24 }), weight: 2 },
  { arbitrary: fc.string({ unit: fc.constantFrom('\u0000', '\u001b', '\r', '\n', '\u202e', 'a', '<', '"', "'", '&', '%'), maxLength: 12 }), weight: 1 },
  { arbitrary: fc.constantFrom(ONE_MB, ONE_MB_HOSTILE, 'y'.repeat(301), 'z'.repeat(20_001), 'w'.repeat(2049)), weight: 1 },
);

const primitiveArb: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: stringArb, weight: 8 },
  { arbitrary: fc.integer(), weight: 1 },
  { arbitrary: fc.constantFrom(0, -0, 1, 2, 6, 7, -2, 1.5, Number.MAX_SAFE_INTEGER + 2, 1e308, Number.NaN, Number.POSITIVE_INFINITY), weight: 1 },
  { arbitrary: fc.double(), weight: 1 },
  { arbitrary: fc.boolean(), weight: 1 },
  { arbitrary: fc.constant(null), weight: 1 },
);

function keyArb(fields: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...(fields.length ? fields : ['x'])), weight: 6 },
    { arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__', 'polluted'), weight: 3 },
    { arbitrary: fc.constantFrom('', ' ', 'a[b]', 'a[]', 'findings[0][benchmark]', 'groups[]', '__proto__[polluted]', 'constructor[prototype][polluted]', '\u0000', '%00', 'é'), weight: 2 },
    { arbitrary: fc.string({ maxLength: 12 }), weight: 2 },
    { arbitrary: fc.constant('_csrf'), weight: 1 },
  );
}

function valueArb(fields: readonly string[]): fc.Arbitrary<unknown> {
  const { value } = fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', maxDepth: 4 },
      { arbitrary: primitiveArb, weight: 10 },
      { arbitrary: fc.array(tie('value'), { maxLength: 4 }), weight: 2 },
      { arbitrary: fc.array(fc.tuple(keyArb(fields), tie('value')), { maxLength: 4 }).map((e) => new Obj(e)), weight: 2 },
      { arbitrary: fc.constant(new Obj([['__proto__', new Obj([['polluted', 1]])]])), weight: 1 },
      { arbitrary: fc.constant(new Obj([['constructor', new Obj([['prototype', new Obj([['polluted', 1]])]])]])), weight: 1 },
    ),
  }));
  return value;
}

/** JSON text of a value, keeping repeated and "__proto__" keys; non-finite numbers become JSON that overflows. */
function jsonText(v: unknown): string {
  if (v instanceof Obj) return `{${v.entries.map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`).join(',')}}`;
  if (Array.isArray(v)) return `[${v.map(jsonText).join(',')}]`;
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? 'null' : v > 0 ? '1e400' : '-1e400';
  return JSON.stringify(v ?? null);
}

/** Whether secure-json-parse (used for JSON parts of multipart bodies) refuses the text. */
function refusedBySecureJson(text: string): boolean {
  let refused = false;
  try {
    JSON.parse(text, function reviver(key, value) {
      if (key === '__proto__') refused = true;
      if (key === 'constructor' && value && typeof value === 'object' && Object.prototype.hasOwnProperty.call(value, 'prototype')) refused = true;
      return value;
    });
  } catch {
    refused = true;
  }
  return refused;
}

/** Percent-encoding of the UTF-8 bytes (lone surrogates become U+FFFD): never throws, unlike encodeURIComponent. */
function pct(s: string): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9\-_.~]/.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Entries flattened for a form: arrays become repeated keys, objects bracketed keys, null a key without "=". */
function formPairs(entries: [string, unknown][]): [string, string | null][] {
  const out: [string, string | null][] = [];
  const walk = (k: string, v: unknown) => {
    if (v instanceof Obj) for (const [sk, sv] of v.entries) walk(`${k}[${sk}]`, sv);
    else if (Array.isArray(v)) for (const x of v) walk(k, x);
    else out.push([k, v === null ? null : String(v)]);
  };
  for (const [k, v] of entries) walk(k, v);
  return out;
}

// ------------------------------------------------------------------------------------------------ bodies

interface Body {
  payload?: string | Buffer;
  contentType?: string;
  kind: string;
  /** a body that triggers a known product bug (see the BUG cases at the end): a 500 is counted, not failed */
  knownBug?: 'multipart-json-part-406';
}

interface BodySpec {
  /** field names the route reads */
  fields: readonly string[];
  /** a valid body for the route (form values or JSON values), mutated by the generator */
  base?: Record<string, unknown>;
  /** the route takes a file upload in this field */
  file?: string;
  /** whether form encodings carry the CSRF token as a field (session requests) */
  csrfField: boolean;
}

const fileArb = fc.record({
  filename: fc.oneof(
    fc.constantFrom('note.txt', 'report.pdf', 'image.png', 'data.csv', 'import.json', 'a.exe', '', '.txt', '../../etc/passwd.txt', '\u202etxt.exe', 'a\u0000b.txt', 'x'.repeat(300) + '.txt', 'NOTE.TXT', 'a\\b.md'),
    fc.string({ maxLength: 20 }),
  ),
  content: fc.oneof(
    fc.constantFrom(
      Buffer.from('hello'),
      Buffer.from('%PDF-1.4\n%hostile'),
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]),
      Buffer.from('<html><script>alert(1)</script>'),
      Buffer.alloc(0),
      INVALID_UTF8,
      Buffer.from('ref,title,observed_on,source_reliability,credibility,findings\n,Imported by fuzz,2026-01-02,B,2,BORDER-1=1\n'),
      Buffer.from('{"framework_code":"QUAD-2025","evidence":[{"__proto__":{"polluted":1},"title":"x"}]}'),
    ),
    fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
    fc.constant(Buffer.alloc(10 * 1024 * 1024 + 1, 0x61)),
  ),
  type: fc.constantFrom('application/octet-stream', 'text/plain', 'application/pdf', 'text/html', 'application/json', ''),
});

function bodyArb(spec: BodySpec, csrf: string): fc.Arbitrary<Body> {
  const fields = spec.fields;
  const value = valueArb(fields);
  const baseEntries: [string, unknown][] = Object.entries(spec.base ?? {});
  const fieldArb = fields.length ? fc.constantFrom(...fields) : fc.constant('x');
  // heavy mutation: parts of the base, overridden and repeated fields, unknown and dangerous keys
  const mutated = fc
    .record({
      keepBase: fc.oneof({ arbitrary: fc.constant(true), weight: 3 }, { arbitrary: fc.constant(false), weight: 1 }),
      drop: fc.array(fc.nat(), { maxLength: 3 }),
      overrides: fc.array(fc.tuple(fieldArb, value), { maxLength: 4 }),
      extras: fc.array(fc.tuple(keyArb(fields), value), { maxLength: 3 }),
      repeat: fc.array(fc.tuple(fieldArb, value), { maxLength: 2 }),
    })
    .map(({ keepBase, drop, overrides, extras, repeat }) => {
      let list = keepBase ? baseEntries.filter((_, i) => !drop.includes(i)) : [];
      for (const [k, v] of overrides) list = [...list.filter(([lk]) => lk !== k), [k, v]];
      return [...list, ...repeat, ...extras] as [string, unknown][];
    });
  // one change to the valid body: a field replaced, removed or repeated
  const oneChange = fc.tuple(fieldArb, value, fc.constantFrom('replace', 'remove', 'repeat')).map(([k, v, how]) => {
    if (how === 'remove') return baseEntries.filter(([bk]) => bk !== k);
    if (how === 'repeat') return [...baseEntries, [k, v]] as [string, unknown][];
    return [...baseEntries.filter(([bk]) => bk !== k), [k, v]] as [string, unknown][];
  });
  const entries = fc.oneof(
    { arbitrary: fc.constant(baseEntries), weight: 2 },
    { arbitrary: oneChange, weight: 3 },
    { arbitrary: mutated, weight: 5 },
  );

  const withCsrf = (list: [string, unknown][], where: number): [string, unknown][] =>
    spec.csrfField ? [...list.slice(0, where % (list.length + 1)), ['_csrf', csrf], ...list.slice(where % (list.length + 1))] : list;

  const urlencoded = fc
    .tuple(entries, fc.nat(), fc.constantFrom('application/x-www-form-urlencoded', 'application/x-www-form-urlencoded; charset=utf-8', 'application/x-www-form-urlencoded; charset=iso-8859-1', 'Application/X-WWW-Form-Urlencoded'))
    .map(([list, at, ct]): Body => ({
      kind: 'urlencoded',
      contentType: ct,
      payload: formPairs(withCsrf(list, at)).map(([k, v]) => (v === null ? pct(k) : `${pct(k)}=${pct(v)}`)).join('&'),
    }));

  const json = fc
    .tuple(entries, fc.constantFrom('application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json;charset=UTF-8'))
    .map(([list, ct]): Body => ({ kind: 'json', contentType: ct, payload: jsonText(new Obj(list)) }));

  const jsonPoison = fc
    .tuple(entries, fc.constantFrom('{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', '{"a":{"__proto__":{"polluted":1}}}', '[{"__proto__":{"polluted":1}}]'))
    .map(([list, poison]): Body => {
      const text = jsonText(new Obj(list));
      const inner = poison.startsWith('{') ? poison.slice(1, -1) : `"x":${poison}`;
      return { kind: 'json-proto', contentType: 'application/json', payload: text === '{}' ? `{${inner}}` : `{${inner},${text.slice(1)}` };
    });

  const jsonScalar = fc
    .constantFrom('null', '[]', '[null]', '"text"', '1', '-1e400', 'true', '{}', '[[[[[]]]]]', `{"a":${'['.repeat(5000)}${']'.repeat(5000)}}`, `${'['.repeat(20000)}${']'.repeat(20000)}`, '"\\ud800"')
    .map((payload): Body => ({ kind: 'json-scalar', contentType: 'application/json', payload }));

  const malformedJson = fc
    .tuple(entries, fc.constantFrom('truncate', 'trailing-comma', 'single-quotes', 'nan', 'bom', 'garbage', 'two-docs', 'comment'))
    .map(([list, how]): Body => {
      const text = jsonText(new Obj(list));
      const payload = {
        truncate: text.slice(0, Math.max(1, Math.floor(text.length / 2))),
        'trailing-comma': `${text.slice(0, -1)}${text.length > 2 ? ',' : ''}}`,
        'single-quotes': text.replaceAll('"', "'"),
        nan: '{"title":NaN,"credibility":Infinity}',
        bom: `\ufeff${text}`,
        garbage: 'this is not json',
        'two-docs': `${text}${text}`,
        comment: `/* x */${text}`,
      }[how];
      return { kind: `json-malformed-${how}`, contentType: 'application/json', payload };
    });

  const malformedUrlencoded = fc
    .tuple(entries, fc.constantFrom('%', '%zz', '%E0%A4%A', '&&&==&', 'a=%', '=x', '%%%%', 'a=1&a', '+++=+++', '%C0%AF=%ED%A0%80'))
    .map(([list, junk]): Body => ({
      kind: 'urlencoded-malformed',
      contentType: 'application/x-www-form-urlencoded',
      payload: `${junk}&${formPairs(withCsrf(list, 0)).map(([k, v]) => (v === null ? pct(k) : `${pct(k)}=${pct(v)}`)).join('&')}&${junk}`,
    }));

  const multipartBody = fc
    .tuple(entries, fc.nat(), fc.option(fileArb, { nil: undefined }), fc.boolean(), fc.constantFrom('ok', 'ok', 'ok', 'no-final-boundary', 'wrong-boundary', 'quote-in-name', 'bad-json-part', 'many-fields'))
    .map(([list, at, file, jsonParts, how]): Body => {
      const boundary = `----fuzz${crypto.randomBytes(6).toString('hex')}`;
      const parts: Buffer[] = [];
      const all = withCsrf(list, at);
      const flat: [string, unknown][] = [];
      for (const [k, v] of all) {
        if (Array.isArray(v)) for (const x of v) flat.push([k, x]);
        else flat.push([k, v]);
      }
      if (how === 'many-fields') for (let i = 0; i < 45; i += 1) flat.push([`f${i}`, 'v']);
      let badJsonPart = how === 'bad-json-part';
      if (how === 'bad-json-part') flat.push(['summary', new Obj([])]);
      for (const [k, v] of flat) {
        // quotes and line breaks in a part's name make its header malformed: only the quote-in-name case does that
        const name = how === 'quote-in-name' ? `${k}"\r\nX-Injected: 1` : k.replace(/["\r\n]/g, '_');
        const asJson = (jsonParts || how === 'bad-json-part') && (v instanceof Obj || Array.isArray(v) || typeof v !== 'string');
        let text = asJson ? jsonText(v) : v instanceof Obj ? jsonText(v) : String(v);
        if (how === 'bad-json-part' && asJson) text = `${text.slice(0, -1)},}`;
        // a JSON part longer than the field size limit is cut short, so it is no longer JSON; one with a
        // __proto__ or constructor.prototype key is refused by the secure JSON parser: both get 406 from the parser
        if (asJson && (Buffer.byteLength(text) > 1024 * 1024 || refusedBySecureJson(text))) badJsonPart = true;
        parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n${asJson ? 'Content-Type: application/json\r\n' : ''}\r\n`));
        parts.push(Buffer.from(text, 'utf8'), Buffer.from('\r\n'));
      }
      const upload = file ?? (spec.file ? { filename: 'note.txt', content: Buffer.from('hello'), type: 'text/plain' } : undefined);
      if (upload) {
        const filename = how === 'quote-in-name' ? `${upload.filename}"\r\n` : upload.filename.replace(/["\r\n]/g, '_');
        parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${spec.file ?? 'file'}"; filename="${filename}"\r\n${upload.type ? `Content-Type: ${upload.type}\r\n` : ''}\r\n`, 'utf8'));
        parts.push(upload.content, Buffer.from('\r\n'));
      }
      if (how !== 'no-final-boundary') parts.push(Buffer.from(`--${boundary}--\r\n`));
      const declared = how === 'wrong-boundary' ? 'something-else' : boundary;
      return { kind: `multipart-${how}${upload ? '+file' : ''}`, contentType: `multipart/form-data; boundary=${declared}`, payload: Buffer.concat(parts), ...(badJsonPart ? { knownBug: 'multipart-json-part-406' as const } : {}) };
    });

  const invalidUtf8 = fc
    .tuple(entries, fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'multipart/form-data; boundary=zz'))
    .map(([list, ct]): Body => {
      const firstKey = list[0]?.[0] ?? fields[0] ?? 'x';
      let payload: Buffer;
      if (ct.startsWith('application/json')) payload = Buffer.concat([Buffer.from(`{"${firstKey}":"`), INVALID_UTF8, Buffer.from('","'), INVALID_UTF8, Buffer.from('":1}')]);
      else if (ct.startsWith('multipart')) payload = Buffer.concat([Buffer.from(`--zz\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${spec.csrfField ? csrf : ''}\r\n--zz\r\nContent-Disposition: form-data; name="${firstKey}"\r\n\r\n`), INVALID_UTF8, Buffer.from('\r\n--zz\r\nContent-Disposition: form-data; name="'), INVALID_UTF8, Buffer.from('"\r\n\r\nx\r\n--zz--\r\n')]);
      else payload = Buffer.concat([Buffer.from(`_csrf=${pct(spec.csrfField ? csrf : '')}&${pct(firstKey)}=`), INVALID_UTF8, Buffer.from('&'), INVALID_UTF8, Buffer.from('=1')]);
      return { kind: `invalid-utf8 ${ct.split(';')[0]}`, contentType: ct, payload };
    });

  const wrongType = fc
    .tuple(
      entries,
      fc.constantFrom(
        'text/plain', 'application/xml', 'application/octet-stream', 'text/html', 'multipart/form-data', 'multipart/form-data; boundary=', 'application/json; charset=utf-16',
        'image/png', 'x/y; a="b', 'application/x-www-form-urlencoded, application/json', 'application/vnd.api+json', ';;;',
      ),
      fc.constantFrom('json', 'form'),
    )
    .map(([list, ct, as]): Body => ({
      kind: `wrong-type ${ct}`,
      contentType: ct,
      payload: as === 'json' ? jsonText(new Obj(list)) : formPairs(withCsrf(list, 0)).map(([k, v]) => `${pct(k)}=${pct(v ?? '')}`).join('&'),
    }));

  const swapped = entries.map((list): Body => ({ kind: 'json-as-form', contentType: 'application/x-www-form-urlencoded', payload: jsonText(new Obj(withCsrf(list, 0))) }));

  const empty = fc
    .constantFrom<[string | undefined, string | undefined]>([undefined, undefined], ['application/json', ''], ['application/x-www-form-urlencoded', ''], ['multipart/form-data; boundary=x', ''], [undefined, 'a=1'], ['application/json', ' '])
    .map(([ct, payload]): Body => ({ kind: `empty ${ct ?? 'no content-type'}`, contentType: ct, payload }));

  return fc.oneof(
    { arbitrary: urlencoded, weight: 6 },
    { arbitrary: json, weight: 5 },
    { arbitrary: multipartBody, weight: 4 },
    { arbitrary: jsonPoison, weight: 2 },
    { arbitrary: jsonScalar, weight: 2 },
    { arbitrary: malformedJson, weight: 2 },
    { arbitrary: malformedUrlencoded, weight: 1 },
    { arbitrary: invalidUtf8, weight: 1 },
    { arbitrary: wrongType, weight: 1 },
    { arbitrary: swapped, weight: 1 },
    { arbitrary: empty, weight: 1 },
  );
}

// ------------------------------------------------------------------------------------------------ checks

const LEAKS: [RegExp, string][] = [
  [/\n\s+at [^\n]{0,300}:\d+:\d+/, 'stack frame'],
  [/\bat [^\n()]{0,200}\([^\n()]{0,300}:\d+:\d+\)/, 'stack frame'],
  [/node_modules/, 'node_modules path'],
  [/Error:[^\n]{0,200}(\/(work|src|home|usr|tmp|app)\/|[A-Za-z]:\\)/, 'error with a path'],
  [/\/work\/main|\/src\/[\w/-]{1,80}\.ts\b/, 'source path'],
  [/SQLITE_[A-Z]+|better-sqlite3|\bkysely\b|pg-protocol|duplicate key value|violates [a-z -]+ constraint|syntax error at or near|relation "[^"]*" does not exist/i, 'database detail'],
  [/\b(TypeError|ReferenceError|RangeError|SyntaxError|AggregateError|AssertionError): /, 'exception name'],
  [/Cannot read propert|is not a function|is not iterable|Maximum call stack|Unexpected end of JSON input at/, 'exception message'],
  [/\bFST_[A-Z_]{3,}\b/, 'framework error code'],
];

const PROTO_KEYS = Object.getOwnPropertyNames(Object.prototype).sort().join(',');
const ARRAY_PROTO_KEYS = Object.getOwnPropertyNames(Array.prototype).sort().join(',');

function assertPrototypesClean(where: string) {
  expect(({} as Record<string, unknown>).polluted, where).toBeUndefined();
  expect(([] as unknown as Record<string, unknown>).polluted, where).toBeUndefined();
  expect(Object.getOwnPropertyNames(Object.prototype).sort().join(','), where).toBe(PROTO_KEYS);
  expect(Object.getOwnPropertyNames(Array.prototype).sort().join(','), where).toBe(ARRAY_PROTO_KEYS);
}

/** Pages that echo a value must escape it: no script element and no event-handler attribute in any tag. */
function htmlEchoProblems(body: string): string[] {
  const problems: string[] = [];
  if (/<script/i.test(body)) problems.push('<script in the page');
  for (const m of body.matchAll(/<[a-zA-Z][^>]*>/g)) {
    if (/\s(on[a-z]+)\s*=/i.test(m[0])) problems.push(`event handler in ${m[0].slice(0, 120)}`);
    if (m[0].indexOf('<', 1) !== -1) problems.push(`raw "<" in ${m[0].slice(0, 120)}`);
  }
  return problems;
}

const SNAPSHOT_SQL = sql<Record<string, unknown>>`select
  (select count(*) from evidence) as evidence,
  (select count(*) from findings) as findings,
  (select count(*) from evidence_groups) as evidence_groups,
  (select count(*) from attachments) as attachments,
  (select count(*) from users) as users,
  (select count(*) from api_tokens) as api_tokens,
  (select count(*) from audit_log) as audit_log,
  (select count(*) from password_resets) as password_resets,
  (select max(updated_at) from evidence) as evidence_updated_at,
  (select max(updated_at) from users) as users_updated_at,
  (select count(*) from api_tokens where revoked_at is not null) as tokens_revoked,
  (select count(*) from password_resets where used_at is not null) as codes_used,
  (select count(*) from users where disabled_at is not null) as users_disabled`;

// ------------------------------------------------------------------------------------------------ the suite

type Who = 'evaluator' | 'reviewer' | 'admin' | 'account' | 'logout' | 'public';

describe('fuzzing every state-changing route', () => {
  let t: TestApp;
  const jars = {} as Record<Who, string>;
  const csrf = {} as Record<Who, string>;
  const bearer = { evaluator: '', reviewer: '' };
  const ids = { evaluator: 0, reviewer: 0, admin: 0, account: 0, victims: [] as number[], accountTokens: [] as number[], otherToken: 0 };
  let setPasswordCode = '';
  const LOGIN_ADDRESS = '10.9.9.9';
  let logoutSessions: Record<string, unknown>[] = [];
  const report: { route: string; bodies: number; statuses: Record<string, number>; tolerated: Record<string, number>; ms: number }[] = [];

  const snapshot = async () => {
    const row = (await SNAPSHOT_SQL.execute(t.db.kysely)).rows[0];
    return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v === null ? null : String(v)]));
  };

  async function freshItems() {
    const api = (token: string, url: string, payload?: object) => t.app.inject({ method: 'POST', url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
    const item = (submit: boolean, tlp = 'GREEN') => ({
      title: 'Fuzz target', summary: 'Target of the fuzzer.', source: 'Fuzz', url: 'https://example.org/f', observed_on: '2026-04-01', source_reliability: 'B', credibility: 2,
      groups: ['TTP'], tlp, location: 'Torkham crossing', findings: [{ benchmark: 'BORDER-1', stance: 1 }], submit,
    });
    const create = async (submit: boolean, tlp?: string) => {
      const res = await api(bearer.evaluator, '/api/v1/evidence', item(submit, tlp));
      expect(res.statusCode, res.body).toBe(201);
      return res.json().id as number;
    };
    const drafts = [await create(false), await create(false), await create(false, 'RED')];
    const submitted = [await create(true), await create(true), await create(true, 'AMBER'), await create(true)];
    const verified = [await create(true), await create(true), await create(true)];
    for (const id of verified) expect((await api(bearer.reviewer, `/api/v1/evidence/${id}/verify`)).statusCode).toBe(200);
    const rejected = await create(true);
    expect((await api(bearer.reviewer, `/api/v1/evidence/${rejected}/reject`, { reason: 'no' })).statusCode).toBe(200);
    return { drafts, submitted, verified, rejected, all: [...drafts, ...submitted, ...verified, rejected] };
  }

  const BAD_IDS = ['999999', '2147483647', '0', '-1', 'abc', '1e3', '1.0', '01', '12345678901', '%20', '1%00', '%EF%BC%91', '%2e%2e', '__proto__'];

  function idArb(real: number[]): fc.Arbitrary<string> {
    return fc.oneof({ arbitrary: fc.constantFrom(...real.map(String)), weight: 4 }, { arbitrary: fc.constantFrom(...BAD_IDS), weight: 1 });
  }

  async function restoreLogoutSession() {
    for (const row of logoutSessions) {
      const present = await t.db.kysely.selectFrom('sessions').select('id').where('id', '=', String(row.id)).executeTakeFirst();
      if (!present) await t.db.kysely.insertInto('sessions').values(row as never).execute();
    }
  }

  type Auth = 'session' | 'bearer' | 'bad-bearer';

  interface Route {
    name: string;
    /** the route renders the evidence form again after a validation error (bug: a JSON null body crashes it) */
    evidenceForm?: boolean;
    who: Who;
    url: fc.Arbitrary<string>;
    spec: Omit<BodySpec, 'csrfField'>;
    numRuns: number;
    /** API routes also take Bearer tokens */
    api?: boolean;
    remoteAddress?: string;
    after?: () => Promise<void>;
  }

  async function fuzz(route: Route) {
    const started = Date.now();
    const statuses: Record<string, number> = {};
    const tolerated: Record<string, number> = {};
    let bodies = 0;
    const authArb: fc.Arbitrary<Auth> = route.api ? fc.constantFrom<Auth>('session', 'bearer', 'bearer', 'bad-bearer') : fc.constant<Auth>('session');
    const caseArb = authArb.chain((auth) =>
      fc.record({
        auth: fc.constant(auth),
        url: route.url,
        body: bodyArb({ ...route.spec, csrfField: auth === 'session' }, csrf[route.who]),
      }),
    );
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ auth, url, body }) => {
        const headers: Record<string, string> = {};
        if (body.contentType !== undefined) headers['content-type'] = body.contentType;
        if (auth === 'session') {
          headers.cookie = jars[route.who];
          headers['x-csrf-token'] = csrf[route.who];
        } else if (auth === 'bearer') headers.authorization = `Bearer ${route.who === 'reviewer' ? bearer.reviewer : bearer.evaluator}`;
        else headers.authorization = 'Bearer pw_not-a-real-token';
        const before = await snapshot();
        serverErrors.length = 0;
        const res: LightMyRequestResponse = await t.app.inject({
          method: 'POST',
          url,
          headers,
          ...(body.payload !== undefined ? { payload: body.payload } : {}),
          ...(route.remoteAddress ? { remoteAddress: route.remoteAddress } : {}),
        });
        bodies += 1;
        statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
        const where = `POST ${url} (${auth}, ${body.kind}) -> ${res.statusCode}: ${res.body.slice(0, 300)}${serverErrors.length ? `\nserver error: ${serverErrors.join('\n')}` : ''}`;
        const noBodyObject = (body.kind === 'json-scalar' && body.payload === 'null') || body.payload === undefined;
        // the two bugs this fuzzer found (a JSON multipart part, an evidence form without a body) are fixed: no 500 is tolerated
        expect(res.statusCode, where).toBeLessThan(500);
        const text = res.body;
        for (const [re, what] of LEAKS) expect(re.test(text), `${what} in ${where}`).toBe(false);
        if (String(res.headers['content-type'] ?? '').startsWith('text/html')) expect(htmlEchoProblems(text), where).toEqual([]);
        assertPrototypesClean(where);
        if (res.statusCode >= 400) expect(await snapshot(), `tables changed by a refused request: ${where}`).toEqual(before);
        await route.after?.();
      }),
      { numRuns: Math.max(1, Math.round(route.numRuns * Number(process.env.FUZZ_SCALE ?? 1))), ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}) },
    );
    // the sessions used are still good, and the chain still verifies
    for (const who of ['evaluator', 'reviewer', 'admin', 'account'] as const) {
      expect((await t.app.inject({ url: '/account/tokens', headers: { cookie: jars[who] } })).statusCode, `${who} still signed in after ${route.name}`).toBe(200);
    }
    const chain = await verifyAuditChain(t.db.kysely);
    expect(chain.ok, JSON.stringify(chain)).toBe(true);
    report.push({ route: route.name, bodies, statuses, tolerated, ms: Date.now() - started });
  }

  /** what the app logged as errors during the last request (its logger is fastify's no-op logger: we listen in) */
  const serverErrors: string[] = [];

  beforeAll(async () => {
    t = await startTestApp({ seed: 'framework' });
    const log = t.app.log as unknown as { error: (obj: unknown, msg?: string) => void };
    log.error = (obj: unknown, msg?: string) => {
      const err = (obj as { err?: Error })?.err;
      serverErrors.push(`${msg ?? ''} ${err ? String(err.stack ?? err).split('\n').slice(0, 3).join(' | ') : ''}`);
    };
    const admin = await addUser(t.db, 'admin', { delegation: 'SEC' });
    const evaluator = await addUser(t.db, 'evaluator', { delegation: 'PAK' });
    const reviewer = await addUser(t.db, 'reviewer', { delegation: 'SEC' });
    const account = await addUser(t.db, 'evaluator', { delegation: 'CHN' });
    const logout = await addUser(t.db, 'viewer', { delegation: 'RUS' });
    ids.admin = admin.user.id;
    ids.evaluator = evaluator.user.id;
    ids.reviewer = reviewer.user.id;
    ids.account = account.user.id;
    for (const [who, u] of [['admin', admin], ['evaluator', evaluator], ['reviewer', reviewer], ['account', account], ['logout', logout]] as const) {
      const { jar } = await signIn(t.app, u.email, u.password);
      const page = await t.app.inject({ url: '/account/tokens', headers: { cookie: jar } });
      jars[who] = cookieJar(jar, page);
      csrf[who] = csrfFrom(page.body);
    }
    const login = await t.app.inject({ url: '/login', remoteAddress: LOGIN_ADDRESS });
    jars.public = cookieJar('', login);
    csrf.public = csrfFrom(login.body);
    logoutSessions = await t.db.kysely.selectFrom('sessions').selectAll().where('user_id', '=', logout.user.id).execute();
    expect(logoutSessions).toHaveLength(1);

    bearer.evaluator = (await createApiToken(t.db.kysely, evaluator.user, 'fuzz', CLI_ACTOR)).token;
    bearer.reviewer = (await createApiToken(t.db.kysely, reviewer.user, 'fuzz', CLI_ACTOR)).token;
    for (let i = 0; i < 3; i += 1) ids.accountTokens.push((await createApiToken(t.db.kysely, account.user, `own ${i}`, CLI_ACTOR)).summary.id);
    ids.otherToken = (await createApiToken(t.db.kysely, admin.user, 'not yours', CLI_ACTOR)).summary.id;
    // accounts for the admin routes to act on (not the four used to send requests)
    for (const role of ['viewer', 'evaluator', 'reviewer'] as const) ids.victims.push((await addUser(t.db, role, { delegation: 'IRN' })).user.id);
    setPasswordCode = (await issuePasswordCode(t.db.kysely, { id: admin.user.id, label: admin.email }, ids.victims[0], 'reset')).code;
    // every sign-in with a well-formed body costs a password hash: start the fuzzer's address near its limit
    for (let i = 0; i < 17; i += 1) await recordSecurityEvent(t.db.kysely, { event: 'sign-in.failed', email: `seed${i}@example.org`, ip: LOGIN_ADDRESS }, systemClock);
  }, 120_000);

  afterAll(async () => {
    // eslint-disable-next-line no-console
    console.info(
      [
        'route | bodies | statuses | 500s from known bugs | ms',
        ...report.map((r) => `${r.route} | ${r.bodies} | ${Object.entries(r.statuses).map(([s, n]) => `${s}×${n}`).join(' ')} | ${Object.entries(r.tolerated).map(([s, n]) => `${s}×${n}`).join(' ') || '-'} | ${r.ms}`),
        `total bodies: ${report.reduce((n, r) => n + r.bodies, 0)}`,
      ].join('\n'),
    );
    await t?.close();
  });

  // ---------------------------------------------------------------------------------------------- sign-in

  const LOGIN_FIELDS = ['email', 'password', 'next'];
  it('POST /login', async () => {
    await fuzz({ name: '/login', who: 'public', url: fc.constant('/login'), spec: { fields: LOGIN_FIELDS, base: { email: 'nobody@example.org', password: 'not the password at all', next: '/evidence' } }, numRuns: 150, remoteAddress: LOGIN_ADDRESS });
  }, 120_000);

  it('POST /logout', async () => {
    await fuzz({ name: '/logout', who: 'logout', url: fc.constant('/logout'), spec: { fields: ['x'] }, numRuns: 150, after: restoreLogoutSession });
  }, 120_000);

  it('POST /set-password', async () => {
    const password = 'orchid tambourine gravel quietly';
    await fuzz({
      name: '/set-password', who: 'public', url: fc.constant('/set-password'),
      spec: { fields: ['code', 'password', 'confirm_password'], base: { code: setPasswordCode, password, confirm_password: password } },
      numRuns: 200,
    });
  }, 120_000);

  it('POST /account/password', async () => {
    await fuzz({
      name: '/account/password', who: 'account', url: fc.constant('/account/password'),
      spec: { fields: ['current_password', 'new_password', 'confirm_password'], base: { current_password: 'not my password at all', new_password: 'orchid tambourine gravel', confirm_password: 'orchid tambourine gravel!' } },
      numRuns: 40,
    });
  }, 120_000);

  it('POST /account/tokens and /account/tokens/:id/revoke', async () => {
    await fuzz({ name: '/account/tokens', who: 'account', url: fc.constant('/account/tokens'), spec: { fields: ['name'], base: { name: 'fuzz token' } }, numRuns: 200 });
    const own = (await t.db.kysely.selectFrom('api_tokens').select('id').where('user_id', '=', ids.account).execute()).map((r) => r.id);
    await fuzz({ name: '/account/tokens/:id/revoke', who: 'account', url: idArb([...own, ids.otherToken]).map((id) => `/account/tokens/${id}/revoke`), spec: { fields: ['x'] }, numRuns: 150 });
  }, 120_000);

  // ---------------------------------------------------------------------------------------------- evidence pages

  const FORM_FIELDS = [
    'title', 'summary', 'source', 'url', 'observed_on', 'source_reliability', 'credibility', 'tlp', 'ref', 'groups', 'location', 'location_other',
    'finding_benchmark_0', 'finding_stance_0', 'finding_value_0', 'finding_benchmark_1', 'finding_stance_1', 'finding_value_1', 'finding_benchmark_3', 'action',
  ];
  const FORM_BASE = {
    title: 'Fuzzed observation', summary: 'Both sides **met**.', source: 'Field report', url: 'https://example.org/r', observed_on: '2026-05-02', source_reliability: 'B',
    credibility: '2', tlp: 'GREEN', groups: ['TTP', 'BLA'], location: 'Torkham crossing', finding_benchmark_0: 'BORDER-1', finding_stance_0: '1',
    finding_benchmark_1: 'BORDER-3', finding_value_1: '22', action: 'submit',
  };

  it('POST /evidence/new', async () => {
    await fuzz({ name: '/evidence/new', who: 'evaluator', url: fc.constant('/evidence/new'), spec: { fields: FORM_FIELDS, base: FORM_BASE, file: 'file' }, numRuns: 300, evidenceForm: true });
  }, 180_000);

  it('POST /evidence/:id/edit', async () => {
    const items = await freshItems();
    await fuzz({ name: '/evidence/:id/edit', who: 'evaluator', url: idArb([...items.drafts, ...items.drafts, items.submitted[0], items.verified[0]]).map((id) => `/evidence/${id}/edit`), spec: { fields: FORM_FIELDS, base: { ...FORM_BASE, action: 'draft' } }, numRuns: 250, evidenceForm: true });
  }, 180_000);

  it('POST /evidence/:id/correct', async () => {
    const items = await freshItems();
    await fuzz({ name: '/evidence/:id/correct', who: 'evaluator', url: idArb([...items.verified, items.drafts[0], items.rejected]).map((id) => `/evidence/${id}/correct`), spec: { fields: FORM_FIELDS, base: FORM_BASE }, numRuns: 250, evidenceForm: true });
  }, 180_000);

  for (const [action, who] of [['submit', 'evaluator'], ['verify', 'reviewer'], ['reject', 'reviewer'], ['retract', 'reviewer']] as const) {
    it(`POST /evidence/:id/${action}`, async () => {
      const items = await freshItems();
      await fuzz({ name: `/evidence/:id/${action}`, who, url: idArb(items.all).map((id) => `/evidence/${id}/${action}`), spec: { fields: ['reason'], base: { reason: 'Because the fuzzer said so' } }, numRuns: 150 });
    }, 120_000);
  }

  it('POST /evidence/:id/attachments', async () => {
    const items = await freshItems();
    await fuzz({ name: '/evidence/:id/attachments', who: 'evaluator', url: idArb([...items.drafts, ...items.submitted, items.verified[0]]).map((id) => `/evidence/${id}/attachments`), spec: { fields: ['file', 'x'], file: 'file' }, numRuns: 200 });
  }, 180_000);

  it('POST /evidence/import', async () => {
    const csv = 'ref,title,observed_on,source_reliability,credibility,groups,findings\n,Imported by the fuzzer,2026-01-02,B,2,TTP,BORDER-1=1 BORDER-3=20\n';
    await fuzz({ name: '/evidence/import', who: 'evaluator', url: fc.constant('/evidence/import'), spec: { fields: ['format', 'text', 'dry_run', 'file'], base: { format: 'csv', text: csv, dry_run: 'on' }, file: 'file' }, numRuns: 250 });
  }, 180_000);

  // ---------------------------------------------------------------------------------------------- administration

  it('POST /admin/users (invite)', async () => {
    // a valid invitation hashes a random password: the base is one field short of valid (no role)
    await fuzz({ name: '/admin/users', who: 'admin', url: fc.constant('/admin/users'), spec: { fields: ['email', 'name', 'role', 'delegation'], base: { email: 'fuzz.invite@example.org', name: 'Fuzz Invite', delegation: 'PAK' } }, numRuns: 120 });
  }, 180_000);

  it('POST /admin/users/:id', async () => {
    await fuzz({ name: '/admin/users/:id', who: 'admin', url: idArb(ids.victims).map((id) => `/admin/users/${id}`), spec: { fields: ['name', 'role', 'delegation'], base: { name: 'Renamed by fuzz', role: 'viewer', delegation: 'CHN' } }, numRuns: 200 });
  }, 120_000);

  for (const action of ['disable', 'enable', 'reset-password'] as const) {
    it(`POST /admin/users/:id/${action}`, async () => {
      await fuzz({ name: `/admin/users/:id/${action}`, who: 'admin', url: idArb([...ids.victims, ids.admin]).map((id) => `/admin/users/${id}/${action}`), spec: { fields: ['x'] }, numRuns: 100 });
    }, 120_000);
  }

  // ---------------------------------------------------------------------------------------------- the API

  const API_FIELDS = ['title', 'summary', 'source', 'url', 'observed_on', 'source_reliability', 'credibility', 'groups', 'tlp', 'location', 'findings', 'ref', 'submit', 'framework', 'verified_at', 'retracted_at'];
  const API_BASE = {
    title: 'API fuzz', summary: 'Seen *twice*.', source: 'Monitor', url: 'https://example.org/api', observed_on: '2026-03-01', source_reliability: 'A', credibility: 1,
    groups: ['TTP'], tlp: 'GREEN', location: 'Torkham', findings: [new Obj([['benchmark', 'BORDER-1'], ['stance', 2]]), new Obj([['benchmark', 'BORDER-3'], ['value', 12]])], submit: true,
  };

  it('POST /api/v1/evidence', async () => {
    await fuzz({ name: '/api/v1/evidence', who: 'evaluator', api: true, url: fc.constant('/api/v1/evidence'), spec: { fields: API_FIELDS, base: API_BASE }, numRuns: 300 });
  }, 180_000);

  for (const [action, who] of [['submit', 'evaluator'], ['verify', 'reviewer'], ['reject', 'reviewer'], ['retract', 'reviewer']] as const) {
    it(`POST /api/v1/evidence/:id/${action}`, async () => {
      const items = await freshItems();
      await fuzz({ name: `/api/v1/evidence/:id/${action}`, who, api: true, url: idArb(items.all).map((id) => `/api/v1/evidence/${id}/${action}`), spec: { fields: ['reason'], base: { reason: 'API fuzz reason' } }, numRuns: 150 });
    }, 120_000);
  }

  it('POST /api/v1/evidence/:id/correct', async () => {
    const items = await freshItems();
    await fuzz({ name: '/api/v1/evidence/:id/correct', who: 'evaluator', api: true, url: idArb([...items.verified, items.drafts[0], items.rejected]).map((id) => `/api/v1/evidence/${id}/correct`), spec: { fields: API_FIELDS, base: API_BASE }, numRuns: 250 });
  }, 180_000);

  // ------------------------------------------------------------------- regressions: bugs this fuzzer found (fixed)

  async function postRaw(who: Who, url: string, contentType: string, payload: string) {
    return t.app.inject({ method: 'POST', url, headers: { cookie: jars[who], 'x-csrf-token': csrf[who], 'content-type': contentType }, payload });
  }
  const SAMPLE_ROUTES: [Who, string][] = [['evaluator', '/evidence/new'], ['evaluator', '/api/v1/evidence'], ['admin', '/admin/users'], ['account', '/account/tokens'], ['public', '/login']];

  // (found by this fuzzer: the parser's own errors carry no statusCode and were answered 500; fixed in errors.ts)
  it('a truncated multipart body, or one with a wrong or missing boundary, is answered 400, not 500', async () => {
    const b = 'BUGBOUNDARY';
    for (const [who, url] of SAMPLE_ROUTES) {
      const field = `--${b}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf[who]}\r\n`;
      for (const [contentType, payload] of [
        [`multipart/form-data; boundary=${b}`, field], // no closing boundary
        ['multipart/form-data; boundary=other', `${field}--${b}--\r\n`],
        ['multipart/form-data', `${field}--${b}--\r\n`],
      ]) {
        const res = await postRaw(who, url, contentType, payload);
        expect(res.statusCode, `${url} ${contentType}`).toBe(400);
      }
    }
  });

  // @fastify/multipart refuses a part declared as application/json that is not JSON, or that carries __proto__ /
  // constructor.prototype, with status 406; errors.ts once turned statuses it did not know into 500.
  it('a multipart part declared as JSON that is invalid or carries __proto__ is answered 4xx, not 500', async () => {
    const b = 'BUGBOUNDARY';
    for (const [who, url] of SAMPLE_ROUTES) {
      for (const json of ['{"__proto__":{"polluted":1}}', '{"constructor":{"prototype":{"polluted":1}}}', '{not json']) {
        const payload = `--${b}\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${csrf[who]}\r\n--${b}\r\nContent-Disposition: form-data; name="title"\r\nContent-Type: application/json\r\n\r\n${json}\r\n--${b}--\r\n`;
        const res = await postRaw(who, url, `multipart/form-data; boundary=${b}`, payload);
        expect(res.statusCode, `${url} ${json}`).toBeGreaterThanOrEqual(400);
        expect(res.statusCode, `${url} ${json}`).toBeLessThan(500);
      }
      assertPrototypesClean(url);
    }
  });

  // The evidence form routes once re-rendered the form with `values: request.body`, which is null here.
  it('POST /evidence/new, /evidence/:id/edit and /evidence/:id/correct with a JSON null body or no body give 400, not 500', async () => {
    const items = await freshItems();
    for (const url of ['/evidence/new', `/evidence/${items.drafts[0]}/edit`, `/evidence/${items.verified[0]}/correct`]) {
      const nullBody = await postRaw('evaluator', url, 'application/json', 'null');
      expect(nullBody.statusCode, `${url} null`).toBe(400);
      const noBody = await t.app.inject({ method: 'POST', url, headers: { cookie: jars.evaluator, 'x-csrf-token': csrf.evaluator } });
      expect(noBody.statusCode, `${url} without a body`).toBe(400);
    }
  });

  it('leaves the audit chain intact and Object.prototype clean', async () => {
    expect((await verifyAuditChain(t.db.kysely)).ok).toBe(true);
    assertPrototypesClean('end');
  });
});
