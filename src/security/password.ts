// Password hashing with scrypt (N=2^17, r=8, p=1): parameters are stored with each hash so they can be raised later.
// Passwords are hashed exactly as typed (UTF-8, no trimming or Unicode normalisation).
// The test suite lowers the cost of new hashes (setPasswordHashCost, from tests/setup.ts) where hashing itself is not
// under test; verification always uses the cost stored with the hash, so a cheap hash is still checked for real.

import crypto from 'node:crypto';
import { promisify } from 'node:util';
import { english, msg, type Message } from '../i18n/messages';

const scrypt = promisify(crypto.scrypt) as (
  password: crypto.BinaryLike,
  salt: crypto.BinaryLike,
  keylen: number,
  options: crypto.ScryptOptions,
) => Promise<Buffer>;

/** log2 of scrypt's N for new hashes in production. */
export const PRODUCTION_LOG_N = 17;
/** The lowest cost verifyPassword accepts (and so the lowest a hash may be made with). */
const MIN_LOG_N = 10;
let newHashLogN = PRODUCTION_LOG_N;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
// 128 * N * r bytes = 128 MiB at N=2^17; Node's default limit is 32 MiB
const MAX_MEM = 256 * 1024 * 1024;

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 1024;

/**
 * Sets log2 of scrypt's N for new hashes (10 to 20); for tests that do not test hashing. Nothing in the application
 * calls it: production hashes at PRODUCTION_LOG_N.
 */
export function setPasswordHashCost(newLogN: number): void {
  if (!(Number.isInteger(newLogN) && newLogN >= MIN_LOG_N && newLogN <= 20)) throw new RangeError(`scrypt log2(N) must be an integer from ${MIN_LOG_N} to 20`);
  newHashLogN = newLogN;
}

/** log2 of scrypt's N that new hashes are made with. */
export function passwordHashCost(): number {
  return newHashLogN;
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const cost = newHashLogN;
  const key = await scrypt(password, salt, KEY_LENGTH, { N: 2 ** cost, r: R, p: P, maxmem: MAX_MEM });
  return ['scrypt', cost, R, P, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [logN, r, p] = parts.slice(1, 4).map(Number);
  const salt = Buffer.from(parts[4], 'base64');
  const expected = Buffer.from(parts[5], 'base64');
  if (!(logN >= MIN_LOG_N && logN <= 20 && r >= 1 && r <= 32 && p >= 1 && p <= 16) || expected.length === 0) return false;
  const key = await scrypt(password, salt, expected.length, { N: 2 ** logN, r, p, maxmem: MAX_MEM });
  return crypto.timingSafeEqual(key, expected);
}

/**
 * A hash of a random password, checked against when the account does not exist so both cases take as long (made
 * at the cost new hashes are made with, so one per cost).
 */
const dummyHashes = new Map<number, Promise<string>>();
export function dummyPasswordHash(): Promise<string> {
  let hash = dummyHashes.get(newHashLogN);
  if (!hash) dummyHashes.set(newHashLogN, (hash = hashPassword(crypto.randomBytes(18).toString('base64'))));
  return hash;
}

/** Null when acceptable, else the reason as a message. Passwords are used exactly as typed (Unicode allowed). */
export function passwordLengthMessage(password: string): Message | null {
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) return msg('must be at least {min, plural, one {# character} other {# characters}}', { min: PASSWORD_MIN_LENGTH });
  if (length > PASSWORD_MAX_LENGTH) return msg('must be at most {max, plural, one {# character} other {# characters}}', { max: PASSWORD_MAX_LENGTH });
  return null;
}

/** Null when acceptable, else the reason (in English). */
export function passwordProblem(password: string): string | null {
  const m = passwordLengthMessage(password);
  return m ? english(m.key, m.params) : null;
}

/** A random password for generated accounts: 20 characters from an unambiguous alphabet. */
export function randomPassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = crypto.randomBytes(20);
  return Array.from(bytes, (b) => alphabet[b % alphabet.length]).join('');
}
