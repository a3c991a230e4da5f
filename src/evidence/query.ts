// Turns list query parameters (pages and API alike) into repository filters and a page window.

import type { Kysely } from 'kysely';
import type { Database, EvidenceStatus } from '../db/schema';
import type { EvidenceFilters } from './repository';
import type { EvidenceQuery } from './schemas';
import { findFrameworkByCode } from '../framework/repository';
import { findUserByEmail } from '../users/repository';
import { notFound } from '../errors';
import type { Clock } from '../time';

export const DEFAULT_PAGE_SIZE = 25;
export const MAX_PAGE_SIZE = 200;

export async function filtersFromQuery(db: Kysely<Database>, q: EvidenceQuery, clock: Clock): Promise<EvidenceFilters> {
  const filters: EvidenceFilters = {};
  if (q.framework) {
    const fw = await findFrameworkByCode(db, q.framework);
    if (!fw) throw notFound(`unknown framework "${q.framework}"`);
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

/** Which items of a list to show: page `page` of `limit` items, from item `offset`. */
export interface PageWindow {
  page: number;
  limit: number;
  offset: number;
}

export function pageWindow(q: EvidenceQuery, defaultSize = DEFAULT_PAGE_SIZE): PageWindow {
  const limit = Math.min(Number(q.limit ?? defaultSize), MAX_PAGE_SIZE);
  const page = Number(q.page ?? 1);
  return { page, limit, offset: (page - 1) * limit };
}
