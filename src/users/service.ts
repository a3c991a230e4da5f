// Creating accounts: validates e-mail, role, delegation and password, hashes the password, stores the user.

import type { Kysely } from 'kysely';
import { inTransaction } from '../db/transaction';
import { ROLES, type Database, type Role, type UserRow } from '../db/schema';
import { hashPassword, randomPassword, verifyPassword } from '../security/password';
import { passwordPolicyMessage } from '../security/password-policy';
import { msg } from '../i18n/messages';
import crypto from 'node:crypto';
import { validationError, conflict, notFound, problem, type FieldProblem } from '../errors';
import { nowIso, type Clock, systemClock } from '../time';
import { findUserByEmail, insertUser } from './repository';
import { delegationsOf, listFrameworks, loadFrameworkTree } from '../framework/repository';
import type { ImportDelegation } from '../framework/import-types';
import { appendAudit, passwordFingerprint, SYSTEM_ACTOR, type Actor } from '../audit/log';

/**
 * The delegations a user may belong to: those of the frameworks loaded (each framework file lists its own, e.g. the
 * demanding states and the secretariat). Before any framework is loaded there is nothing to read, so any
 * well-formed code is taken.
 */
export async function allowedDelegations(db: Kysely<Database>): Promise<ImportDelegation[] | null> {
  const trees = await Promise.all((await listFrameworks(db)).map((fw) => loadFrameworkTree(db, fw)));
  if (trees.length === 0) return null;
  const byCode = new Map<string, ImportDelegation>();
  for (const tree of trees) for (const d of delegationsOf(tree)) if (!byCode.has(d.code)) byCode.set(d.code, d);
  return [...byCode.values()];
}

const DELEGATION_CODE = /^[A-Z][A-Z0-9_-]{0,15}$/;

function delegationProblem(delegation: string | null | undefined, allowed: ImportDelegation[] | null): FieldProblem | null {
  if (delegation == null || delegation === '') return null;
  if (allowed === null) return DELEGATION_CODE.test(delegation) ? null : { path: 'delegation', message: 'must be a delegation code (capital letters and digits)' };
  return allowed.some((d) => d.code === delegation) ? null : problem('delegation', 'must be one of {choices}', { choices: allowed.map((d) => d.code).join(', ') });
}

export interface NewUserInput {
  email: string;
  name?: string | null;
  role: string;
  delegation?: string | null;
  password: string;
}

const EMAIL_RE = /^[^\s@<>()",;]+@[^\s@<>()",;]+\.[^\s@<>()",;]+$|^[^\s@<>()",;]+@localhost$|^[^\s@<>()",;]+@[a-z0-9-]+\.local$/i;

/** What is wrong with an account's fields; the password is checked against the policy when given. */
export function userInputProblems(input: Omit<NewUserInput, 'password'> & { password?: string }, delegations: ImportDelegation[] | null): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const email = input.email.trim();
  if (email.length === 0) problems.push({ path: 'email', message: 'is required' });
  else if (email.length > 254 || !EMAIL_RE.test(email)) problems.push({ path: 'email', message: 'must be an e-mail address' });
  if (!(ROLES as readonly string[]).includes(input.role)) {
    problems.push(problem('role', 'must be one of {choices}', { choices: ROLES.join(', ') }));
  }
  const delegation = delegationProblem(input.delegation, delegations);
  if (delegation) problems.push(delegation);
  if (input.name != null && input.name.length > 200) problems.push({ path: 'name', message: 'must be at most 200 characters' });
  const pw = input.password === undefined ? null : passwordPolicyMessage(input.password, { email: input.email, name: input.name });
  if (pw) problems.push(problem('password', pw.key, pw.params));
  return problems;
}

export async function createUser(db: Kysely<Database>, input: NewUserInput, clock: Clock = systemClock, actor: Actor = SYSTEM_ACTOR): Promise<UserRow> {
  const problems = userInputProblems(input, await allowedDelegations(db));
  if (problems.length) throw validationError(problems);
  // hash before the transaction: never hold the write lock over slow work
  return insertAccount(db, input, await hashPassword(input.password), clock, actor);
}

