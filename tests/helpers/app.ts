// A real app over a real test database, driven with inject; plus helpers to create users and sign in.

import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app';
import { loadConfig, type Config } from '../../src/config';
import type { Db } from '../../src/db/connect';
import type { Role } from '../../src/db/schema';
import { createUser } from '../../src/users/service';
import { systemClock, type Clock } from '../../src/time';
import type { PdfRenderer } from '../../src/reports/pdf';
import { closeTestDb, openTestDb } from './db';

export interface TestApp {
  app: FastifyInstance;
  db: Db;
  close(): Promise<void>;
}

export const TEST_SESSION_SECRET = 'test-secret-that-is-at-least-32-characters-long';

/**
 * The configuration test apps run with: a fixed session secret, and the bound /health puts on each database check
 * (2 s in production) raised to a minute, so a process descheduled for seconds on a loaded machine does not answer
 * 503 (the bound itself is tested by the fault suite, on real servers).
 */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return loadConfig({}, { sessionSecret: TEST_SESSION_SECRET, healthTimeoutMs: 60_000, ...overrides });
}

/**
 * A PDF printer that needs no Chromium: the "PDF" carries the HTML it was printed from. For tests of access and
 * need-to-know, which compare statuses and pages rather than prints; printing is tested in report-pdfs and
 * report-pages (with Chromium where it is installed).
 */
export const htmlAsPdf: PdfRenderer = async (html) => Buffer.from(`%PDF-test\n${html}`);

export async function startTestApp(
  options: { clock?: Clock; seed?: 'framework' | 'demo' | null; config?: Partial<Config>; sqlitePath?: string; renderPdf?: PdfRenderer } = {},
): Promise<TestApp> {
  const db = await openTestDb(options.sqlitePath, { seed: options.seed });
  const config = testConfig(options.config);
  const app = await buildApp({ db, config, clock: options.clock ?? systemClock, renderPdf: options.renderPdf });
  return {
    app,
    db,
    async close() {
      await app.close();
      await closeTestDb(db);
    },
  };
}

let counter = 0;
export async function addUser(db: Db, role: Role, extra: { delegation?: string; email?: string; password?: string } = {}) {
  counter += 1;
  const email = extra.email ?? `${role}${counter}.${process.pid}@example.org`;
  const password = extra.password ?? `correct horse battery ${counter}`;
  const user = await createUser(db.kysely, { email, role, password, delegation: extra.delegation ?? null, name: `${role} ${counter}` });
  return { user, email, password };
}

/** Cookie header value from a response's Set-Cookie, merged into an existing jar. */
export function cookieJar(previous: string, response: LightMyRequestResponse): string {
  const jar = new Map(previous.split('; ').filter(Boolean).map((c) => c.split('=', 2) as [string, string]));
  for (const c of response.cookies) jar.set(c.name, c.value);
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

export function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token in page');
  return m[1];
}

/** Opens /login, posts the form; returns the session cookie jar after sign-in and the response. */
export async function signIn(app: FastifyInstance, email: string, password: string) {
  const page = await app.inject({ method: 'GET', url: '/login' });
  let jar = cookieJar('', page);
  const response = await app.inject({
    method: 'POST',
    url: '/login',
    headers: { cookie: jar, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ email, password, _csrf: csrfFrom(page.body) }).toString(),
  });
  jar = cookieJar(jar, response);
  return { jar, response, preLoginJar: cookieJar('', page) };
}

/** A settable clock for tests that move time. */
export function manualClock(start: string) {
  let now = Date.parse(start);
  const clock: Clock = () => new Date(now);
  return {
    clock,
    set: (iso: string) => {
      now = Date.parse(iso);
    },
    advance: (ms: number) => {
      now += ms;
    },
  };
}

/** A multipart/form-data body for inject: plain fields and at most one file. */
export function multipart(fields: Record<string, string>, file?: { field: string; filename: string; content: Buffer | string; type?: string }) {
  const boundary = `----pactwatch${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  }
  if (file) {
    parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${file.field}"; filename="${file.filename}"\r\nContent-Type: ${file.type ?? 'application/octet-stream'}\r\n\r\n`));
    parts.push(Buffer.isBuffer(file.content) ? file.content : Buffer.from(file.content));
    parts.push(Buffer.from('\r\n'));
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** Posts an urlencoded form with the CSRF token of the page at `from`. */
export async function postForm(app: FastifyInstance, jar: string, from: string, url: string, fields: Record<string, string | string[]>) {
  const page = await app.inject({ url: from, headers: { cookie: jar } });
  const body = new URLSearchParams();
  body.set('_csrf', csrfFrom(page.body));
  for (const [k, v] of Object.entries(fields)) for (const item of Array.isArray(v) ? v : [v]) body.append(k, item);
  return app.inject({ method: 'POST', url, headers: { cookie: jar, 'content-type': 'application/x-www-form-urlencoded' }, payload: body.toString() });
}
