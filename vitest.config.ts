import os from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // forks, not threads: native addons (better-sqlite3) and worker threads don't mix
    pool: 'forks',
    include: ['tests/unit/**/*.test.ts', 'tests/integration/**/*.test.ts', 'tests/conformance/**/*.test.ts'],
    // Files run two or more at a time (vitest's default, one fewer than the cores, is one at a time on two cores;
    // much of the time here is spent waiting for PostgreSQL or for child processes). A worker process runs its
    // files one after another without reloading the modules they share (isolate: false): loading the app for each
    // file cost about as much as running the shorter files. Nothing depends on a fresh process: each file opens its
    // own databases and apps, and the helpers' module state is counters and a cached password hash.
    maxWorkers: Math.min(4, Math.max(2, os.availableParallelism())),
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