/** Stores a validated account with its password hash, and logs it, in the caller's transaction or a new one. */
async function insertAccount(db: Kysely<Database>, input: NewUserInput, passwordHash: string, clock: Clock, actor: Actor): Promise<UserRow> {
  const email = input.email.trim().toLowerCase();
  return inTransaction(db, async (trx) => {
    if (await findUserByEmail(trx, email)) throw conflict(msg('a user with e-mail {email} already exists', { email }));
    const now = nowIso(clock);
    const user = await insertUser(trx, {
      email,
      name: input.name?.trim() || email.split('@')[0],
      password_hash: passwordHash,
      role: input.role as Role,
      delegation: input.delegation || null,
      disabled_at: null,
      created_at: now,
      updated_at: now,
    });
    await appendAudit(trx, {
      actor,
      action: 'user.created',
      entityType: 'user',
      entityId: user.id,
      content: { email: user.email, name: user.name, role: user.role, delegation: user.delegation, password_fingerprint: passwordFingerprint(user.password_hash) },
      at: now,
    });
    return user;
  });
}

// ---- the account lifecycle (admin pages and `pactwatch user ...`) -------------------------------------------

export interface UserChanges {
  name?: string | null;
  role?: string;
  delegation?: string | null;
}

const INVITE_HOURS = 72;
const RESET_HOURS = 24;

async function loadUser(trx: Kysely<Database>, id: number): Promise<UserRow> {
  const user = await trx.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  if (!user) throw notFound('No such user');
  return user;
}

