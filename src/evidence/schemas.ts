// Request schemas shared by the evidence pages and API.

import { Type, type Static } from '@sinclair/typebox';

import { optionalText } from '../http/schemas';

export { IdParams } from '../http/schemas';

export const EvidenceQuery = Type.Object({
  framework: optionalText(64),
  benchmark: optionalText(64),
  pillar: optionalText(64),
  group: optionalText(64),
  status: Type.Optional(Type.Union([Type.Literal(''), ...['draft', 'submitted', 'verified', 'rejected', 'retracted', 'superseded'].map((s) => Type.Literal(s))])),
  tlp: Type.Optional(Type.Union([Type.Literal(''), ...['CLEAR', 'GREEN', 'AMBER', 'RED'].map((s) => Type.Literal(s))])),
  from: Type.Optional(Type.Union([Type.Literal(''), Type.String({ format: 'date' })])),
  to: Type.Optional(Type.Union([Type.Literal(''), Type.String({ format: 'date' })])),
  q: optionalText(200),
  evaluator: optionalText(320),
  older_than_days: Type.Optional(Type.Union([Type.Literal(''), Type.String({ pattern: '^[0-9]{1,4}$' })])),
  page: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,5}$' })),
  limit: Type.Optional(Type.String({ pattern: '^[1-9][0-9]{0,2}$' })),
});
export type EvidenceQuery = Static<typeof EvidenceQuery>;

export const ReasonBody = Type.Object({ reason: Type.Optional(Type.String({ maxLength: 4000 })), _csrf: Type.Optional(Type.String()) });
export type ReasonBody = Static<typeof ReasonBody>;
