// View models of the evidence desk's pages: the list, the review queue, one item, the evidence form and the import
// page. Plain data in, plain data out; what a user may do comes from policy.ts, templates only format.

import type { EvidenceRow, UserRow } from '../db/schema';
import type { FrameworkTree } from '../framework/repository';
import { RESTORED_NOTICE } from '../auth/saved-forms';
import { evidenceJson } from './present';
import { formView, semicolonList, type FormValues } from './form';
import { msg, type Message } from '../i18n/messages';
import { STATUS_LABELS, statusLabel } from './statuses';
import { ALLOWED_EXTENSIONS, MAX_ATTACHMENT_BYTES } from './attachments';
import { CSV_HEADER } from './bulk-import';
import { positionOf, type EvidenceDetail, type EvidencePage, type EvidenceSort } from './repository';
import type { EvidenceListing, ItemView } from './reading';
import type { PageWindow } from './query';
import type { EvidenceQuery } from './schemas';


/** What happened to an item, as its history lists it (the log's actions, in words). */
const HISTORY_LABELS: Readonly<Record<string, Message>> = {
  created: msg('created'),
  draft_updated: msg('draft updated'),
  submitted: msg('submitted'),
  verified: msg('verified'),
  rejected: msg('rejected'),
  retracted: msg('retracted'),
  superseded: msg('superseded'),
  correction_proposed: msg('correction proposed'),
  correction_created: msg('correction created'),
  attachment_added: msg('document attached'),
  imported: msg('imported'),
  import_updated: msg('updated by import'),
};

const STATUSES = Object.keys(STATUS_LABELS);
const TLPS = ['CLEAR', 'GREEN', 'AMBER', 'RED'];
const SORTS: [EvidenceSort, Message][] = [['observed', msg('Observed, newest first')], ['logged', msg('Logged, newest first')]];

/** Documents a user may attach: for the form's hint and the item page's upload field. */
export const ATTACHMENT_HINT = { maxMiB: MAX_ATTACHMENT_BYTES / 1024 / 1024, extensions: ALLOWED_EXTENSIONS.map((e) => `.${e}`).join(', ') };

type QueryValues = Record<string, string | undefined>;

function queryString(q: QueryValues, override: QueryValues = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries({ ...q, ...override })) if (v) params.set(k, v);
  return params.toString();
}

/** The filter form's choices, the current ones selected. */
function filterChoices(tree: FrameworkTree, q: EvidenceQuery) {
  return {
    benchmarks: tree.pillars.flatMap((p) => p.benchmarks).map((b) => ({ code: b.code, label: `${b.code} · ${b.title}`, selected: q.benchmark === b.code })),
    pillars: tree.pillars.map((p) => ({ code: p.code, label: p.name, selected: q.pillar === p.code })),
    groups: tree.groups.map((g) => ({ code: g.code, label: g.name, selected: q.group === g.code })),
    statuses: STATUSES.map((s) => ({ code: s, label: statusLabel(s), selected: q.status === s })),
    tlps: TLPS.map((s) => ({ code: s, label: s, selected: q.tlp === s })),
    sorts: SORTS.map(([code, label]) => ({ code, label, selected: (q.sort || 'observed') === code })),
  };
}

/** How a list cursor is written in links: `<observed_on>.<id>`, or `<id>` in the logged order (schemas.ts). */
export function listCursor(row: EvidenceRow, sort: EvidenceSort): string {
  const at = positionOf(row, sort);
  return at.observed_on === undefined ? String(at.id) : `${at.observed_on}.${at.id}`;
}

/** Previous, next and first-page links of a list page (keyset: after/before an item), keeping its filters and order. */
export function pager(path: string, q: QueryValues, window: PageWindow, page: EvidencePage) {
  const base: QueryValues = { ...q, page: undefined, after: undefined, before: undefined };
  const link = (override: QueryValues) => `${path}?${queryString(base, override)}`;
  const first = page.items[0];
  const last = page.items[page.items.length - 1];
  const prevHref = page.hasPrevious ? link(first ? { before: listCursor(first, window.sort) } : {}) : null;
  const nextHref = page.hasNext && last ? link({ after: listCursor(last, window.sort) }) : null;
  return { shown: prevHref !== null || nextHref !== null, firstHref: page.hasPrevious ? link({}) : null, prevHref, nextHref };
}

