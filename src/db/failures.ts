// Which database errors mean "the database is unavailable right now" (answer 503 and let the client retry), as
// opposed to a bug (500) or a refused change (4xx). Both drivers' ways of saying so, in one place.

export interface Unavailability {
  /** what is wrong, in words for the log and /health (never the driver's full message) */
  reason: string;
  /** how long a client should wait before retrying */
  retryAfterSeconds: number;
}

// PostgreSQL SQLSTATEs: class 08 (connection exception), 53 (insufficient resources), 57P01-57P03 (shutdown,
// crash, not yet accepting connections), 57014 (statement cancelled by the statement time-out)
const PG_UNAVAILABLE: Record<string, string> = {
  '53100': 'the database server is out of disk space',
  '53200': 'the database server is out of memory',
  '53300': 'the database server has too many connections',
  '57P01': 'the database server is shutting down',
  '57P02': 'the database server crashed',
  '57P03': 'the database server is starting up',
  '57014': 'a database statement took too long',
  '25006': 'the database is read-only',
};

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/** Messages of node-postgres that have no code: time-outs and connections the server dropped. */
const PG_CLIENT_MESSAGES = /timeout exceeded when trying to connect|Connection terminated|Query read timeout|Client has encountered a connection error|connection timeout|Connection ended unexpectedly/i;

export function databaseUnavailability(err: unknown): Unavailability | null {
  const e = err as { code?: unknown; message?: unknown; name?: unknown } | null;
  if (!e || typeof e !== 'object') return null;
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  if (e.name === 'DatabaseBusyError') return { reason: 'the database is busy with another write', retryAfterSeconds: 2 };
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return { reason: 'the database is busy with another write', retryAfterSeconds: 2 };
  if (code === 'SQLITE_FULL') return { reason: 'the disk is full', retryAfterSeconds: 60 };
  if (code.startsWith('SQLITE_IOERR') || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY' || code.startsWith('SQLITE_READONLY_')) {
    return { reason: 'the database file cannot be read or written', retryAfterSeconds: 30 };
  }
  if (NETWORK_CODES.has(code)) return { reason: 'the database server cannot be reached', retryAfterSeconds: 5 };
  if (PG_UNAVAILABLE[code]) return { reason: PG_UNAVAILABLE[code], retryAfterSeconds: code === '57014' ? 5 : 10 };
  if (code.startsWith('08')) return { reason: 'the connection to the database server failed', retryAfterSeconds: 5 };
  if (!code && PG_CLIENT_MESSAGES.test(message)) return { reason: 'the database server does not answer', retryAfterSeconds: 5 };
  return null;
}
