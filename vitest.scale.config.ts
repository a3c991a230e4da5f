import { defineConfig } from 'vitest/config';

// The scale test (`npm run test:scale`): a generated data set of PACTWATCH_SCALE_ITEMS evidence items (300,000 by
// default, about a million findings over three years) on SQLite, or on the PostgreSQL of TEST_DATABASE_URL, and
// every page, export, report and a CLI import on it. Not part of `npm test`: it takes minutes. The bounds below
// catch a hang; the test asserts no timings.
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['tests/scale/**/*.test.ts'],
    // cheap password hashing where hashing is not under test (tests/helpers/passwords.ts)
    setupFiles: ['tests/setup.ts'],
    testTimeout: 3_600_000,
    hookTimeout: 3_600_000,
    fileParallelism: false,
  },
});
