import { defineConfig } from 'vitest/config';

// Fault tests: the real server and the real command as child processes on real databases, under load
// (tests/faults/). Slow, so apart from the default run: `npm run test:faults`.
export default defineConfig({
  test: {
    // forks, not threads: native addons (better-sqlite3) and worker threads don't mix
    pool: 'forks',
    include: ['tests/faults/**/*.test.ts'],
    // one at a time: each runs a server and an import or report beside it, and measures how long requests take
    fileParallelism: false,
    testTimeout: 300_000,
    hookTimeout: 120_000,
  },
});
