// Transactions owned by the caller. A service takes `db`, which may be the database or a transaction its caller
// already opened; `inTransaction` joins that transaction or opens one, so several services can make one atomic
// change. `onCommit` runs work only once the outermost transaction has committed (caches, notifications, jobs:
// nothing that a rollback would have to take back).

import type { Kysely, Transaction } from 'kysely';
import type { Database } from './schema';

type Hook = () => void | Promise<void>;

const hooksOf = new WeakMap<Kysely<Database>, Hook[]>();

/** Where a failing after-commit hook is reported (the change itself is committed whatever the hook does). */
let reportHookFailure: (err: unknown) => void = (err) => process.stderr.write(`after-commit work failed: ${(err as Error)?.message ?? String(err)}\n`);

export function onHookFailure(report: (err: unknown) => void): void {
  reportHookFailure = report;
}

/** Runs `work` in the caller's transaction if `db` is one, else in a new transaction; then its after-commit hooks. */
export async function inTransaction<T>(db: Kysely<Database>, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  if (db.isTransaction) return work(db as Transaction<Database>);
  const hooks: Hook[] = [];
  const result = await db.transaction().execute(async (trx) => {
    hooksOf.set(trx, hooks);
    return work(trx);
  });
  for (const hook of hooks) {
    try {
      await hook();
    } catch (err) {
      reportHookFailure(err);
    }
  }
  return result;
}

/**
 * Runs `hook` after the transaction `db` belongs to commits (never if it rolls back); outside a transaction, at
 * once. A transaction opened without `inTransaction` cannot take hooks: that is a programming error.
 */
export function onCommit(db: Kysely<Database>, hook: Hook): void {
  if (!db.isTransaction) {
    void Promise.resolve().then(hook).catch(reportHookFailure);
    return;
  }
  const hooks = hooksOf.get(db);
  if (!hooks) throw new Error('onCommit: this transaction was not opened with inTransaction');
  hooks.push(hook);
}
