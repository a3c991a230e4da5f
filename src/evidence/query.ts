// Turns list query parameters (pages and API alike) into repository filters and a page window.

import type { Kysely } from 'kysely';
import type { Database, EvidenceStatus } from '../db/schema';
import type { EvidenceFilters, EvidenceSort, ListPosition, ListWindow } from './repository';
import type { EvidenceQuery } from './schemas';
import { findFrameworkByCode } from '../framework/repository';
import { findUserByEmail } from '../users/repository';
import { notFound, problem, validationError } from '../errors';
import { msg } from '../i18n/messages';
import type { Clock } from '../time';

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 200;

export async function filtersFromQuery(db: Kysely<Database>, q: EvidenceQuery, clock: Clock): Promise<EvidenceFilters> {
  const filters: EvidenceFilters = {};
  if (q.framework) {
    const fw = await findFrameworkByCode(db, q.framework);
    if (!fw) throw notFound(msg('unknown framework "{frameworkCode}"', { frameworkCode: q.framework }));
    filters.frameworkId = fw.id;
  }
  if (q.benchmark) filters.benchmark = q.benchmark;
  if (q.pillar) filters.pillar = q.pillar;
  if (q.group) filters.group = q.group;
  if (q.status) filters.status = q.status as EvidenceStatus;
  if (q.tlp) filters.tlp = q.tlp;
  if (q.from) filters.from = q.from;
  if (q.to) filters.to = q.to;
  if (q.q?.trim()) filters.q = q.q.trim();
  if (q.evaluator?.trim()) {
    const user = await findUserByEmail(db, q.evaluator);
    filters.createdBy = user?.id ?? -1;
  }
  if (q.older_than_days) filters.submittedBefore = new Date(clock().getTime() - Number(q.older_than_days) * 86_400_000).toISOString();
  return filters;
}

/** Items an old `page=` link may skip (by OFFSET); further pages are reached by the next links (keyset). */
export const MAX_OFFSET = 5_000;

/** Which items of a list to show: `limit` items after (or before) a position in `sort` order, or page `page`. */
export interface PageWindow extends ListWindow {
  page: number;
  limit: number;
  offset: number;
  sort: EvidenceSort;
}

function position(field: 'after' | 'before', value: string, sort: EvidenceSort): ListPosition {
  const [date, id] = value.includes('.') ? value.split('.') : [undefined, value];
  if ((sort === 'observed') !== (date !== undefined)) {
    throw validationError([sort === 'observed' ? problem(field, 'must be a date and an id, as "2026-03-01.123", in the observed order') : problem(field, 'must be an id in the logged order')]);
  }
  return date === undefined ? { id: Number(id) } : { observed_on: date, id: Number(id) };
}

export function pageWindow(q: EvidenceQuery, defaultSize = DEFAULT_PAGE_SIZE): PageWindow {
  const limit = Math.min(Number(q.limit ?? defaultSize), MAX_PAGE_SIZE);
  const sort: EvidenceSort = q.sort || 'observed';
  const after = q.after ? position('after', q.after, sort) : undefined;
  const before = q.before ? position('before', q.before, sort) : undefined;
  if (after && before) throw validationError([problem('before', 'cannot be given together with {other}', { other: 'after' })]);
  const page = after || before ? 1 : Number(q.page ?? 1);
  const offset = (page - 1) * limit;
  if (offset > MAX_OFFSET) {
    throw validationError([problem('page', 'must be at most {max} with {limit} items a page; follow the "Next" links (after=) to read further', { max: Math.floor(MAX_OFFSET / limit) + 1, limit })]);
  }
  return { page, limit, offset, sort, after, before };
}
