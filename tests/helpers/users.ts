// Accounts written straight into the users table (no audit entry, no invitation), all with one password, for the
// tests that need many of them; and signing them in through the form. Their hash is made by the real hashPassword at
// the suite's cost (tests/helpers/passwords.ts) and checked by the real verifyPassword at sign-in.

import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database, Role, UserRow } from '../../src/db/schema';
import { hashPassword } from '../../src/security/password';
import { cookieJar, csrfFrom, signIn } from './app';

/** The password of every account insertUser makes. */
export const TEST_PASSWORD = 'the test accounts password, long enough';
/** A password the policy accepts, for tests that change or set one. */
export const NEW_PASSWORD = 'Quartz-lantern 7 gallops over wet cobbles';

let hash: Promise<string> | null = null;
/** The stored hash of TEST_PASSWORD that insertUser gives every account (one per test file). */
export function testPasswordHash(): Promise<string> {
  hash ??= hashPassword(TEST_PASSWORD);
  return hash;
}

let seq = 0;
/** A new account with TEST_PASSWORD; `label` starts its e-mail address. */
export async function insertUser(
  db: Kysely<Database>,
  role: Role,
  options: { delegation?: string | null; disabled?: boolean; label?: string; createdAt?: string } = {},
): Promise<UserRow> {
  seq += 1;
  const now = options.createdAt ?? new Date().toISOString();
  return db
    .insertInto('users')
    .values({
      email: `${options.label ?? 'user'}${seq}.${role}.${process.pid}@example.org`,
      name: `${role} ${seq}`,
      password_hash: await testPasswordHash(),
      role,
      delegation: options.delegation === undefined ? 'PAK' : options.delegation,
      disabled_at: options.disabled ? now : null,
      created_at: now,
      updated_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

/** Signs in through the form and reads a CSRF token from a page of the new session. */
export async function sessionOf(app: FastifyInstance, user: { email: string }, password = TEST_PASSWORD): Promise<{ jar: string; csrf: string }> {
  const { jar, response } = await signIn(app, user.email, password);
  if (response.statusCode !== 303) throw new Error(`sign-in of ${user.email} failed: ${response.statusCode}`);
  const page = await app.inject({ url: '/account/password', headers: { cookie: jar } });
  return { jar: cookieJar(jar, page), csrf: csrfFrom(page.body) };
}

/** A browser session (anonymous, or the given cookie jar's) that has opened the form at `url`, with its token. */
export async function formSession(app: FastifyInstance, url = '/login', jar = ''): Promise<{ jar: string; csrf: string }> {
  const page = await app.inject({ url, headers: jar ? { cookie: jar } : {} });
  return { jar: cookieJar(jar, page), csrf: csrfFrom(page.body) };
}
