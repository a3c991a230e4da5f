// The JSON shape of an evidence item for the API and exports (the import format plus id, status and history), and the
// exports' CSV and JSON, written a chunk at a time.

import type { EvidenceDetail, HistoryEntry } from './repository';
import { csvHeader, csvLine } from '../csv';
import { msg, type Message } from '../i18n/messages';

export function evidenceJson(detail: EvidenceDetail, history: HistoryEntry[] | null) {
  const r = detail.row;
  return {
    id: r.id,
    framework: detail.framework,
    ref: r.ref,
    status: r.status,
    title: r.title,
    summary: r.summary,
    source: r.source,
    url: r.url,
    observed_on: r.observed_on,
    source_reliability: r.source_reliability,
    credibility: Number(r.credibility),
    groups: detail.groups,
    tlp: r.tlp,
    location: r.location,
    findings: detail.findings.map((f) => (f.kind === 'assessment' ? { benchmark: f.benchmark, stance: f.stance } : { benchmark: f.benchmark, value: f.value })),
    created_by: detail.createdBy,
    created_at: r.created_at,
    submitted_at: r.submitted_at,
    verified_at: r.verified_at,
    rejected_at: r.rejected_at,
    reject_reason: r.reject_reason,
    retracted_at: r.retracted_at,
    retract_reason: r.retract_reason,
    supersedes: r.supersedes_id,
    superseded_at: r.superseded_at,
    corrected_by: detail.correctedBy.map((c) => c.id),
    attachments: detail.attachments.map((a) => ({ id: a.id, filename: a.filename, content_type: a.content_type, size_bytes: a.size_bytes, sha256: a.sha256 })),
    ...(history ? { history } : {}),
  };
}

export type EvidenceJson = ReturnType<typeof evidenceJson>;

const CSV_COLUMNS = [
  'id', 'framework', 'ref', 'status', 'title', 'summary', 'source', 'url', 'observed_on', 'source_reliability', 'credibility',
  'groups', 'tlp', 'location', 'findings', 'verified_at', 'retracted_at', 'supersedes',
] as const;

/** Each column's name for readers; the machine name stays in the header beside it (bulk import reads either). */
const CSV_LABELS: Record<(typeof CSV_COLUMNS)[number], Message> = {
  id: msg('Item'),
  framework: msg('Framework'),
  ref: msg('Reference'),
  status: msg('Status'),
  title: msg('Title'),
  summary: msg('Summary'),
  source: msg('Source'),
  url: msg('Link'),
  observed_on: msg('Observed'),
  source_reliability: msg('Source reliability'),
  credibility: msg('Information credibility'),
  groups: msg('Groups'),
  tlp: msg('TLP'),
  location: msg('Location'),
  findings: msg('Findings'),
  verified_at: msg('Verified at'),
  retracted_at: msg('Retracted at'),
  supersedes: msg('Supersedes'),
};

/** The export's header row in the reader's language (csvHeader in src/csv.ts); bulk import reads either form. */
export const evidenceCsvHeader = (locale: string) => csvHeader(locale, CSV_COLUMNS, CSV_LABELS);

function csvRow(item: EvidenceJson): string {
  const row: Record<(typeof CSV_COLUMNS)[number], unknown> = {
    ...item,
    groups: item.groups.join(' '),
    findings: item.findings.map((f) => `${f.benchmark}=${'stance' in f ? f.stance : f.value}`).join(' '),
  };
  return csvLine(CSV_COLUMNS.map((c) => row[c]));
}

/** The CSV export, written a chunk of items at a time (the header with the first chunk). */
export async function* evidenceCsvChunks(chunks: AsyncIterable<EvidenceDetail[]>, locale = 'en'): AsyncGenerator<string> {
  let head = `${evidenceCsvHeader(locale)}\r\n`;
  for await (const details of chunks) {
    yield head + details.map((d) => `${csvRow(evidenceJson(d, null))}\r\n`).join('');
    head = '';
  }
  if (head) yield head;
}

/**
 * The JSON export, written a chunk of items at a time: the items first, then how many there were and how many
 * more are restricted (known only at the end). A file cut short is not valid JSON.
 */
export async function* evidenceJsonChunks(head: { framework: string; exported_at: string }, chunks: AsyncIterable<EvidenceDetail[]>, restricted: () => Promise<number>): AsyncGenerator<string> {
  let start = `${JSON.stringify(head).slice(0, -1)},"evidence":[`;
  let total = 0;
  for await (const details of chunks) {
    yield start + details.map((d) => `${total++ === 0 ? '' : ','}\n${JSON.stringify(evidenceJson(d, null))}`).join('');
    start = '';
  }
  yield `${start}\n],"total":${total},"restricted":${await restricted()}}\n`;
}
