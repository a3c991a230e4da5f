// Password hashing cost in the test suite. scrypt at the production cost (N=2^17, about 0.5 s of one core, more on
// a loaded machine) made every account creation and sign-in slow; tests that do not test hashing get N=2^10
// (tests/setup.ts sets it for every file). The cost is stored with each hash and verifyPassword reads it from
// there, so cheap hashes are verified exactly as production ones are. Tests of hashing itself use
// withProductionPasswordCost.

import { PRODUCTION_LOG_N, setPasswordHashCost } from '../../src/security/password';

/** log2 of scrypt's N for new hashes in tests (the lowest verifyPassword accepts). */
export const TEST_PASSWORD_LOG_N = 10;

export function useTestPasswordCost(): void {
  setPasswordHashCost(TEST_PASSWORD_LOG_N);
}

/** Runs fn with new hashes made at the production cost, then goes back to the test cost. */
export async function withProductionPasswordCost<T>(fn: () => Promise<T>): Promise<T> {
  setPasswordHashCost(PRODUCTION_LOG_N);
  try {
    return await fn();
  } finally {
    useTestPasswordCost();
  }
}
