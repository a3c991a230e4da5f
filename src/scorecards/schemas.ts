// Request schemas of the scorecard pages and GET /api/v1/scorecard: the time-travel query every page takes, and
// the code of a benchmark, pillar or group in the path.

import { Type, type Static } from '@sinclair/typebox';
import { optionalText } from '../http/schemas';

export const ScorecardQuery = Type.Object({
  framework: optionalText(64),
  group: optionalText(64),
  as_of: optionalText(40),
  known_at: optionalText(40),
  perspective: optionalText(64),
});
export type ScorecardQuery = Static<typeof ScorecardQuery>;

export const CodeParams = Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }) });
export type CodeParams = Static<typeof CodeParams>;

/** A benchmark page: the view, and which page of its counted findings to list (1 when absent). */
export const BenchmarkQuery = Type.Object({
  ...ScorecardQuery.properties,
  page: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,5}$' })),
});
export type BenchmarkQuery = Static<typeof BenchmarkQuery>;
