// Server-side sessions in the database, so several app instances share them. Only a SHA-256 of the session id
// is stored; expiry is enforced on read. A signed-in session read after it expired still says whose it was (and
// nothing else), for a while, so a form posted with it can be kept for that user (auth/saved-forms.ts).

import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { Clock } from '../time';

type Callback<T = void> = (err?: unknown, value?: T) => void;

interface StoredSession {
  userId?: number;
  lastSeenAt?: number;
  signedInAt?: number;
  [key: string]: unknown;
}

export const hashSessionId = (sid: string) => crypto.createHash('sha256').update(sid).digest('hex');

/** How long after expiry a session's row is kept to tell whose it was: a working day of typing into a form. */
export const EXPIRED_SESSION_MEMORY_MS = 12 * 3_600_000;

export interface SessionLimits {
  idleMs: number;
  absoluteMs: number;
}

export class DatabaseSessionStore {
  constructor(
    private readonly db: Kysely<Database>,
    private readonly clock: Clock,
    private readonly limits: SessionLimits,
  ) {}

  /** The instant a session stops being valid: idle timeout from its last use, capped by its absolute lifetime. */
  expiresAt(session: StoredSession, now: number): number {
    const idleEnd = (session.lastSeenAt ?? now) + this.limits.idleMs;
    const absoluteEnd = (session.signedInAt ?? now) + this.limits.absoluteMs;
    return Math.min(idleEnd, absoluteEnd);
  }

  get(sid: string, callback: (err?: unknown, value?: any) => void): void {
    const id = hashSessionId(sid);
    this.db
      .selectFrom('sessions')
      .select(['data', 'expires_at'])
      .where('id', '=', id)
      .executeTakeFirst()
      .then(async (row) => {
        if (!row) return callback(null, null);
        const expiresAt = Date.parse(row.expires_at);
        const now = this.clock().getTime();
        if (expiresAt <= now) {
          await this.db.deleteFrom('sessions').where('id', '=', id).execute();
          const { userId } = JSON.parse(row.data) as StoredSession;
          // only whose it was: no sign-in, no CSRF secret, nothing else of the expired session
          const tombstone = typeof userId === 'number' && now - expiresAt < EXPIRED_SESSION_MEMORY_MS ? { expiredUserId: userId } : null;
          return callback(null, tombstone);
        }
        callback(null, JSON.parse(row.data) as StoredSession);
      })
      .catch((err) => callback(err));
  }

  set(sid: string, sessionObject: object, callback: Callback): void {
    const session = sessionObject as StoredSession;
    const id = hashSessionId(sid);
    const now = this.clock().getTime();
    const { cookie: _cookie, ...data } = session as StoredSession & { cookie?: unknown };
    const values = {
      user_id: typeof session.userId === 'number' ? session.userId : null,
      data: JSON.stringify(data),
      expires_at: new Date(this.expiresAt(session, now)).toISOString(),
    };
    this.db
      .insertInto('sessions')
      .values({ id, created_at: new Date(now).toISOString(), ...values })
      .onConflict((oc) => oc.column('id').doUpdateSet(values))
      .execute()
      .then(() => callback())
      .catch((err) => callback(err));
  }

  destroy(sid: string, callback: Callback): void {
    this.db
      .deleteFrom('sessions')
      .where('id', '=', hashSessionId(sid))
      .execute()
      .then(() => callback())
      .catch((err) => callback(err));
  }
}

/** Ends every session of a user (sign-out everywhere, disabled account). */
export async function destroyUserSessions(db: Kysely<Database>, userId: number): Promise<void> {
  await db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}

/** Deletes sessions that expired more than EXPIRED_SESSION_MEMORY_MS ago (the store refuses the others on read). */
export async function purgeExpiredSessions(db: Kysely<Database>, clock: Clock): Promise<number> {
  const before = new Date(clock().getTime() - EXPIRED_SESSION_MEMORY_MS).toISOString();
  const result = await db.deleteFrom('sessions').where('expires_at', '<=', before).executeTakeFirst();
  return Number(result.numDeletedRows ?? 0);
}
