// Forms kept across an expired session: an evidence form posted after its session expired (idle or absolute limit)
// is stored server-side for the user that session belonged to, bound to the browser by an HttpOnly cookie holding a
// random id (only its SHA-256 is stored), for 30 minutes. After that user signs in again and opens the same form,
// it is filled from the kept fields once, with a notice; nothing is saved until they press save themselves.

import crypto from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { inTransaction } from '../db/transaction';
import type { Database, UserRow } from '../db/schema';
import type { Clock } from '../time';
import { findUserById } from '../users/repository';
import { msg } from '../i18n/messages';

export const SAVED_FORM_COOKIE = 'pactwatch_saved_form';
export const SAVED_FORM_LIFETIME_MS = 30 * 60_000;
/** At most this many kept forms per user: the oldest go first (a page posting forms in a loop keeps no more). */
export const MAX_SAVED_FORMS_PER_USER = 3;
export const RESTORED_NOTICE = msg('Your unsaved form was restored; check it and save');

// the text fields of the evidence form (see evidence/form.ts); never files, tokens or anything else posted
const KEPT_FIELD = /^(title|summary|source|url|observed_on|source_reliability|credibility|tlp|ref|groups|location|location_other|finding_(benchmark|stance|value)_\d)$/;
const COOKIE_VALUE = /^[A-Za-z0-9_-]{43}$/;

export type KeptFields = Record<string, string | string[]>;

const hashId = (id: string) => crypto.createHash('sha256').update(id).digest('hex');
const pathOf = (request: FastifyRequest) => request.url.split('?')[0];

/** The kept text fields of a posted body: strings and lists of strings of the form's own fields. */
function keptFields(body: unknown): KeptFields {
  const out: KeptFields = {};
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return out;
  for (const [key, value] of Object.entries(body as Record<string, unknown>)) {
    if (!KEPT_FIELD.test(key)) continue;
    if (typeof value === 'string') out[key] = value;
    else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) out[key] = value as string[];
  }
  return out;
}

/**
 * A request another site made the browser send: a cross-site Sec-Fetch-Site or a foreign Origin. (The session
 * cookie is SameSite=Lax, so such a POST should not even name an expired session; this is a second line.)
 */
function crossSite(request: FastifyRequest): boolean {
  const fetchSite = request.headers['sec-fetch-site'];
  if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') return true;
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  try {
    return new URL(origin).host !== request.host;
  } catch {
    return true;
  }
}

/**
 * The user whose form this request may keep: a POST to a route that keeps forms, made with a session that expired,
 * from this site, by a user still enabled and allowed the route. Decided on request, before the body is read.
 */
export async function userWhoseFormToKeep(app: FastifyInstance, request: FastifyRequest, allowed: (user: UserRow) => boolean): Promise<UserRow | null> {
  const userId = request.expiredSessionUserId;
  if (request.method !== 'POST' || !request.routeOptions.config.keepsFormOnExpiry || userId === null || crossSite(request)) return null;
  const user = await findUserById(app.db.kysely, userId);
  if (!user || user.disabled_at || !allowed(user)) return null;
  return user;
}

/** Keeps the posted form for `user`, binds it to this browser and sends the browser to sign in, then back to the form. */
export async function keepFormAndAskToSignIn(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, user: UserRow) {
  const db = app.db.kysely;
  const now = app.clock();
  const id = crypto.randomBytes(32).toString('base64url');
  const path = pathOf(request);
  const previous = request.cookies[SAVED_FORM_COOKIE];
  await inTransaction(db, async (trx) => {
    await trx.deleteFrom('saved_forms').where('expires_at', '<=', now.toISOString()).execute();
    // the cookie is replaced: the form it named can no longer be restored
    if (previous && COOKIE_VALUE.test(previous)) await trx.deleteFrom('saved_forms').where('id', '=', hashId(previous)).execute();
    const newest = await trx.selectFrom('saved_forms').select('id').where('user_id', '=', user.id).orderBy('created_at', 'desc').orderBy('id').limit(MAX_SAVED_FORMS_PER_USER - 1).execute();
    let older = trx.deleteFrom('saved_forms').where('user_id', '=', user.id);
    if (newest.length) older = older.where('id', 'not in', newest.map((r) => r.id));
    await older.execute();
    await trx
      .insertInto('saved_forms')
      .values({
        id: hashId(id),
        user_id: user.id,
        path,
        fields: JSON.stringify(keptFields(request.body)),
        created_at: now.toISOString(),
        expires_at: new Date(now.getTime() + SAVED_FORM_LIFETIME_MS).toISOString(),
      })
      .execute();
  });
  reply.setCookie(SAVED_FORM_COOKIE, id, {
    path: '/',
    httpOnly: true,
    sameSite: 'lax',
    secure: app.config.cookieSecure,
    maxAge: SAVED_FORM_LIFETIME_MS / 1000,
  });
  request.log.info({ path }, 'form of an expired session kept');
  return reply.redirect(`/login?next=${encodeURIComponent(path)}`, 303);
}

/** Whether this browser holds a kept form (for the sign-in page's hint; says nothing about whose). */
export const holdsSavedForm = (request: FastifyRequest) => COOKIE_VALUE.test(request.cookies[SAVED_FORM_COOKIE] ?? '');

/**
 * The kept fields for the form at this path, once: only for the signed-in user who posted them, in the browser that
 * holds the cookie, within 30 minutes. Another user's kept form is neither used nor disturbed.
 */
export async function takeSavedForm(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply): Promise<KeptFields | null> {
  const cookie = request.cookies[SAVED_FORM_COOKIE];
  if (cookie === undefined || !request.user) return null;
  const forget = () => reply.clearCookie(SAVED_FORM_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure: app.config.cookieSecure });
  if (!COOKIE_VALUE.test(cookie)) {
    forget();
    return null;
  }
  const db = app.db.kysely;
  const id = hashId(cookie);
  const row = await db.selectFrom('saved_forms').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) {
    forget();
    return null;
  }
  if (row.user_id !== request.user.id) return null;
  if (Date.parse(row.expires_at) <= app.clock().getTime()) {
    await db.deleteFrom('saved_forms').where('id', '=', id).execute();
    forget();
    return null;
  }
  if (row.path !== pathOf(request)) return null;
  // taken once: of two tabs opening the form at the same moment, one gets it
  const taken = await db.deleteFrom('saved_forms').where('id', '=', id).where('user_id', '=', request.user.id).executeTakeFirst();
  forget();
  return Number(taken.numDeletedRows ?? 0) === 1 ? (JSON.parse(row.fields) as KeptFields) : null;
}

/** Deletes kept forms past their 30 minutes; returns how many. */
export async function purgeExpiredSavedForms(db: Kysely<Database>, clock: Clock): Promise<number> {
  const result = await db.deleteFrom('saved_forms').where('expires_at', '<=', clock().toISOString()).executeTakeFirst();
  return Number(result.numDeletedRows ?? 0);
}
