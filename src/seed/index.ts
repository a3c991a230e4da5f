// The default four-state framework and the illustrative demo evidence, loaded through the ordinary import path.

import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import { importFileOrThrow, type ImportSummary } from '../framework/import-service';
import type { Clock } from '../time';
import type { Actor } from '../audit/log';

const here = (name: string) => fileURLToPath(new URL(name, import.meta.url));
export const DEFAULT_FRAMEWORK_FILE = here('./quad-2025.framework.json');
export const DEMO_EVIDENCE_FILE = here('./demo-evidence.json');

const readJson = (file: string): unknown => JSON.parse(fs.readFileSync(file, 'utf8'));

export interface SeedSummary {
  framework: ImportSummary;
  demo: ImportSummary | null;
}

/** Loads (or refreshes) the default framework; with `demo`, adds the demo evidence. Idempotent. */
export async function seedDefault(db: Kysely<Database>, options: { demo: boolean; clock?: Clock; actor?: Actor }): Promise<SeedSummary> {
  // read both files before writing, so a broken file fails before anything is written
  const framework = readJson(DEFAULT_FRAMEWORK_FILE);
  const evidence = options.demo ? readJson(DEMO_EVIDENCE_FILE) : null;
  const frameworkSummary = await importFileOrThrow(db, framework, { clock: options.clock, actor: options.actor });
  const demoSummary = evidence ? await importFileOrThrow(db, evidence, { clock: options.clock, actor: options.actor }) : null;
  return { framework: frameworkSummary, demo: demoSummary };
}
