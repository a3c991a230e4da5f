// The JSON shape of an evidence item for the API and exports: the import format plus id, status and history.

import type { EvidenceDetail, HistoryEntry } from './repository';
import { csvLine } from '../csv';

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

export function evidenceCsv(items: EvidenceJson[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const item of items) {
    const row: Record<(typeof CSV_COLUMNS)[number], unknown> = {
      ...item,
      groups: item.groups.join(' '),
      findings: item.findings.map((f) => `${f.benchmark}=${'stance' in f ? f.stance : f.value}`).join(' '),
    };
    lines.push(csvLine(CSV_COLUMNS.map((c) => row[c])));
  }
  return `${lines.join('\r\n')}\r\n`;
}
