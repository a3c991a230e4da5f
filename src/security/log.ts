// The security log: sign-ins (success and failure), sign-outs, denials and CSRF failures, with who, what,
// when (UTC) and from where. Never a password, token or evidence text: paths are kept without their query.
// It also holds the sign-in attempts the limits count: each attempt is written before its password is checked.

import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { Clock } from '../time';
import { msg, type Message } from '../i18n/messages';

export interface SecurityEvent {
  event: string;
  userId?: number | null;
  email?: string | null;
  ip?: string | null;
  method?: string | null;
  path?: string | null;
  detail?: string | null;
}

const normaliseEmail = (email: string) => email.trim().toLowerCase().slice(0, 320);

export async function recordSecurityEvent(db: Kysely<Database>, e: SecurityEvent, clock: Clock): Promise<void> {
  await db
    .insertInto('security_events')
    .values({
      at: clock().toISOString(),
      event: e.event,
      user_id: e.userId ?? null,
      email: e.email ? normaliseEmail(e.email) : null,
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

export interface SignInAttempt {
  /** the attempt's row in the security log, converted by finishSignInAttempt once the outcome is known */
  id: number;
  limited: SignInLimit | null;
}

// what counts against the limits: failures, and attempts still in flight (their outcome is not known yet)
const COUNTED_EVENTS = ['sign-in.attempt', 'sign-in.failed'];

/**
 * Records a sign-in attempt, committed before its password is checked, then decides whether it may go on. Each
 * attempt's count includes itself and every attempt committed before it (and perhaps some after), so however
 * many arrive at once, at most the limit of them are let through to a password check.
 */
export async function beginSignInAttempt(db: Kysely<Database>, email: string, ip: string, clock: Clock): Promise<SignInAttempt> {
  const now = clock().getTime();
  const windowStart = new Date(now - SIGN_IN_LIMITS.windowMinutes * 60_000).toISOString();
  const account = normaliseEmail(email);
  const { id } = await db
    .insertInto('security_events')
    .values({ at: new Date(now).toISOString(), event: 'sign-in.attempt', user_id: null, email: account || null, ip, method: null, path: null, detail: null })
    .returning('id')
    .executeTakeFirstOrThrow();
  const lastSuccess = await db
    .selectFrom('security_events')
    .select('id')
    .where('event', '=', 'sign-in.succeeded')
    .where('email', '=', account)
    .where('at', '>', windowStart)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const counted = (column: 'email' | 'ip', value: string) =>
    db.selectFrom('security_events').select(['id', 'at']).where('event', 'in', COUNTED_EVENTS).where(column, '=', value).where('at', '>', windowStart);
  const [accountRows, addressRows] = await Promise.all([
    // a successful sign-in clears the account's earlier attempts; the address keeps counting
    account ? counted('email', account).where('id', '>', lastSuccess?.id ?? 0).orderBy('at').execute() : [],
    counted('ip', ip).orderBy('at').execute(),
  ]);
  const retryAfter = (rows: { id: number; at: string }[], limit: number) => {
    // this attempt may go on once enough of the others have left the window
    const others = rows.filter((r) => r.id !== id);
    const oldestCounted = others[Math.max(0, others.length - limit)];
    return Math.max(1, Math.ceil((Date.parse(oldestCounted.at) + SIGN_IN_LIMITS.windowMinutes * 60_000 - now) / 1000));
  };
  if (accountRows.length > SIGN_IN_LIMITS.perAccount) return { id, limited: { reason: 'account', retryAfterSeconds: retryAfter(accountRows, SIGN_IN_LIMITS.perAccount) } };
  if (addressRows.length > SIGN_IN_LIMITS.perAddress) return { id, limited: { reason: 'address', retryAfterSeconds: retryAfter(addressRows, SIGN_IN_LIMITS.perAddress) } };
  return { id, limited: null };
}

/** Turns an attempt's row into what it turned out to be: 'sign-in.succeeded', 'sign-in.failed' or 'sign-in.limited'. */
export async function finishSignInAttempt(
  db: Kysely<Database>,
  id: number,
  outcome: { event: 'sign-in.succeeded' | 'sign-in.failed' | 'sign-in.limited'; userId?: number | null; detail?: string | null },
): Promise<void> {
  await db
    .updateTable('security_events')
    .set({ event: outcome.event, user_id: outcome.userId ?? null, detail: outcome.detail ? outcome.detail.slice(0, 300) : null })
    .where('id', '=', id)
    .execute();
}

export async function recentSecurityEvents(db: Kysely<Database>, limit = 200) {
  return db.selectFrom('security_events').selectAll().orderBy('id', 'desc').limit(limit).execute();
}

/** What each security event is, in words for the administrators' security log (the code is shown beside it). */
const EVENT_LABELS: Record<string, Message> = {
  'sign-in.attempt': msg('Sign-in in progress'),
  'sign-in.succeeded': msg('Signed in'),
  'sign-in.failed': msg('Sign-in failed'),
  'sign-in.limited': msg('Sign-in refused: too many failed attempts'),
  'sign-out': msg('Signed out'),
  denied: msg('Access denied'),
  'csrf.failed': msg('Form security check failed'),
};

/** A security event's description (its code when it is one this version does not know). */
export const securityEventLabel = (event: string): Message | string => EVENT_LABELS[event] ?? event;

const DETAIL_LABELS: Record<string, Message> = {
  'unknown account': msg('unknown account'),
  'disabled account': msg('disabled account'),
  'wrong password': msg('wrong password'),
  error: msg('error'),
};
const LIMIT_LABELS: Record<string, Message> = {
  account: msg('too many failures for this account'),
  address: msg('too many failures from this network address'),
};

/**
 * An event's stored detail as the log shows it: the known words of sign-ins translated, a denial's reason as the
 * message it was (translated when it is a fixed one), anything else as stored.
 */
export function securityDetailLabel(event: string, detail: string | null): Message | string | null {
  if (!detail) return null;
  if (event === 'sign-in.limited') return LIMIT_LABELS[detail] ?? detail;
  if (event === 'sign-in.failed') return DETAIL_LABELS[detail] ?? detail;
  if (event === 'denied') return { key: detail };
  return detail;
}
