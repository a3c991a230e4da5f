// The hashing cost seam: production hashes at N=2^17; the test suite's cheaper hashes record their cost, so the
// same verifyPassword checks both.

import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dummyPasswordHash, hashPassword, passwordHashCost, PRODUCTION_LOG_N, setPasswordHashCost, verifyPassword } from '../../src/security/password';
import { TEST_PASSWORD_LOG_N, withProductionPasswordCost } from '../helpers/passwords';

describe('password hashing cost', () => {
  it('hashes at N=2^17, r=8, p=1 in production', async () => {
    expect(PRODUCTION_LOG_N).toBe(17);
    const hash = await withProductionPasswordCost(() => hashPassword('production strength passphrase'));
    expect(hash).toMatch(/^scrypt\$17\$8\$1\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(await verifyPassword('production strength passphrase', hash)).toBe(true);
    expect(await verifyPassword('production strength passphrasf', hash)).toBe(false);
    expect(passwordHashCost()).toBe(TEST_PASSWORD_LOG_N);
  });

  it('records a lower cost in the hash, and verification uses the recorded cost', async () => {
    const hash = await hashPassword('cheap test passphrase');
    expect(hash).toMatch(new RegExp(`^scrypt\\$${TEST_PASSWORD_LOG_N}\\$8\\$1\\$`));
    expect(await verifyPassword('cheap test passphrase', hash)).toBe(true);
    // the same salt and key read at another cost is another hash
    expect(await verifyPassword('cheap test passphrase', hash.replace(`scrypt$${TEST_PASSWORD_LOG_N}$`, `scrypt$${TEST_PASSWORD_LOG_N + 1}$`))).toBe(false);
    expect(await verifyPassword('cheap test passphrase', hash.replace(`scrypt$${TEST_PASSWORD_LOG_N}$`, 'scrypt$9$'))).toBe(false);
  });

  it('keeps the dummy hash (unknown accounts) at the cost of new hashes', async () => {
    expect(await dummyPasswordHash()).toMatch(new RegExp(`^scrypt\\$${TEST_PASSWORD_LOG_N}\\$`));
    expect(await withProductionPasswordCost(() => dummyPasswordHash())).toMatch(/^scrypt\$17\$/);
  });

  it('refuses a cost verification would refuse', () => {
    for (const bad of [9, 21, 10.5, Number.NaN]) expect(() => setPasswordHashCost(bad), String(bad)).toThrow(RangeError);
    expect(passwordHashCost()).toBe(TEST_PASSWORD_LOG_N);
  });

  it('is lowered nowhere in the application', () => {
    const callers: string[] = [];
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const file = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(file);
        else if (/\.ts$/.test(entry.name) && file !== path.join('src', 'security', 'password.ts') && fs.readFileSync(file, 'utf8').includes('setPasswordHashCost')) callers.push(file);
      }
    };
    walk('src');
    expect(callers).toEqual([]);
  });
});
