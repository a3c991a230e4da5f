// Type augmentations for fastify and @fastify/session used across the app.

import type { Db } from './db/connect';
import type { Config } from './config';
import type { Clock } from './time';
import type { UserRow } from './db/schema';
import type { Access } from './plugins/auth';
import type { Locale, Message } from './i18n/messages';
import type { DeskPolicy } from './evidence/policy';

declare module 'fastify' {
  interface FastifyInstance {
    db: Db;
    config: Readonly<Config>;
    clock: Clock;
    /** set when the process has begun to shut down: new requests get 503 */
    shuttingDown: boolean;
    /** renders a template into the self-contained print layout (for PDFs) */
    printView(template: string, data: object): Promise<string>;
  }
  interface FastifyRequest {
    /** a CSRF token for this request's session (a fresh one each call), or '' without a session */
    csrfToken(): string;
    /** the signed-in user, or null */
    user: UserRow | null;
    /** the language the answer is rendered in (src/i18n/messages.ts) */
    locale: Locale;
    /** what the signed-in user may do at the evidence desk (evidence/policy.ts), or null without one */
    desk(): DeskPolicy | null;
    /** whether illustrative demo evidence is loaded (pages show a banner), false without a signed-in user */
    demoEvidence(): Promise<boolean>;
    /** how the user was authenticated: a session cookie, or an API token (which needs no CSRF token) */
    authMethod: 'session' | 'token' | null;
    /** the user of the session that had expired (idle or absolute limit) when this request arrived, or null */
    expiredSessionUserId: number | null;
    /** the user whose form this request posted after their session expired: kept, not saved (see auth/saved-forms.ts) */
    keepFormOf: UserRow | null;
  }
  interface FastifyContextConfig {
    /** who may use the route; every route must declare it (checked when routes are registered) */
    access?: Access;
    /** 'json': errors are answered in the JSON error shape even outside /api/ (downloads) */
    errorFormat?: 'json';
    /** a form whose POST after its session expired is kept for its user to restore after signing in again */
    keepsFormOnExpiry?: boolean;
  }
}

declare module '@fastify/session' {
  interface FastifySessionObject {
    userId?: number;
    /** epoch ms when the user signed in (absolute lifetime) */
    signedInAt?: number;
    /** epoch ms of the last request (idle timeout) */
    lastSeenAt?: number;
    /** secret behind this session's CSRF tokens */
    csrfSecret?: string;
    /** a message to show once on the next page: said as it is, or a message in the reader's language */
    flash?: string | Message;
    /** the language chosen before sign-in (a signed-in reader's choice is kept on the account) */
    locale?: string;
    /** set by the store on a session read after it expired: whose it was (the session is then ended) */
    expiredUserId?: number;
  }
}
