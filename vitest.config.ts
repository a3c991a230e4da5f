import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // forks, not threads: native addons (better-sqlite3) and worker threads don't mix
    pool: 'forks',
    include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts', 'tests/conformance/**/*.test.ts'],
    // cheap password hashing where hashing is not under test (tests/helpers/passwords.ts)
    setupFiles: ['tests/setup.ts'],
    // migrated and seeded template databases, copied into each test database (tests/helpers/templates.ts)
    globalSetup: ['tests/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
