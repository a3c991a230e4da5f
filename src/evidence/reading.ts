// What users read of evidence, for the pages, exports and the API: lists with everything shown of each item (loaded
// for the whole page at once; exports a chunk at a time), the review queue, one item with its history and what the reader may do to it, and
// the items the edit and correction forms start from. Every read goes through the need-to-know rule (policy.ts).

import type { Kysely } from 'kysely';
import type { Database, UserRow } from '../db/schema';
import { AppError, notFound } from '../errors';
import { msg, type Message } from '../i18n/messages';
import type { Clock } from '../time';
import { frameworkTreeFor, type FrameworkTree } from '../framework/repository';
import { assertReadable, evidencePolicy, type EvidencePolicy } from './policy';
import { evidenceHistory, findEvidence, listEvidence, loadEvidenceDetail, loadEvidenceDetails, restrictedCount, visibleRowChunks, type EvidenceDetail, type EvidencePage, type HistoryEntry } from './repository';
import { filtersFromQuery, pageWindow, type PageWindow } from './query';
import type { EvidenceQuery } from './schemas';

/** Lists count visible and restricted items up to this many matches ("at least 1,000")... */
export const COUNT_CAP = 1_000;
/** ...among at most this many candidate rows (by the indexed filters, in list order): a count's cost is bounded. */
export const COUNT_SCAN = 2_000;

/** Items an export reads (and writes) at a time: one query for them, then one per related table and 500 ids. */
export const EXPORT_CHUNK = 1_000;

/** The evidence page (a page of items) or the review queue (submitted items). */
export type ListingKind = 'browse' | 'queue';

export interface EvidenceListing {
  tree: FrameworkTree;
  window: PageWindow;
  page: EvidencePage;
  details: EvidenceDetail[];
}

/** A page of one framework's items the user may read, with the count of those they may not. */
export async function evidenceListing(db: Kysely<Database>, user: UserRow, query: EvidenceQuery, clock: Clock, kind: ListingKind): Promise<EvidenceListing> {
  const window = pageWindow(query);
  const tree = await frameworkTreeFor(db, query.framework);
  const filters = await filtersFromQuery(db, kind === 'queue' ? { ...query, status: 'submitted' } : query, clock);
  filters.frameworkId = tree.id;
  const page = await listEvidence(db, user, filters, window, { countCap: COUNT_CAP, countScan: COUNT_SCAN });
  return { tree, window, page, details: await loadEvidenceDetails(db, page.items, user) };
}

/** The API's list: items of every framework unless the query names one, 50 to a page unless it says otherwise. */
export async function apiListing(db: Kysely<Database>, user: UserRow, query: EvidenceQuery, clock: Clock) {
  const window = pageWindow(query, 50);
  const filters = await filtersFromQuery(db, query, clock);
  const page = await listEvidence(db, user, filters, window, { countCap: COUNT_CAP, countScan: COUNT_SCAN });
  return { window, page, details: await loadEvidenceDetails(db, page.items, user) };
}

export interface EvidenceExport {
  tree: FrameworkTree;
  /** the items, a chunk at a time, as the list shows them (same filters and order, every page) */
  chunks: AsyncGenerator<EvidenceDetail[]>;
  /** the restricted count of the list (exact; it never depends on the content filters) */
  restricted: () => Promise<number>;
}

/**
 * Every item of a list the user may read, for an export: read a chunk at a time as the consumer asks for them, so
 * an export of any size holds one chunk in memory. Nothing is capped; no transaction is held open.
 */
export async function evidenceExport(db: Kysely<Database>, user: UserRow, query: EvidenceQuery, clock: Clock, chunkSize = EXPORT_CHUNK): Promise<EvidenceExport> {
  const { sort } = pageWindow({ ...query, page: undefined, after: undefined, before: undefined });
  const tree = await frameworkTreeFor(db, query.framework);
  const filters = await filtersFromQuery(db, query, clock);
  filters.frameworkId = tree.id;
  async function* chunks() {
    for await (const rows of visibleRowChunks(db, user, filters, sort, chunkSize)) yield await loadEvidenceDetails(db, rows, user);
  }
  return { tree, chunks: chunks(), restricted: () => restrictedCount(db, user, filters) };
}

/** The latest verified items of a framework on a pillar or a group that the user may read, with the counts. */
export async function latestVerified(db: Kysely<Database>, user: UserRow, frameworkId: number, on: { pillar: string } | { group: string }, limit = 10) {
  const page = await listEvidence(db, user, { frameworkId, status: 'verified', ...on }, { limit }, { countCap: COUNT_CAP, countScan: COUNT_SCAN });
  return {
    items: page.items.map((r) => ({ id: r.id, title: r.title, observed_on: r.observed_on })),
    total: page.total,
    totalCapped: page.totalCapped,
    restricted: page.restricted,
    restrictedCapped: page.restrictedCapped,
    countLine: latestCountLine(page),
  };
}

/** "12 verified items you may see, 3 more restricted.": the counts under the latest items, in words. */
function latestCountLine(page: EvidencePage): Message {
  const count = page.total;
  const visible = page.totalCapped
    ? msg('At least {count, plural, one {# verified item} other {# verified items}} you may see', { count })
    : msg('{count, plural, one {# verified item} other {# verified items}} you may see', { count });
  if (!page.restricted) return msg('{visible}.', { visible });
  const more = page.restricted;
  const restricted = page.restrictedCapped ? msg('at least {more, plural, other {# more restricted}}', { more }) : msg('{more, plural, other {# more restricted}}', { more });
  return msg('{visible}, {restricted}.', { visible, restricted });
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
    throw form === 'edit' ? new AppError('CONFLICT', 'Only your own drafts can be edited') : new AppError('CONFLICT', 'Only a verified item can be corrected');
  }
  return { tree: await frameworkTreeFor(db, detail.framework), detail };
}

/** The item, with its framework, that a posted edit or correction form is about (whether it may be is the save's to say). */
export async function itemForPostedForm(db: Kysely<Database>, user: UserRow, id: number): Promise<ItemForm> {
  const detail = await readableItem(db, user, id);
  return { tree: await frameworkTreeFor(db, detail.framework), detail };
}
