import { defineConfig } from 'vitest/config';

// Browser tests: real Chromium (Debian's package) driven by playwright-core against a listening server.
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['tests/e2e/**/*.test.ts'],
    // cheap password hashing where hashing is not under test (tests/helpers/passwords.ts)
    setupFiles: ['tests/setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    // tests/e2e/locales.test.ts checks a locale's pages concurrently: the server, the tests and Chromium take turns
    maxConcurrency: 3,
  },
});
