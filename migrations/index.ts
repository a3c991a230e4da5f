// The explicit, ordered list of migrations (no directory scanning). Names sort in the order they run.

import type { MigrationContext } from './helpers';
import * as core from './20261125_0001_core';

export interface MigrationModule {
  up(ctx: MigrationContext): Promise<void>;
}

export const migrations: Record<string, MigrationModule> = {
  '20261125_0001_core': core,
};
