// Per-user API tokens: shown once at creation, stored only as a SHA-256, revocable by their owner.

import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { inTransaction } from '../db/transaction';
import type { Database, UserRow } from '../db/schema';
import { appendAudit, actorLabel, type Actor } from '../audit/log';
import { notFound, validationError } from '../errors';
import { nowIso, systemClock, type Clock } from '../time';

const PREFIX = 'pw_';
export const hashToken = (token: string) => crypto.createHash('sha256').update(token).digest('hex');

export interface TokenSummary {
  id: number;
  name: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export async function createApiToken(
  db: Kysely<Database>,
  owner: UserRow,
  name: string,
  actor: Actor,
  clock: Clock = systemClock,
): Promise<{ token: string; summary: TokenSummary }> {
  const label = name.trim() || 'API token';
  if (label.length > 100 || /[\u0000-\u001f\u007f]/.test(label)) throw validationError([{ path: 'name', message: 'must be at most 100 characters, without control characters' }]);
  const token = `${PREFIX}${crypto.randomBytes(32).toString('base64url')}`;
  const now = nowIso(clock);
  const row = await inTransaction(db, async (trx) => {
    const inserted = await trx
      .insertInto('api_tokens')
      .values({ user_id: owner.id, name: label, token_hash: hashToken(token), created_at: now, last_used_at: null, revoked_at: null })
      .returning(['id', 'name', 'created_at', 'last_used_at', 'revoked_at'])
      .executeTakeFirstOrThrow();
    await appendAudit(trx, { actor, action: 'token.created', entityType: 'user', entityId: owner.id, content: { token_id: inserted.id, name: label, token_hash: hashToken(token) }, at: now });
    return inserted;
  });
  return { token, summary: row };
}

export async function listApiTokens(db: Kysely<Database>, userId: number): Promise<TokenSummary[]> {
  return db.selectFrom('api_tokens').select(['id', 'name', 'created_at', 'last_used_at', 'revoked_at']).where('user_id', '=', userId).orderBy('id', 'desc').execute();
}

export async function revokeApiToken(db: Kysely<Database>, owner: UserRow, tokenId: number, clock: Clock = systemClock): Promise<void> {
  const now = nowIso(clock);
  await inTransaction(db, async (trx) => {
    const token = await trx.selectFrom('api_tokens').selectAll().where('id', '=', tokenId).where('user_id', '=', owner.id).executeTakeFirst();
    if (!token) throw notFound('No such token');
    if (token.revoked_at) return;
    await trx.updateTable('api_tokens').set({ revoked_at: now }).where('id', '=', tokenId).execute();
    await appendAudit(trx, { actor: { id: owner.id, label: actorLabel(owner) }, action: 'token.revoked', entityType: 'user', entityId: owner.id, content: { token_id: tokenId }, at: now });
  });
}

/** The enabled user a bearer token belongs to, or null. Records when the token was last used (at most each minute). */
export async function userForToken(db: Kysely<Database>, token: string, clock: Clock = systemClock): Promise<UserRow | null> {
  if (!token.startsWith(PREFIX) || token.length > 200) return null;
  const row = await db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .selectAll('users')
    .select(['api_tokens.id as token_id', 'api_tokens.revoked_at', 'api_tokens.last_used_at'])
    .where('api_tokens.token_hash', '=', hashToken(token))
    .executeTakeFirst();
  if (!row || row.revoked_at || row.disabled_at) return null;
  const now = clock();
  if (!row.last_used_at || now.getTime() - Date.parse(row.last_used_at) > 60_000) {
    await db.updateTable('api_tokens').set({ last_used_at: now.toISOString() }).where('id', '=', row.token_id).execute();
  }
  const { token_id: _id, revoked_at: _r, last_used_at: _l, ...user } = row;
  return user as UserRow;
}
