import { defineConfig } from 'vitest/config';

// The fault suite: the real server as a child process under load while its database fails, fills, is killed or
// restarted. One file at a time (they start servers and change shared things like a PostgreSQL proxy).
export default defineConfig({
  test: {
    pool: 'forks',
    // plus, from the main suite, the backup taken while another process writes and the report periods by time zone
    include: ['tests/faults/**/*.test.ts', 'tests/integration/backup.test.ts', 'tests/integration/report-periods-tz.test.ts'],
    // cheap password hashing where hashing is not under test (tests/helpers/passwords.ts)
    setupFiles: ['tests/setup.ts'],
    // the import and report tests run a 15k-item import and build a 20k-item database
    testTimeout: 300_000,
    hookTimeout: 180_000,
    fileParallelism: false,
  },
});
