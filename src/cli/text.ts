// Sentences several commands print on stderr.

import type { ImportSummary } from '../framework/import-service';

export const counted = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export const headText = (head: string | null) => head ?? 'empty (no entries yet)';

export function describeImport(s: ImportSummary): string {
  const fw = s.framework ? `framework ${s.framework.code} ${s.framework.change}; ` : '';
  const e = s.evidence;
  return `${s.dryRun ? 'dry run, nothing written: ' : ''}${fw}evidence ${e.created} created, ${e.updated} updated, ${e.unchanged} unchanged`;
}
