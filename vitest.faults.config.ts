import { defineConfig } from 'vitest/config';

// The fault suite: the real server as a child process under load while its database fails, fills, is killed or
// restarted. One file at a time (they start servers and change shared things like a PostgreSQL proxy).
export default defineConfig({
  test: {
    pool: 'forks',
    include: ['tests/faults/**/*.test.ts'],
    // the import and report tests run a 15k-item import and build a 20k-item database
    testTimeout: 300_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
