// View models of the evidence desk's pages: the list, the review queue, one item, the evidence form and the import
// page. Plain data in, plain data out; what a user may do comes from policy.ts, templates only format.

import type { EvidenceRow, UserRow } from '../db/schema';
import type { FrameworkTree } from '../framework/repository';
import { RESTORED_NOTICE } from '../auth/saved-forms';
import { evidenceJson } from './present';
import { formView, type FormValues } from './form';
import { ALLOWED_EXTENSIONS, MAX_ATTACHMENT_BYTES } from './attachments';
import { CSV_HEADER } from './bulk-import';
import { positionOf, type EvidenceDetail, type EvidencePage, type EvidenceSort } from './repository';
import type { EvidenceListing, ItemView } from './reading';
import type { PageWindow } from './query';
import type { EvidenceQuery } from './schemas';

const STATUSES = ['draft', 'submitted', 'verified', 'rejected', 'retracted', 'superseded'];
const TLPS = ['CLEAR', 'GREEN', 'AMBER', 'RED'];
const SORTS: [EvidenceSort, string][] = [['observed', 'Observed, newest first'], ['logged', 'Logged, newest first']];

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
    statuses: STATUSES.map((s) => ({ code: s, label: s, selected: q.status === s })),
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

function itemSummary(detail: EvidenceDetail) {
  return { ...evidenceJson(detail, null), findingsText: detail.findings.map((f) => `${f.benchmark} ${f.kind === 'assessment' ? (f.stance! > 0 ? `+${f.stance}` : f.stance) : `= ${f.value}`}`).join(', ') };
}

const IGNORED_FILTER_WORDS: Record<string, string> = { q: 'text', createdBy: 'evaluator', tlp: 'marking', submittedBefore: 'waiting time' };

/** "text and evaluator": the filters a restricted count ignored, in words for the page. */
function ignoredFilters(page: EvidencePage): string {
  const words = page.restrictedIgnores.map((k) => IGNORED_FILTER_WORDS[k] ?? k);
  return words.length <= 1 ? (words[0] ?? '') : `${words.slice(0, -1).join(', ')} and ${words[words.length - 1]}`;
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
    pager: pager(path, q, listing.window, listing.page),
    exportQuery: queryString({ ...q, limit: undefined }),
  };
}

export function listPage(listing: EvidenceListing, query: EvidenceQuery) {
  const list = listModel('/evidence', listing, query);
  return {
    title: 'Evidence',
    ...list,
    items: listing.details.map(itemSummary),
    csvHref: `/evidence/export.csv?${list.exportQuery}`,
    jsonHref: `/evidence/export.json?${list.exportQuery}`,
  };
}

export function reviewPage(listing: EvidenceListing, query: EvidenceQuery, user: UserRow, now: Date) {
  return {
    title: 'Review queue',
    ...listModel('/review', listing, query),
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
    title: `Evidence #${detail.row.id}: ${detail.row.title}`,
    item: evidenceJson(detail, null),
    findings: detail.findings,
    attachments: detail.attachments,
    history: history.map((h) => ({ ...h, reason: typeof h.details.reason === 'string' ? h.details.reason : null, detailsText: describeHistory(h.action, h.details) })),
    showLogEntries: user.role === 'admin',
    correctedBy: detail.correctedBy,
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
  errors?: Record<string, string>;
  summary?: { field: string; message: string }[];
  /** the one-time token of this form */
  formToken: string;
  /** the values come from a form kept across an expired session */
  restored?: boolean;
}

export function formPage(input: FormPageInput) {
  const { mode, item } = input;
  return {
    title: mode === 'new' ? 'Log evidence' : mode === 'edit' ? `Edit draft #${item!.row.id}` : `Correct item #${item!.row.id}`,
    action: mode === 'new' ? '/evidence/new' : `/evidence/${item!.row.id}/${mode}`,
    mode,
    item: item ? { id: item.row.id, title: item.row.title } : null,
    framework: { code: input.tree.code, name: input.tree.name },
    form: formView(input.tree, input.values, input.errors),
    formToken: input.formToken,
    restoredNotice: input.restored ? RESTORED_NOTICE : null,
    errorSummary: input.summary ?? [],
    ...ATTACHMENT_HINT,
  };
}

export function importPage(tree: FrameworkTree, extra: { result?: unknown; format?: string; dryRun?: boolean; text?: string } = {}) {
  return { title: 'Import evidence', framework: tree.code, csvHeader: CSV_HEADER.join(','), format: 'csv', dryRun: true, ...extra };
}

function describeHistory(action: string, details: Record<string, unknown>): string {
  switch (action) {
    case 'correction_proposed':
      return `correction #${String(details.correction)} proposed`;
    case 'superseded':
      return `replaced by verified correction #${String(details.by)}`;
    case 'attachment_added':
      return `${String(details.filename)} (${String(details.size_bytes)} bytes, SHA-256 ${String(details.sha256)})`;
    case 'imported':
    case 'import_updated': {
      // the full version for those who may read it, else only its review dates (see redactVersion)
      const item = (details.item ?? details) as { verifiedAt?: string | null; retractedAt?: string | null };
      return [item.verifiedAt ? `verified ${item.verifiedAt.slice(0, 16).replace('T', ' ')} UTC (by import)` : 'awaiting review', item.retractedAt ? `retracted ${item.retractedAt.slice(0, 16).replace('T', ' ')} UTC` : '']
        .filter(Boolean)
        .join('; ');
    }
    case 'correction_created':
      return `corrects #${String(details.supersedes)}`;
    default:
      return '';
  }
}
