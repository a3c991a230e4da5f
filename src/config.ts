// Configuration from the environment, validated once at start and frozen. A bad value stops the start
// with a message naming the variable.

import { parseDatabaseUrl, DatabaseUrlError } from './db/connect';
import type { ReportKind } from './db/schema';

export interface Config {
  databaseUrl: string;
  port: number;
  host: string;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** at least 32 characters; null: a random secret kept in the database (shared by all instances) */
  sessionSecret: string | null;
  sessionIdleMinutes: number;
  sessionMaxHours: number;
  /** 'auto': Secure cookies when the request came over HTTPS (as told by a trusted proxy) */
  cookieSecure: 'auto' | boolean;
  /** false, true, or a comma-separated list of proxy addresses/CIDRs whose X-Forwarded-* headers are trusted */
  trustProxy: boolean | string;
  adminEmail: string;
  /** load the default framework and demo evidence when `serve` starts on an empty database */
  demoOnFirstStart: boolean;
  /** the address users reach pactwatch at (for links handed out, e.g. password links); null: from the request */
  publicUrl: string | null;
  /** report kinds the scheduler produces */
  reportKinds: ReportKind[];
  /** time of day the scheduled reports run, HH:MM */
  reportTime: string;
  /** IANA time zone of the schedule's time of day (periods themselves are UTC calendar periods) */
  reportTimeZone: string;
  /** at most this many missed periods per kind are produced at start */
  reportCatchUpMax: number;
  /** PostgreSQL: longest a statement may run before it is cancelled (a frozen server answers 503 after this) */
  dbStatementTimeoutMs: number;
  /** PostgreSQL: longest to wait for a new connection */
  dbConnectTimeoutMs: number;
  /** on SIGTERM/SIGINT: longest to wait for requests in progress before closing their connections */
  shutdownGraceSeconds: number;
  /** GET /health: longest it waits for each database check before answering 503 */
  healthTimeoutMs: number;
  /** offer the pseudo-locale en-XA (every catalogue text transformed), for translators' previews and tests */
  pseudoLocale: boolean;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function intVar(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name}: must be a whole number from ${min} to ${max} (got "${raw}")`);
  const n = Number(raw.trim());
  if (n < min || n > max) throw new ConfigError(`${name}: must be a whole number from ${min} to ${max} (got "${raw}")`);
  return n;
}

function boolVar(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name}: must be true or false (got "${env[name]}")`);
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function loadConfig(env: Env = process.env, overrides: Partial<Config> = {}): Readonly<Config> {
  const databaseUrl = overrides.databaseUrl ?? env.DATABASE_URL ?? '';
  try {
    parseDatabaseUrl(databaseUrl);
  } catch (err) {
    if (err instanceof DatabaseUrlError) throw new ConfigError(err.message);
    throw err;
  }
  const logLevel = (env.LOG_LEVEL ?? 'info').trim().toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL: must be one of ${LOG_LEVELS.join(', ')} (got "${env.LOG_LEVEL}")`);
  }
  const sessionSecret = env.SESSION_SECRET?.length ? env.SESSION_SECRET : null;
  if (sessionSecret !== null && sessionSecret.length < 32) {
    throw new ConfigError('SESSION_SECRET: must be at least 32 characters (or unset, to keep a random one in the database)');
  }
  const secureRaw = (env.COOKIE_SECURE ?? 'auto').trim().toLowerCase();
  const cookieSecure = secureRaw === 'auto' || secureRaw === '' ? 'auto' : boolVar(env, 'COOKIE_SECURE', false);
  const trustRaw = (env.TRUST_PROXY ?? '').trim();
  let trustProxy: boolean | string = false;
  if (trustRaw !== '' && !['0', 'false', 'no', 'off'].includes(trustRaw.toLowerCase())) {
    if (['1', 'true', 'yes', 'on'].includes(trustRaw.toLowerCase())) trustProxy = true;
    else if (/^[0-9a-fA-F.:/,\s]+$/.test(trustRaw)) trustProxy = trustRaw;
    else throw new ConfigError(`TRUST_PROXY: must be true, false or a comma-separated list of addresses/CIDRs (got "${trustRaw}")`);
  }
  const adminEmail = (env.ADMIN_EMAIL ?? 'admin@pactwatch.local').trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+$/.test(adminEmail)) throw new ConfigError(`ADMIN_EMAIL: not an e-mail address (got "${env.ADMIN_EMAIL}")`);
  const host = (env.HOST ?? '127.0.0.1').trim();
  if (host === '') throw new ConfigError('HOST: must not be empty');

  const publicRaw = (env.PUBLIC_URL ?? '').trim();
  let publicUrl: string | null = null;
  if (publicRaw) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(publicRaw);
    } catch {
      parsed = null;
    }
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol)) throw new ConfigError(`PUBLIC_URL: must be an http(s) URL (got "${publicRaw}")`);
    publicUrl = parsed.origin + parsed.pathname.replace(/\/$/, '');
  }

  const kindsRaw = (env.REPORTS ?? 'monthly,quarterly').trim().toLowerCase();
  const reportKinds = kindsRaw === '' || kindsRaw === 'none' ? [] : kindsRaw.split(/[\s,]+/).filter(Boolean);
  for (const k of reportKinds) {
    if (!['weekly', 'monthly', 'quarterly'].includes(k)) throw new ConfigError(`REPORTS: must be a list of weekly, monthly, quarterly, or none (got "${env.REPORTS}")`);
  }
  const reportTime = (env.REPORTS_AT ?? '06:00').trim();
  if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(reportTime)) throw new ConfigError(`REPORTS_AT: must be a time HH:MM (got "${env.REPORTS_AT}")`);
  const reportTimeZone = (env.REPORTS_TZ ?? 'UTC').trim();
  try {
    new Intl.DateTimeFormat('en-CA', { timeZone: reportTimeZone });
  } catch {
    throw new ConfigError(`REPORTS_TZ: not an IANA time zone (got "${env.REPORTS_TZ}")`);
  }

  return Object.freeze({
    databaseUrl,
    reportKinds: [...new Set(reportKinds)] as ReportKind[],
    reportTime,
    reportTimeZone,
    reportCatchUpMax: intVar(env, 'REPORTS_CATCHUP_MAX', 24, 0, 520),
    dbStatementTimeoutMs: intVar(env, 'DB_STATEMENT_TIMEOUT_MS', 30_000, 100, 3_600_000),
    dbConnectTimeoutMs: intVar(env, 'DB_CONNECT_TIMEOUT_MS', 5_000, 100, 600_000),
    shutdownGraceSeconds: intVar(env, 'SHUTDOWN_GRACE_SECONDS', 10, 0, 3600),
    healthTimeoutMs: intVar(env, 'HEALTH_TIMEOUT_MS', 2_000, 100, 600_000),
    port: intVar(env, 'PORT', 3000, 0, 65535),
    host,
    logLevel: logLevel as Config['logLevel'],
    sessionSecret,
    sessionIdleMinutes: intVar(env, 'SESSION_IDLE_MINUTES', 60, 1, 7 * 24 * 60),
    sessionMaxHours: intVar(env, 'SESSION_MAX_HOURS', 12, 1, 24 * 30),
    cookieSecure,
    trustProxy,
    adminEmail,
    demoOnFirstStart: boolVar(env, 'DEMO_ON_FIRST_START', true),
    pseudoLocale: boolVar(env, 'PSEUDO_LOCALE', false),
    publicUrl,
    ...overrides,
  });
}
