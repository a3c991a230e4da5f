// One well-formed evidence item in each shape a request or a service takes it (API JSON, the page's form fields),
// and items made through the services in a given state.

import type { Kysely } from 'kysely';
import type { Database, UserRow } from '../../src/db/schema';
import { createEvidence, reviewEvidence } from '../../src/evidence/service';
import type { Fields } from './requests';

/** An item as the API and the services take it. */
export const evidenceItem = (extra: Record<string, unknown> = {}) => ({
  title: 'Joint border patrol observed',
  summary: 'Patrol of both sides seen.',
  source: 'Field observation',
  url: 'https://example.org/observation',
  observed_on: '2026-03-01',
  source_reliability: 'A',
  credibility: 1,
  groups: ['TTP'],
  tlp: 'GREEN',
  location: 'Torkham crossing',
  findings: [{ benchmark: 'BORDER-1', stance: 1 }],
  ...extra,
});

/** An item as the evidence form posts it. */
export const evidenceForm = (extra: Fields = {}): Fields => ({
  title: 'Border liaison meeting held',
  summary: 'A hotline was agreed.',
  source: 'Field report',
  url: 'https://example.org/report',
  observed_on: '2026-03-02',
  source_reliability: 'B',
  credibility: '2',
  tlp: 'GREEN',
  groups: ['TTP'],
  location: 'Torkham crossing',
  finding_benchmark_0: 'BORDER-1',
  finding_stance_0: '1',
  ...extra,
});

/** A draft of `author`'s; returns its id. */
export const draftBy = async (db: Kysely<Database>, author: UserRow) => (await createEvidence(db, author, null, evidenceItem(), { submit: false })).id;
/** An item of `author`'s awaiting review; returns its id. */
export const submittedBy = async (db: Kysely<Database>, author: UserRow) => (await createEvidence(db, author, null, evidenceItem(), { submit: true })).id;
/** An item of `author`'s that `checker` verified; returns its id. */
export async function verifiedBy(db: Kysely<Database>, author: UserRow, checker: UserRow): Promise<number> {
  const id = await submittedBy(db, author);
  await reviewEvidence(db, checker, id, 'verify', null);
  return id;
}
