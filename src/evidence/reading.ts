// What users read of evidence, for the pages, exports and the API: lists with everything shown of each item (loaded
// for the whole list at once), the review queue, one item with its history and what the reader may do to it, and
// the items the edit and correction forms start from. Every read goes through the need-to-know rule (policy.ts).

import type { Kysely } from 'kysely';
import type { Database, UserRow } from '../db/schema';
import { AppError, notFound } from '../errors';
import type { Clock } from '../time';
import { frameworkTreeFor, type FrameworkTree } from '../framework/repository';
import { assertReadable, evidencePolicy, type EvidencePolicy } from './policy';
import { evidenceHistory, findEvidence, listEvidence, loadEvidenceDetail, loadEvidenceDetails, type EvidenceDetail, type EvidencePage, type HistoryEntry } from './repository';
import { filtersFromQuery, pageWindow, type PageWindow } from './query';
import type { EvidenceQuery } from './schemas';

/** The most items one export holds. */
export const MAX_EXPORT = 10_000;

/** The evidence page (a page of items), the review queue (submitted items), or an export (up to MAX_EXPORT items). */
export type ListingKind = 'browse' | 'queue' | 'export';

export interface EvidenceListing {
  tree: FrameworkTree;
  window: PageWindow;
  page: EvidencePage;
  details: EvidenceDetail[];
}

/** A list of one framework's items the user may read, with the count of those they may not. */
export async function evidenceListing(db: Kysely<Database>, user: UserRow, query: EvidenceQuery, clock: Clock, kind: ListingKind): Promise<EvidenceListing> {
  const tree = await frameworkTreeFor(db, query.framework);
  const filters = await filtersFromQuery(db, kind === 'queue' ? { ...query, status: 'submitted' } : query, clock);
  filters.frameworkId = tree.id;
  const window = kind === 'export' ? { page: 1, limit: MAX_EXPORT, offset: 0 } : pageWindow(query);
  const page = await listEvidence(db, user, filters, window);
  return { tree, window, page, details: await loadEvidenceDetails(db, page.items, user) };
}

/** The API's list: items of every framework unless the query names one, 50 to a page unless it says otherwise. */
export async function apiListing(db: Kysely<Database>, user: UserRow, query: EvidenceQuery, clock: Clock) {
  const filters = await filtersFromQuery(db, query, clock);
  const window = pageWindow(query, 50);
  const page = await listEvidence(db, user, filters, window);
  return { window, page, details: await loadEvidenceDetails(db, page.items, user) };
}

/** The latest verified items of a framework on a pillar or a group that the user may read, with the counts. */
export async function latestVerified(db: Kysely<Database>, user: UserRow, frameworkId: number, on: { pillar: string } | { group: string }, limit = 10) {
  const page = await listEvidence(db, user, { frameworkId, status: 'verified', ...on }, { offset: 0, limit });
  return { items: page.items.map((r) => ({ id: r.id, title: r.title, observed_on: r.observed_on })), total: page.total, restricted: page.restricted };
}

/** One item the user may read, with what is shown of it; 404 for any other. */
export async function readableItem(db: Kysely<Database>, user: UserRow, id: number): Promise<EvidenceDetail> {
  const row = await findEvidence(db, id);
  if (!row) throw notFound('No such evidence item');
  assertReadable(user, row);
  return loadEvidenceDetail(db, row, user);
}

export interface ItemView {
  detail: EvidenceDetail;
  history: HistoryEntry[];
  policy: EvidencePolicy;
}

/** One item with its history and what the user may do to it now (the item page, the API). */
export async function itemView(db: Kysely<Database>, user: UserRow, id: number): Promise<ItemView> {
  const detail = await readableItem(db, user, id);
  return { detail, history: await evidenceHistory(db, id, user), policy: evidencePolicy(user, detail.row) };
}

export interface ItemForm {
  tree: FrameworkTree;
  detail: EvidenceDetail;
}

/** The item, with its framework, that an edit form (`edit`) or a correction form (`correct`) starts from. */
export async function itemForForm(db: Kysely<Database>, user: UserRow, id: number, form: 'edit' | 'correct'): Promise<ItemForm> {
  const detail = await readableItem(db, user, id);
  if (!evidencePolicy(user, detail.row)[form]) {
    throw new AppError('CONFLICT', form === 'edit' ? 'Only your own drafts can be edited' : 'Only a verified item can be corrected');
  }
  return { tree: await frameworkTreeFor(db, detail.framework), detail };
}

/** The item, with its framework, that a posted edit or correction form is about (whether it may be is the save's to say). */
export async function itemForPostedForm(db: Kysely<Database>, user: UserRow, id: number): Promise<ItemForm> {
  const detail = await readableItem(db, user, id);
  return { tree: await frameworkTreeFor(db, detail.framework), detail };
}
