// Which database errors mean "the database is unavailable right now" (answer 503 and let the client retry), as
// opposed to a bug (500) or a refused change (4xx). Both drivers' ways of saying so, in one place.

import { msg } from '../i18n/messages';

export interface Unavailability {
  /** what is wrong, in words for the log and /health (never the driver's full message); a message key, so pages say it in the reader's language */
  reason: string;
  /** how long a client should wait before retrying */
  retryAfterSeconds: number;
}

// PostgreSQL SQLSTATEs: class 08 (connection exception), 53 (insufficient resources), 57P01-57P03 (shutdown,
// crash, not yet accepting connections), 57014 (statement cancelled by the statement time-out)
const PG_UNAVAILABLE: Record<string, string> = {
  '53100': msg('the database server is out of disk space').key,
  '53200': msg('the database server is out of memory').key,
  '53300': msg('the database server has too many connections').key,
  '57P01': msg('the database server is shutting down').key,
  '57P02': msg('the database server crashed').key,
  '57P03': msg('the database server is starting up').key,
  '57014': msg('a database statement took too long').key,
  '25006': msg('the database is read-only').key,
};

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** Messages of node-postgres that have no code: time-outs and connections the server dropped. */
const PG_CLIENT_MESSAGES = /timeout exceeded when trying to connect|Connection terminated|Query read timeout|Client has encountered a connection error|connection timeout|Connection ended unexpectedly/i;

export function databaseUnavailability(err: unknown): Unavailability | null {
  const e = err as { code?: unknown; message?: unknown; name?: unknown } | null;
  if (!e || typeof e !== 'object') return null;
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (e.name === 'DatabaseBusyError') return { reason: msg('the database is busy with another write').key, retryAfterSeconds: 2 };
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return { reason: msg('the database is busy with another write').key, retryAfterSeconds: 2 };
  if (code === 'SQLITE_FULL') return { reason: msg('the disk is full').key, retryAfterSeconds: 60 };
  if (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code.startsWith('SQLITE_READONLY_')) {
    return { reason: msg('the database file cannot be read or written').key, retryAfterSeconds: 30 };
  }
  if (NETWORK_CODES.has(code)) return { reason: msg('the database server cannot be reached').key, retryAfterSeconds: 5 };
  if (PG_UNAVAILABLE[code]) return { reason: PG_UNAVAILABLE[code], retryAfterSeconds: code === '57014' ? 5 : 10 };
  if (code.startsWith('08')) return { reason: msg('the connection to the database server failed').key, retryAfterSeconds: 5 };
  if (!code && PG_CLIENT_MESSAGES.test(message)) return { reason: msg('the database server does not answer').key, retryAfterSeconds: 5 };
  return null;
}