async function enabledAdminsOtherThan(trx: Kysely<Database>, id: number): Promise<number> {
  const row = await trx
    .selectFrom('users')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('role', '=', 'admin')
    .where('disabled_at', 'is', null)
    .where('id', '!=', id)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Ends every session and revokes every API token of a user (disabled, or privileges changed). */
async function endAccess(trx: Kysely<Database>, userId: number, now: string, tokensToo: boolean): Promise<void> {
  await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
  if (tokensToo) await trx.updateTable('api_tokens').set({ revoked_at: now }).where('user_id', '=', userId).where('revoked_at', 'is', null).execute();
}

/** The ids of the user's tokens revoked at `now`: endAccess stamps every token it revokes with its transaction's time. */
async function tokensRevokedAt(trx: Kysely<Database>, userId: number, now: string): Promise<number[]> {
  const rows = await trx.selectFrom('api_tokens').select('id').where('user_id', '=', userId).where('revoked_at', '=', now).orderBy('id').execute();
  return rows.map((r) => r.id);
}

/** Changes name, role or delegation. A change of role or delegation ends the user's sessions (new sign-in, new id). */
export async function updateUser(db: Kysely<Database>, actor: Actor, id: number, changes: UserChanges, clock: Clock = systemClock): Promise<UserRow> {
  const problems: FieldProblem[] = [];
  if (changes.role !== undefined && !(ROLES as readonly string[]).includes(changes.role)) problems.push(problem('role', 'must be one of {choices}', { choices: ROLES.join(', ') }));
  const delegation = delegationProblem(changes.delegation, await allowedDelegations(db));
  if (delegation) problems.push(delegation);
  if (changes.name != null && (changes.name.trim().length === 0 || changes.name.length > 200 || /[\u0000-\u001f\u007f]/.test(changes.name))) {
    problems.push({ path: 'name', message: 'must be 1 to 200 characters without control characters' });
  }
  if (problems.length) throw validationError(problems);
  return inTransaction(db, async (trx) => {
    const before = await loadUser(trx, id);
    const after = {
      name: changes.name != null ? changes.name.trim() : before.name,
      role: (changes.role ?? before.role) as Role,
      delegation: changes.delegation === undefined ? before.delegation : changes.delegation || null,
    };
    if (before.role === 'admin' && after.role !== 'admin' && !before.disabled_at && (await enabledAdminsOtherThan(trx, id)) === 0) {
      throw conflict('This is the last enabled administrator: make another user admin first');
    }
    if (after.name === before.name && after.role === before.role && after.delegation === before.delegation) return before;
    const now = nowIso(clock);
    const updated = await trx.updateTable('users').set({ ...after, updated_at: now }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    const privilegeChanged = after.role !== before.role || after.delegation !== before.delegation;
    if (privilegeChanged) await endAccess(trx, id, now, false);
    await appendAudit(trx, {
      actor,
      action: 'user.updated',
      entityType: 'user',
      entityId: id,
      content: { before: { name: before.name, role: before.role, delegation: before.delegation }, after, sessions_ended: privilegeChanged },
      at: now,
    });
    return updated;
  });
}

/** Disables (ending all sessions and tokens at once) or re-enables an account. */
export async function setUserDisabled(db: Kysely<Database>, actor: Actor, id: number, disabled: boolean, clock: Clock = systemClock): Promise<UserRow> {
  return inTransaction(db, async (trx) => {
    const user = await loadUser(trx, id);
    if (disabled && actor.id === id) throw conflict('You cannot disable your own account');
    if (disabled && user.role === 'admin' && !user.disabled_at && (await enabledAdminsOtherThan(trx, id)) === 0) {
      throw conflict('This is the last enabled administrator');
    }
    if (Boolean(user.disabled_at) === disabled) return user;
    const now = nowIso(clock);
    const updated = await trx.updateTable('users').set({ disabled_at: disabled ? now : null, updated_at: now }).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
    if (disabled) await endAccess(trx, id, now, true);
    await appendAudit(trx, { actor, action: disabled ? 'user.disabled' : 'user.enabled', entityType: 'user', entityId: id, content: { email: user.email, ...(disabled ? { revoked_tokens: await tokensRevokedAt(trx, id, now) } : {}) }, at: now });
    return updated;
  });
}

/** A one-time code to set a password (invitation or reset), valid for a limited time; earlier codes stop working. */
export async function issuePasswordCode(
  db: Kysely<Database>,
  actor: Actor,
  userId: number,
  purpose: 'invite' | 'reset',
  clock: Clock = systemClock,
): Promise<{ code: string; expiresAt: string }> {
  const code = crypto.randomBytes(24).toString('base64url');
  return inTransaction(db, async (trx) => {
    const user = await loadUser(trx, userId);
    if (user.disabled_at) throw conflict('The account is disabled: enable it first');
    const now = nowIso(clock);
    const expiresAt = new Date(clock().getTime() + (purpose === 'invite' ? INVITE_HOURS : RESET_HOURS) * 3_600_000).toISOString();
    await trx.updateTable('password_resets').set({ used_at: now }).where('user_id', '=', userId).where('used_at', 'is', null).execute();
    await trx
      .insertInto('password_resets')
      .values({ user_id: userId, token_hash: hashCode(code), purpose, created_by: actor.id, created_at: now, expires_at: expiresAt, used_at: null })
      .execute();
    await appendAudit(trx, { actor, action: 'user.password_code_issued', entityType: 'user', entityId: userId, content: { purpose, expires_at: expiresAt }, at: now });
    return { code, expiresAt };
  });
}

const hashCode = (code: string) => crypto.createHash('sha256').update(code).digest('hex');

/** Creates an account without a usable password and returns a one-time code to set one. */
export async function inviteUser(
  db: Kysely<Database>,
  actor: Actor,
  input: Omit<NewUserInput, 'password'>,
  clock: Clock = systemClock,
): Promise<{ user: UserRow; code: string; expiresAt: string }> {
  // a random password nobody knows, replaced when the invitation is used; not run through the strength estimate,
  // which it passes by construction and which takes 0.1-1 s of blocked event loop on 41 random characters
  const password = `${randomPassword()}-${randomPassword()}`;
  const problems = userInputProblems(input, await allowedDelegations(db));
  if (problems.length) throw validationError(problems);
  const passwordHash = await hashPassword(password);
  // the account and its invitation together: never an invited account that nobody can open
  return inTransaction(db, async (trx) => {
    const user = await insertAccount(trx, { ...input, password }, passwordHash, clock, actor);
    const { code, expiresAt } = await issuePasswordCode(trx, actor, user.id, 'invite', clock);
    return { user, code, expiresAt };
  });
}

/** Looks up a one-time code; null when unknown, used or expired. */
export async function findPasswordCode(db: Kysely<Database>, code: string, clock: Clock = systemClock) {
  if (!/^[A-Za-z0-9_-]{20,64}$/.test(code)) return null;
  const row = await db
    .selectFrom('password_resets')
    .innerJoin('users', 'users.id', 'password_resets.user_id')
    .select(['password_resets.id', 'password_resets.user_id', 'password_resets.expires_at', 'password_resets.used_at', 'password_resets.purpose', 'users.email', 'users.name', 'users.disabled_at'])
    .where('token_hash', '=', hashCode(code))
    .executeTakeFirst();
  if (!row || row.used_at || row.disabled_at || Date.parse(row.expires_at) <= clock().getTime()) return null;
  return row;
}

/** Sets a password with a one-time code; ends the user's other sessions and revokes their API tokens. */
export async function setPasswordWithCode(db: Kysely<Database>, code: string, password: string, clock: Clock = systemClock): Promise<UserRow> {
  const found = await findPasswordCode(db, code, clock);
  if (!found) throw validationError([{ path: 'code', message: 'this link is not valid: it was used, has expired, or was replaced by a newer one' }]);
  const weak = passwordPolicyMessage(password, { email: found.email, name: found.name });
  if (weak) throw validationError([problem('password', weak.key, weak.params)]);
  const hash = await hashPassword(password);
  return inTransaction(db, async (trx) => {
    const now = nowIso(clock);
    const claimed = await trx.updateTable('password_resets').set({ used_at: now }).where('id', '=', found.id).where('used_at', 'is', null).executeTakeFirst();
    if (Number(claimed.numUpdatedRows) !== 1) throw validationError([{ path: 'code', message: 'this link was already used' }]);
    const user = await trx.updateTable('users').set({ password_hash: hash, updated_at: now }).where('id', '=', found.user_id).returningAll().executeTakeFirstOrThrow();
    await endAccess(trx, user.id, now, true);
    await appendAudit(trx, { actor: { id: user.id, label: user.email }, action: 'user.password_set', entityType: 'user', entityId: user.id, content: { via: found.purpose, password_fingerprint: passwordFingerprint(hash), revoked_tokens: await tokensRevokedAt(trx, user.id, now) }, at: now });
    return user;
  });
}

/** A signed-in user changes their own password; their other sessions end and their API tokens are revoked. */
export async function changeOwnPassword(
  db: Kysely<Database>,
  user: UserRow,
  current: string,
  next: string,
  clock: Clock = systemClock,
): Promise<void> {
  const problems: FieldProblem[] = [];
  if (!(await verifyPassword(current, user.password_hash))) problems.push({ path: 'current_password', message: 'is not your current password' });
  const weak = passwordPolicyMessage(next, { email: user.email, name: user.name });
  if (weak) problems.push(problem('new_password', weak.key, weak.params));
  else if (next === current) problems.push({ path: 'new_password', message: 'must differ from the current password' });
  if (problems.length) throw validationError(problems);
  const hash = await hashPassword(next);
  await inTransaction(db, async (trx) => {
    const now = nowIso(clock);
    await trx.updateTable('users').set({ password_hash: hash, updated_at: now }).where('id', '=', user.id).execute();
    await endAccess(trx, user.id, now, true);
    await appendAudit(trx, { actor: { id: user.id, label: user.email }, action: 'user.password_changed', entityType: 'user', entityId: user.id, content: { password_fingerprint: passwordFingerprint(hash), revoked_tokens: await tokensRevokedAt(trx, user.id, now) }, at: now });
  });
}

export async function listUsers(db: Kysely<Database>): Promise<UserRow[]> {
  return db.selectFrom('users').selectAll().orderBy('email').execute();
}
