// Kysely's SQLite driver (better-sqlite3), adapted so that waiting for a lock never blocks the event loop.
// better-sqlite3 is synchronous: with a long busy_timeout, a statement that meets another process's write lock
// sleeps inside SQLite and the whole server stalls with it. Here the connection keeps busy_timeout tiny and, when
// a statement that is safe to repeat fails with SQLITE_BUSY*, waits with setTimeout (backoff and jitter) and tries
// again until a deadline, then throws DatabaseBusyError (503). Write transactions begin immediate, so the lock is
// taken, and waited for, at BEGIN, before the transaction did anything; read-only transactions begin deferred.

import type BetterSqlite3 from 'better-sqlite3';
import {
  CompiledQuery,
  SelectQueryNode,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryCompiler,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';

/** How a connection waits for a lock another connection holds. */
export interface BusyPolicy {
  /** SQLite's own (blocking) wait before it reports SQLITE_BUSY: keep it a few ms */
  busyTimeoutMs: number;
  /** give up and throw DatabaseBusyError after waiting this long */
  deadlineMs: number;
  /** the first asynchronous wait; each further one doubles, up to maxBackoffMs, with jitter */
  firstBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_BUSY_POLICY: Readonly<BusyPolicy> = { busyTimeoutMs: 5, deadlineMs: 10_000, firstBackoffMs: 2, maxBackoffMs: 25 };

/**
 * The database stayed locked by another writer for longer than the wait allows; nothing was written by the
 * statement that gave up. Recognised by name (db/failures.ts): the error handler answers 503 with Retry-After.
 */
export class DatabaseBusyError extends Error {
  readonly code = 'SQLITE_BUSY';
  readonly waitedMs: number;
  constructor(waitedMs: number, cause?: unknown) {
    super(`the database stayed locked by another writer for ${Math.round(waitedMs)} ms`, cause === undefined ? undefined : { cause });
    this.name = 'DatabaseBusyError';
    this.waitedMs = waitedMs;
  }
}

export function isSqliteBusy(err: unknown): boolean {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('SQLITE_BUSY');
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The wait before the attempt after `attempt` failures: exponential, capped, with jitter so waiters spread out. */
export function backoffMs(policy: BusyPolicy, attempt: number): number {
  const ceiling = Math.min(policy.maxBackoffMs, policy.firstBackoffMs * 2 ** Math.min(attempt, 16));
  return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** Prepared statements kept per connection: bulk writes run the same SQL many times, and preparing costs as much as running. */
const STATEMENT_CACHE_SIZE = 200;

type RowBuilder = (values: unknown[]) => Record<string, unknown>;

/**
 * How a reading statement's rows become objects: better-sqlite3 builds each row object key by key (about 11 µs
 * for an evidence row of 30 columns); reading the row as an array and building the object with one literal of the
 * statement's columns takes about a third of that (a 300,000-item export spent half its time making row
 * objects). Same objects as better-sqlite3 makes: own enumerable properties in column order, a later column of the
 * same name replacing an earlier one. Names come from the statement (SQLite's column names) and are written into
 * the literal as JSON strings; a name the literal would treat specially (`__proto__`) is defined property by
 * property instead.
 * SQLite recompiles a cached statement after a schema change (a migration from another process adding a column
 * to a `select *`): a row of another width than the builder's has its builder made again from the statement. (A
 * column renamed in place would keep the width; the code reading it would then be as old as the name it expects.)
 */
function rowBuilder(stmt: BetterSqlite3.Statement): { build: RowBuilder; width: number } {
  const names = stmt.columns().map((c) => c.name);
  if (names.includes('__proto__')) {
    const build = (v: unknown[]) => {
      const row: Record<string, unknown> = {};
      names.forEach((name, i) => Object.defineProperty(row, name, { value: v[i], enumerable: true, writable: true, configurable: true }));
      return row;
    };
    return { build, width: names.length };
  }
  const fields = names.map((name, i) => `${JSON.stringify(name)}: v[${i}]`);
  return { build: new Function('v', `return { ${fields.join(', ')} };`) as RowBuilder, width: names.length };
}

/** A cached statement with, for a reader, its row builder (the statement then returns arrays). */
interface PreparedStatement {
  stmt: BetterSqlite3.Statement;
  rows: { build: RowBuilder; width: number } | null;
}

class BusyWaitingConnection implements DatabaseConnection {
  readonly #db: BetterSqlite3.Database;
  readonly #policy: BusyPolicy;
  readonly #statements = new Map<string, PreparedStatement>();

  constructor(db: BetterSqlite3.Database, policy: BusyPolicy) {
    this.#db = db;
    this.#policy = policy;
  }

  async executeQuery<R>(compiledQuery: CompiledQuery): Promise<QueryResult<R>> {
    const started = performance.now();
    for (let attempt = 0; ; attempt += 1) {
      try {
        return this.#run<R>(compiledQuery);
      } catch (err) {
        if (!isSqliteBusy(err)) throw err;
        const waited = performance.now() - started;
        // a statement inside a transaction that already did work must not run twice: give up at once
        if (!this.#retryable(compiledQuery) || waited >= this.#policy.deadlineMs) throw new DatabaseBusyError(waited, err);
        await sleep(Math.min(backoffMs(this.#policy, attempt), Math.max(1, this.#policy.deadlineMs - waited)));
      }
    }
  }

  /**
   * Safe to repeat after SQLITE_BUSY: anything outside a transaction (autocommit statements, and a BEGIN that
   * failed, which opened none), and COMMIT, which SQLite documents as retryable with the transaction still open.
   */
  #retryable(compiledQuery: CompiledQuery): boolean {
    if (!this.#db.inTransaction) return true;
    return /^\s*(commit|end)\b/i.test(compiledQuery.sql);
  }

  #prepared(sql: string): PreparedStatement {
    let prepared = this.#statements.get(sql);
    if (prepared) {
      // most recently used last, so the oldest goes first when the cache is full
      this.#statements.delete(sql);
    } else {
      const stmt = this.#db.prepare(sql);
      const rows = stmt.reader ? rowBuilder(stmt) : null;
      if (rows) stmt.raw(true);
      prepared = { stmt, rows };
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) this.#statements.delete(this.#statements.keys().next().value!);
    }
    this.#statements.set(sql, prepared);
    return prepared;
  }

  #run<R>(compiledQuery: CompiledQuery): QueryResult<R> {
    const { sql, parameters } = compiledQuery;
    const prepared = this.#prepared(sql);
    const { stmt } = prepared;
    if (stmt.reader) {
      const rows = stmt.all(parameters) as unknown[];
      if (prepared.rows && rows.length > 0) {
        if ((rows[0] as unknown[]).length !== prepared.rows.width) prepared.rows = rowBuilder(stmt);
        const { build } = prepared.rows;
        for (let i = 0; i < rows.length; i++) rows[i] = build(rows[i] as unknown[]);
      }
      return { rows: rows as R[] };
    }
    const { changes, lastInsertRowid } = stmt.run(parameters);
    return {
      insertId: lastInsertRowid != null ? BigInt(lastInsertRowid) : undefined,
      numAffectedRows: changes != null ? BigInt(changes) : undefined,
      rows: [],
    };
  }

  async *streamQuery<R>(compiledQuery: CompiledQuery): AsyncIterableIterator<QueryResult<R>> {
    const { sql, parameters, query } = compiledQuery;
    if (!SelectQueryNode.is(query)) throw new Error('Sqlite driver only supports streaming of select queries');
    // not from the cache: an iterating statement cannot run again until it is done
    const stmt = this.#db.prepare(sql);
    for (const row of stmt.iterate(parameters)) yield { rows: [row as R] };
  }
}

/**
 * The one connection, handed to one query or transaction at a time, first come first served. Kysely's own
 * lock wakes every waiter on each release (each re-checks and all but one sleep again), which is quadratic in
 * the number waiting: 24k queued trivial queries took 34 s instead of 0.3 s. This hands the lock straight to
 * the next in line.
 */
export class FifoLock {
  #held = false;
  readonly #waiting: (() => void)[] = [];
  #head = 0;

  acquire(): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    if (this.#head < this.#waiting.length) {
      const next = this.#waiting[this.#head];
      this.#head += 1;
      // compact now and then, so the queue does not keep every past waiter
      if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
        this.#waiting.splice(0, this.#head);
        this.#head = 0;
      }
      next(); // the lock stays held: it passes to the next waiter
    } else {
      this.#held = false;
    }
  }

  get waiting(): number {
    return this.#waiting.length - this.#head;
  }
}

/** SQLite's adapter, but the connection lock is the driver's (FIFO) rather than Kysely's. */
class FifoLockedSqliteAdapter extends SqliteAdapter {
  override get supportsMultipleConnections(): boolean {
    return true;
  }
}

class BusyWaitingDriver implements Driver {
  readonly #db: BetterSqlite3.Database;
  readonly #connection: BusyWaitingConnection;
  readonly #lock = new FifoLock();

  constructor(db: BetterSqlite3.Database, policy: BusyPolicy) {
    this.#db = db;
    this.#connection = new BusyWaitingConnection(db, policy);
  }

  async init(): Promise<void> {}

  async acquireConnection(): Promise<DatabaseConnection> {
    await this.#lock.acquire();
    return this.#connection;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    // writers take the write lock up front (the one place they wait); readers read one snapshot without it
    const begin = settings.accessMode === 'read only' ? 'begin' : 'begin immediate';
    await connection.executeQuery(CompiledQuery.raw(begin));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  // After some errors (SQLITE_FULL, SQLITE_IOERR, ...) SQLite has already rolled the transaction back; a second
  // ROLLBACK would fail with "no transaction is active" and that error would hide the real one.
  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    try {
      await connection.executeQuery(CompiledQuery.raw('rollback'));
    } catch (err) {
      if (!/no transaction is active/i.test((err as Error).message)) throw err;
    }
  }

  async savepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`savepoint "${name}"`));
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`rollback to "${name}"`));
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(`release "${name}"`));
  }

  async releaseConnection(): Promise<void> {
    this.#lock.release();
  }

  async destroy(): Promise<void> {
    this.#db.close();
  }
}

/** The SQLite dialect over one better-sqlite3 handle, with the busy policy above. */
export class BusyWaitingSqliteDialect implements Dialect {
  readonly #db: BetterSqlite3.Database;
  readonly #policy: BusyPolicy;

  constructor(db: BetterSqlite3.Database, policy: Partial<BusyPolicy> = {}) {
    this.#db = db;
    this.#policy = { ...DEFAULT_BUSY_POLICY, ...policy };
    db.pragma(`busy_timeout = ${Math.max(0, Math.round(this.#policy.busyTimeoutMs))}`);
  }

  createDriver(): Driver {
    return new BusyWaitingDriver(this.#db, this.#policy);
  }

  createQueryCompiler(): QueryCompiler {
    return new SqliteQueryCompiler();
  }

  createAdapter() {
    return new FifoLockedSqliteAdapter();
  }

  createIntrospector(db: Kysely<any>) {
    return new SqliteIntrospector(db);
  }
}
