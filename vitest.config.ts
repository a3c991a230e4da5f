import os from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // forks, not threads: native addons (better-sqlite3) and worker threads don't mix
    pool: 'forks',
    include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts', 'tests/conformance/**/*.test.ts'],
    // Files run one more at a time than there are cores (vitest's default, one fewer, is one at a time on two
    // cores; much of the time is spent waiting for PostgreSQL or for child processes: on two cores three workers
    // took 4.6 min on PostgreSQL where two took 6.4), at most six (each may hold a few database connections). A
    // worker runs its files one after another without reloading the modules they share (isolate: false): loading
    // the app again for each file cost about as much as running the shorter files. Nothing depends on a fresh
    // process: each file opens its own databases and apps, and the helpers' module state is counters and a cached
    // password hash.
    maxWorkers: Math.min(6, os.availableParallelism() + 1),
    isolate: false,
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
