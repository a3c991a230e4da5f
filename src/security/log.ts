// The security log: sign-ins (success and failure), sign-outs, denials and CSRF failures, with who, what,
// when (UTC) and from where. Never a password, token or evidence text: paths are kept without their query.
// It also answers how many recent sign-in failures an account or an address has, for the attempt limits.

import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { Clock } from '../time';

export interface SecurityEvent {
  event: string;
  userId?: number | null;
  email?: string | null;
  ip?: string | null;
  method?: string | null;
  path?: string | null;
  detail?: string | null;
}

export async function recordSecurityEvent(db: Kysely<Database>, e: SecurityEvent, clock: Clock): Promise<void> {
  await db
    .insertInto('security_events')
    .values({
      at: clock().toISOString(),
      event: e.event,
      user_id: e.userId ?? null,
      email: e.email ? e.email.trim().toLowerCase().slice(0, 320) : null,
      ip: e.ip ?? null,
      method: e.method ?? null,
      path: e.path ? e.path.split('?')[0].slice(0, 300) : null,
      detail: e.detail ? e.detail.slice(0, 300) : null,
    })
    .execute();
}

export const SIGN_IN_LIMITS = {
  windowMinutes: 15,
  perAccount: 5,
  perAddress: 20,
} as const;

export interface SignInLimit {
  reason: 'account' | 'address';
  retryAfterSeconds: number;
}

/** Whether another sign-in attempt is allowed for this account and client address now. */
export async function signInLimit(db: Kysely<Database>, email: string, ip: string, clock: Clock): Promise<SignInLimit | null> {
  const now = clock().getTime();
  const windowStart = new Date(now - SIGN_IN_LIMITS.windowMinutes * 60_000).toISOString();
  const account = email.trim().toLowerCase();
  const lastSuccess = await db
    .selectFrom('security_events')
    .select('at')
    .where('event', '=', 'sign-in.succeeded')
    .where('email', '=', account)
    .where('at', '>', windowStart)
    .orderBy('at', 'desc')
    .limit(1)
    .executeTakeFirst();
  // a successful sign-in clears the account's failures; the address keeps counting
  const accountSince = lastSuccess && lastSuccess.at > windowStart ? lastSuccess.at : windowStart;
  const [accountFailures, addressFailures] = await Promise.all([
    db.selectFrom('security_events').select(['at']).where('event', '=', 'sign-in.failed').where('email', '=', account).where('at', '>', accountSince).orderBy('at').execute(),
    db.selectFrom('security_events').select(['at']).where('event', '=', 'sign-in.failed').where('ip', '=', ip).where('at', '>', windowStart).orderBy('at').execute(),
  ]);
  const retryAfter = (rows: { at: string }[], limit: number) => {
    const oldestCounted = rows[rows.length - limit];
    return Math.max(1, Math.ceil((Date.parse(oldestCounted.at) + SIGN_IN_LIMITS.windowMinutes * 60_000 - now) / 1000));
  };
  if (accountFailures.length >= SIGN_IN_LIMITS.perAccount) return { reason: 'account', retryAfterSeconds: retryAfter(accountFailures, SIGN_IN_LIMITS.perAccount) };
  if (addressFailures.length >= SIGN_IN_LIMITS.perAddress) return { reason: 'address', retryAfterSeconds: retryAfter(addressFailures, SIGN_IN_LIMITS.perAddress) };
  return null;
}

export async function recentSecurityEvents(db: Kysely<Database>, limit = 200) {
  return db.selectFrom('security_events').selectAll().orderBy('id', 'desc').limit(limit).execute();
}