/** An item loaded by an import without an author (its creator is shown as "by import", not as a name). */
const isByImport = (detail: EvidenceDetail) => detail.row.created_by === null && detail.row.origin === 'import';

function itemSummary(detail: EvidenceDetail) {
  return { ...evidenceJson(detail, null), byImport: isByImport(detail), statusLabel: statusLabel(detail.row.status), findingsText: detail.findings.map((f) => `${f.benchmark} ${f.kind === 'assessment' ? (f.stance! > 0 ? `+${f.stance}` : f.stance) : `= ${f.value}`}`).join(', ') };
}

const IGNORED_FILTER_WORDS: Record<string, Message> = { q: msg('text'), createdBy: msg('evaluator'), tlp: msg('marking'), submittedBefore: msg('waiting time') };

/** "text and evaluator": the filters a restricted count ignored, in words for the page (null when none). */
function ignoredFilters(page: EvidencePage): Message | string | null {
  const words = page.restrictedIgnores.map((k): Message | string => (Object.hasOwn(IGNORED_FILTER_WORDS, k) ? IGNORED_FILTER_WORDS[k] : k));
  const [a, b, c, d] = words;
  switch (words.length) {
    case 0:
      return null;
    case 1:
      return a;
    case 2:
      return msg('{a} and {b}', { a, b });
    case 3:
      return msg('{a}, {b} and {c}', { a, b, c });
    default:
      return msg('{a}, {b}, {c} and {d}', { a, b, c, d: words.length === 4 ? d : words.slice(3).join(', ') });
  }
}

/** The review queue's count line: how many items wait, and how many more are restricted from the reviewer. */
function queueCount(page: EvidencePage, ignored: Message | string | null): Message {
  const count = page.total;
  const waiting = page.totalCapped
    ? msg('At least {count, plural, one {# item} other {# items}} waiting', { count })
    : msg('{count, plural, one {# item} other {# items}} waiting', { count });
  if (!page.restricted) return msg('{waiting}.', { waiting });
  const more = page.restricted;
  let restricted: Message;
  if (ignored) {
    restricted = page.restrictedCapped
      ? msg('at least {count, plural, other {# more are restricted from you}} (counted without the {filters} filter, which restricted items are never matched against)', { count: more, filters: ignored })
      : msg('{count, plural, other {# more are restricted from you}} (counted without the {filters} filter, which restricted items are never matched against)', { count: more, filters: ignored });
  } else {
    restricted = page.restrictedCapped
      ? msg('at least {count, plural, other {# more are restricted from you}}', { count: more })
      : msg('{count, plural, other {# more are restricted from you}}', { count: more });
  }
  return msg('{waiting}; {restricted}.', { waiting, restricted });
}

/** What both lists show: the filters, the counts (of hidden items too, both capped) and the pager. */
function listModel(path: string, listing: EvidenceListing, query: EvidenceQuery) {
  const q: QueryValues = { ...query, page: undefined, after: undefined, before: undefined };
  return {
    query,
    choices: filterChoices(listing.tree, query),
    total: listing.page.total,
    totalCapped: listing.page.totalCapped,
    restricted: listing.page.restricted,
    restrictedCapped: listing.page.restrictedCapped,
    restrictedIgnored: ignoredFilters(listing.page),
    restrictedMore: listing.page.restrictedCapped ? msg('at least {count} more', { count: listing.page.restricted }) : msg('{count} more', { count: listing.page.restricted }),
    pager: pager(path, q, listing.window, listing.page),
    exportQuery: queryString({ ...q, limit: undefined }),
  };
}

export function listPage(listing: EvidenceListing, query: EvidenceQuery) {
  const list = listModel('/evidence', listing, query);
  return {
    title: msg('Evidence'),
    ...list,
    items: listing.details.map(itemSummary),
    csvHref: `/evidence/export.csv?${list.exportQuery}`,
    jsonHref: `/evidence/export.json?${list.exportQuery}`,
  };
}

export function reviewPage(listing: EvidenceListing, query: EvidenceQuery, user: UserRow, now: Date) {
  const list = listModel('/review', listing, query);
  return {
    title: msg('Review queue'),
    ...list,
    countLine: queueCount(listing.page, list.restrictedIgnored),
    items: listing.details.map((d) => ({
      ...itemSummary(d),
      own: d.row.created_by === user.id,
      ageDays: d.row.submitted_at ? Math.floor((now.getTime() - Date.parse(d.row.submitted_at)) / 86_400_000) : null,
    })),
  };
}

