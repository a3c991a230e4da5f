// Creating accounts: validates e-mail, role, delegation and password, hashes the password, stores the user.

import type { Kysely } from 'kysely';
import { ROLES, type Database, type Role, type UserRow } from '../db/schema';
import { hashPassword, passwordProblem } from '../auth/password';
import { validationError, conflict, type FieldProblem } from '../errors';
import { nowIso, type Clock, systemClock } from '../time';
import { findUserByEmail, insertUser } from './repository';

/** Delegations a user may belong to: the four demanding states, or the monitoring secretariat. */
export const DELEGATIONS = ['PAK', 'CHN', 'RUS', 'IRN', 'SEC'] as const;

export interface NewUserInput {
  email: string;
  name?: string | null;
  role: string;
  delegation?: string | null;
  password: string;
}

const EMAIL_RE = /^[^\s@<>()",;]+@[^\s@<>()",;]+\.[^\s@<>()",;]+$|^[^\s@<>()",;]+@localhost$|^[^\s@<>()",;]+@[a-z0-9-]+\.local$/i;

export function userInputProblems(input: NewUserInput): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const email = input.email.trim();
  if (email.length === 0) problems.push({ path: 'email', message: 'is required' });
  else if (email.length > 254 || !EMAIL_RE.test(email)) problems.push({ path: 'email', message: 'must be an e-mail address' });
  if (!(ROLES as readonly string[]).includes(input.role)) {
    problems.push({ path: 'role', message: `must be one of ${ROLES.join(', ')}` });
  }
  if (input.delegation != null && input.delegation !== '' && !(DELEGATIONS as readonly string[]).includes(input.delegation)) {
    problems.push({ path: 'delegation', message: `must be one of ${DELEGATIONS.join(', ')}` });
  }
  if (input.name != null && input.name.length > 200) problems.push({ path: 'name', message: 'must be at most 200 characters' });
  const pw = passwordProblem(input.password);
  if (pw) problems.push({ path: 'password', message: pw });
  return problems;
}

export async function createUser(db: Kysely<Database>, input: NewUserInput, clock: Clock = systemClock): Promise<UserRow> {
  const problems = userInputProblems(input);
  if (problems.length) throw validationError(problems);
  const email = input.email.trim().toLowerCase();
  // hash before the transaction: never hold the write lock over slow work
  const passwordHash = await hashPassword(input.password);
  return db.transaction().execute(async (trx) => {
    if (await findUserByEmail(trx, email)) throw conflict(`a user with e-mail ${email} already exists`);
    const now = nowIso(clock);
    return insertUser(trx, {
      email,
      name: input.name?.trim() || email.split('@')[0],
      password_hash: passwordHash,
      role: input.role as Role,
      delegation: input.delegation || null,
      disabled_at: null,
      created_at: now,
      updated_at: now,
    });
  });
}
