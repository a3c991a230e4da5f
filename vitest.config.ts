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
    // bounds for a hang, not expectations of speed: no test waits a fixed time or asserts how fast the machine is,
    // and tests run a few at a time on machines shared with other work (one took 30 s on two loaded cores)
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
});