export function itemPage(view: ItemView, user: UserRow) {
  const { detail, history, policy } = view;
  return {
    title: msg('Evidence #{id}: {title}', { id: String(detail.row.id), title: detail.row.title }),
    item: evidenceJson(detail, null),
    idText: String(detail.row.id),
    byImport: isByImport(detail),
    statusLabel: statusLabel(detail.row.status),
    credibilityText: String(detail.row.credibility),
    supersedesHref: detail.row.supersedes_id === null ? null : `/evidence/${detail.row.supersedes_id}`,
    supersedesText: detail.row.supersedes_id === null ? null : `#${detail.row.supersedes_id}`,
    correctHref: `/evidence/${detail.row.id}/correct`,
    findings: detail.findings,
    attachments: detail.attachments,
    history: history.map((h) => ({
      ...h,
      actionLabel: Object.hasOwn(HISTORY_LABELS, h.action) ? HISTORY_LABELS[h.action] : h.action,
      reason: typeof h.details.reason === 'string' ? h.details.reason : null,
      detailsText: describeHistory(h.action, h.details),
    })),
    showLogEntries: user.role === 'admin',
    correctedBy: detail.correctedBy.map((c) => ({ ...c, statusLabel: statusLabel(c.status) })),
    policy,
    ...ATTACHMENT_HINT,
  };
}

export type FormMode = 'new' | 'edit' | 'correct';

export interface FormPageInput {
  tree: FrameworkTree;
  mode: FormMode;
  values: FormValues;
  /** the item edited or corrected */
  item?: EvidenceDetail;
  errors?: Record<string, Message | string>;
  summary?: { field: string; message: Message | string }[];
  /** the one-time token of this form */
  formToken: string;
  /** the values come from a form kept across an expired session */
  restored?: boolean;
}

export function formPage(input: FormPageInput) {
  const { mode, item } = input;
  return {
    title: mode === 'new' ? msg('Log evidence') : mode === 'edit' ? msg('Edit draft #{id}', { id: String(item!.row.id) }) : msg('Correct item #{id}', { id: String(item!.row.id) }),
    action: mode === 'new' ? '/evidence/new' : `/evidence/${item!.row.id}/${mode}`,
    mode,
    item: item ? { id: item.row.id, idText: String(item.row.id), href: `/evidence/${item.row.id}`, title: item.row.title } : null,
    framework: { code: input.tree.code, name: input.tree.name },
    form: formView(input.tree, input.values, input.errors),
    formToken: input.formToken,
    restoredNotice: input.restored ? RESTORED_NOTICE : null,
    errorSummary: input.summary ?? [],
    ...ATTACHMENT_HINT,
  };
}

export function importPage(tree: FrameworkTree, extra: { result?: unknown; format?: string; dryRun?: boolean; text?: string } = {}) {
  return { title: msg('Import evidence'), framework: tree.code, csvHeader: CSV_HEADER.join(','), format: 'csv', dryRun: true, ...extra };
}

function describeHistory(action: string, details: Record<string, unknown>): Message | string {
  switch (action) {
    case 'correction_proposed':
      return details.correction === 'restricted' ? msg('a correction you may not see proposed') : msg('correction #{id} proposed', { id: String(details.correction) });
    case 'superseded':
      return msg('replaced by verified correction #{id}', { id: String(details.by) });
    case 'attachment_added':
      return msg('{filename} ({size} bytes, SHA-256 {sha256})', {
        filename: String(details.filename),
        size: typeof details.size_bytes === 'number' ? details.size_bytes : String(details.size_bytes),
        sha256: String(details.sha256),
      });
    case 'imported':
    case 'import_updated': {
      // the full version for those who may read it, else only its review dates (see redactVersion)
      const item = (details.item ?? details) as { verifiedAt?: string | null; retractedAt?: string | null };
      const minute = (iso: string) => iso.slice(0, 16).replace('T', ' ');
      const review = item.verifiedAt ? msg('verified {at} UTC (by import)', { at: minute(item.verifiedAt) }) : msg('awaiting review');
      return semicolonList(item.retractedAt ? [review, msg('retracted {at} UTC', { at: minute(item.retractedAt) })] : [review]);
    }
    case 'correction_created':
      return msg('corrects #{id}', { id: String(details.supersedes) });
    default:
      return '';
  }
}
