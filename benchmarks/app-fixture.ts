// The real app on an in-memory SQLite database seeded with the demo, and one signed-in viewer (as in
// tests/helpers/app.ts, but self-contained). Password hashing (scrypt) costs ~0.3 s, so one user per app.

import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { openDatabase, type Db } from '../src/db/connect';
import { migrateToLatest } from '../src/db/migrate';
import { seedDefault } from '../src/seed/index';
import { createUser } from '../src/users/service';

export const BENCH_SESSION_SECRET = 'benchmark-session-secret-of-at-least-32-characters';

export interface SignedInApp {
  app: FastifyInstance;
  db: Db;
  /** Cookie header of the signed-in session */
  cookie: string;
  close(): Promise<void>;
}

function cookieJar(previous: string, response: LightMyRequestResponse): string {
  const jar = new Map(previous.split('; ').filter(Boolean).map((c) => c.split('=', 2) as [string, string]));
  for (const c of response.cookies) jar.set(c.name, c.value);
  return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
}

export async function signIn(app: FastifyInstance, email: string, password: string): Promise<string> {
  const page = await app.inject({ method: 'GET', url: '/login' });
  const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1];
  if (!token) throw new Error('no CSRF token on /login');
  let jar = cookieJar('', page);
  const response = await app.inject({
    method: 'POST',
    url: '/login',
    headers: { cookie: jar, 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ email, password, _csrf: token }).toString(),
  });
  if (response.statusCode >= 400) throw new Error(`sign-in failed: ${response.statusCode} ${response.body.slice(0, 200)}`);
  jar = cookieJar(jar, response);
  return jar;
}

/**
 * An app on `db` built with NODE_ENV set to `nodeEnv` (undefined: unset, as `npm start` runs unless the operator
 * sets it). Same session secret for every app, so one session cookie signs in to all. @fastify/view decides at
 * registration, from NODE_ENV alone, whether to cache compiled templates (nothing in pactwatch sets it or passes
 * its `production` option). Restores NODE_ENV afterwards.
 */
export async function buildAppWithNodeEnv(db: Db, nodeEnv: string | undefined): Promise<FastifyInstance> {
  const previous = process.env.NODE_ENV;
  if (nodeEnv === undefined) delete process.env.NODE_ENV;
  else process.env.NODE_ENV = nodeEnv;
  try {
    const config = loadConfig({}, { sessionSecret: BENCH_SESSION_SECRET, databaseUrl: db.target.location, reportKinds: [] });
    return await buildApp({ db, config });
  } finally {
    if (previous === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = previous;
  }
}

/**
 * Opens a fresh database (`:memory:` by default), migrates, seeds the demo, builds the app (NODE_ENV unset, as
 * shipped) and signs a viewer in.
 */
export async function startSignedInApp(location = ':memory:'): Promise<SignedInApp> {
  const db = await openDatabase(location);
  await migrateToLatest(db);
  await seedDefault(db.kysely, { demo: true });
  const app = await buildAppWithNodeEnv(db, undefined);
  const email = 'bench.viewer@example.org';
  const password = 'a long benchmark passphrase 4711';
  await createUser(db.kysely, { email, password, role: 'viewer', name: 'Bench Viewer' });
  const cookie = await signIn(app, email, password);
  const check = await app.inject({ method: 'GET', url: '/', headers: { cookie } });
  if (check.statusCode !== 200) throw new Error(`dashboard answered ${check.statusCode} after sign-in`);
  return {
    app,
    db,
    cookie,
    async close() {
      await app.close();
      await db.close();
    },
  };
}
