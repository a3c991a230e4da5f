// Runs once per test run, before any test file (vitest globalSetup): builds the template databases the test
// databases are copied from (tests/helpers/templates.ts) and removes them at the end.

import type { TestProject } from 'vitest/node';
import { buildTemplates } from './helpers/templates';

export default async function setup(project: TestProject) {
  const url = process.env.TEST_DATABASE_URL ?? '';
  try {
    const built = await buildTemplates(/^postgres(ql)?:\/\//.test(url) ? url : null);
    project.provide('pactwatchDbTemplates', built.templates);
    return () => built.remove();
  } catch (err) {
    // the tests still run, each migrating (and seeding) its own databases: slower, not different
    console.warn(`no template databases (${(err as Error).message}); every test database is migrated and seeded itself`);
    project.provide('pactwatchDbTemplates', null);
    return undefined;
  }
}
