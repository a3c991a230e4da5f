// Callers own transactions (issue 11): a service joins the transaction it is given, so several services make one
// atomic change; work registered with onCommit runs once, after the outermost commit, and never after a rollback.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inTransaction, onCommit } from '../../src/db/transaction';
import { inviteUser } from '../../src/users/service';
import { SYSTEM_ACTOR } from '../../src/audit/log';
import { closeTestDb, openTestDb } from '../helpers/db';
import type { Db } from '../../src/db/connect';

describe('transactions owned by the caller', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openTestDb();
  });
  afterAll(() => closeTestDb(db));

  const users = async () => Number((await db.kysely.selectFrom('users').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const codes = async () => Number((await db.kysely.selectFrom('password_resets').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

  it('runs after-commit work once the outermost transaction commits, in order, and not before', async () => {
    const seen: string[] = [];
    await inTransaction(db.kysely, async (trx) => {
      onCommit(trx, () => void seen.push('outer'));
      await inTransaction(trx, async (inner) => {
        onCommit(inner, () => void seen.push('inner'));
      });
      expect(seen).toEqual([]);
    });
    expect(seen).toEqual(['outer', 'inner']);
  });

  it('never runs after-commit work of a transaction that rolled back', async () => {
    const seen: string[] = [];
    await expect(
      inTransaction(db.kysely, async (trx) => {
        onCommit(trx, () => void seen.push('hook'));
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    await new Promise((r) => setTimeout(r, 10));
    expect(seen).toEqual([]);
  });

  it('keeps a committed change when after-commit work fails, and reports the failure', async () => {
    await expect(inTransaction(db.kysely, async (trx) => {
      onCommit(trx, () => {
        throw new Error('cache refresh failed');
      });
      await trx.insertInto('settings').values({ key: 'tx-test', value: 'kept' }).execute();
    })).resolves.toBeUndefined();
    const row = await db.kysely.selectFrom('settings').select('value').where('key', '=', 'tx-test').executeTakeFirst();
    expect(row?.value).toBe('kept');
  });

  it('invites a user in one transaction: the account and its one-time code together, or neither', async () => {
    const [u0, c0] = [await users(), await codes()];
    const invited = await inviteUser(db.kysely, SYSTEM_ACTOR, { email: 'invited@example.org', role: 'viewer', delegation: 'PAK' });
    expect([await users(), await codes()]).toEqual([u0 + 1, c0 + 1]);
    expect(invited.code).toMatch(/^[A-Za-z0-9_-]{20,}$/);
    // inside a caller's transaction that then fails, nothing of the invitation stays
    await expect(
      inTransaction(db.kysely, async (trx) => {
        await inviteUser(trx, SYSTEM_ACTOR, { email: 'rolled-back@example.org', role: 'viewer', delegation: 'PAK' });
        throw new Error('the admin page failed after inviting');
      }),
    ).rejects.toThrow('the admin page failed');
    expect([await users(), await codes()]).toEqual([u0 + 1, c0 + 1]);
  });
});
