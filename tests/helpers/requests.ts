// Shared by the route-matrix and CSRF tests: sending a request described as data (with its CSRF token where a
// form or JSON body carries it), and snapshots of every table a request could change.

import crypto from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Database } from '../../src/db/schema';
import { multipart } from './app';
import { chromiumPath } from '../../src/reports/pdf';

export type Fields = Record<string, string | string[]>;

export interface RequestSpec {
  method?: 'GET' | 'HEAD' | 'POST';
  url: string;
  /** how a POST body travels (and with it the CSRF token): urlencoded form, JSON (x-csrf-token header), multipart */
  body?: 'form' | 'json' | 'multipart';
  form?: Fields;
  json?: unknown;
  file?: { field: string; filename: string; content: string };
}

/** Sends the request with a cookie jar and, for POSTs, the CSRF token (null: none at all). */
export async function sendRequest(
  app: FastifyInstance,
  req: RequestSpec,
  jar: string,
  token: string | null,
  extraHeaders: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = { ...(jar ? { cookie: jar } : {}), ...extraHeaders };
  const method = req.method ?? 'POST';
  if (method !== 'POST') return app.inject({ method, url: req.url, headers });
  if (req.body === 'json') {
    if (token !== null) headers['x-csrf-token'] = token;
    if (req.json === undefined) return app.inject({ method: 'POST', url: req.url, headers });
    return app.inject({ method: 'POST', url: req.url, headers: { ...headers, 'content-type': 'application/json' }, payload: JSON.stringify(req.json) });
  }
  if (req.body === 'multipart') {
    const fields = Object.fromEntries(Object.entries(req.form ?? {}).map(([k, v]) => [k, String(v)]));
    const mp = multipart(token !== null ? { _csrf: token, ...fields } : fields, req.file);
    return app.inject({ method: 'POST', url: req.url, headers: { ...headers, ...mp.headers }, payload: mp.payload });
  }
  const body = new URLSearchParams();
  if (token !== null) body.set('_csrf', token);
  for (const [k, v] of Object.entries(req.form ?? {})) for (const item of Array.isArray(v) ? v : [v]) body.append(k, item);
  return app.inject({ method: 'POST', url: req.url, headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' }, payload: body.toString() });
}

/** Every table a request could change, except sessions and security_events (which sign-ins and refusals write). */
const WATCHED = [
  ['users', 'id'],
  ['evidence', 'id'],
  ['findings', 'id'],
  ['evidence_groups', 'evidence_id, group_id'],
  ['attachments', 'id'],
  ['api_tokens', 'id'],
  ['audit_log', 'seq'],
  ['password_resets', 'id'],
  ['settings', 'key'],
] as const;

/** A digest of each watched table's full content. */
export async function snapshotTables(db: Kysely<Database>): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const [table, order] of WATCHED) {
    const { rows } = await sql<Record<string, unknown>>`select * from ${sql.table(table)} order by ${sql.raw(order)}`.execute(db);
    out[table] = crypto.createHash('sha256').update(JSON.stringify(rows)).digest('hex') + ` (${rows.length} rows)`;
  }
  return out;
}

export const changedTables = (a: Record<string, string>, b: Record<string, string>) => Object.keys(a).filter((k) => a[k] !== b[k]);

/** Method + path pairs the app registers, read from the router's tree print (one node per registered path). */
export function registeredRoutes(app: FastifyInstance): string[] {
  const pairs: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    if (!line.trim()) continue;
    const m = /^((?:[│ ] {3})*)(?:├── |└── )(\S+)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!m) throw new Error(`unexpected line in printRoutes output: ${JSON.stringify(line)}`);
    const depth = m[1].length / 4;
    const path = (depth === 0 ? '' : stack[depth - 1]) + m[2];
    stack[depth] = path;
    stack.length = depth + 1;
    for (const method of m[3]?.split(', ') ?? []) pairs.push(`${method} ${path}`);
  }
  return pairs;
}

/**
 * A report PDF answered 503 on a machine without Chromium: the documented answer there ("print the report page
 * instead"), not a failure. Where Chromium is installed (CI installs it first) the PDF must be served.
 */
export function pdfUnavailableHere(url: string, status: number): boolean {
  return status === 503 && /\/reports\/\d+\.pdf\b/.test(url) && chromiumPath() === null;
}
