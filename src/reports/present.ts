// What a reader sees of a frozen report: titles only of items they may see (the rest as counts), and the
// report as CSV. The stored content and its SHA-256 never change.

import { mayReadSnapshot, type Viewer } from '../evidence/policy';
import type { ActivityBlock, ReportContent } from './build';
import { csvLine } from '../csv';

export interface ReaderBlock {
  count: number;
  by_pillar: Record<string, number>;
  by_group: Record<string, number>;
  items: { id: number; title: string }[];
  restricted: number;
}

function readerBlock(viewer: Viewer, block: ActivityBlock): ReaderBlock {
  const visible = block.items.filter((i) => mayReadSnapshot(viewer, i));
  return { count: block.count, by_pillar: block.by_pillar, by_group: block.by_group, items: visible.map((i) => ({ id: i.id, title: i.title })), restricted: block.count - visible.length };
}

/**
 * The report as the viewer may read it: identical to the stored content except item lists, and without the log
 * head (a digest over restricted content) for anyone but administrators.
 */
export function readerView(viewer: Viewer, content: ReportContent) {
  const { evidence, audit_head: auditHead, ...rest } = content;
  return {
    ...rest,
    ...(viewer.role === 'admin' ? { audit_head: auditHead } : {}),
    evidence: {
      verified: readerBlock(viewer, evidence.verified),
      corrected: readerBlock(viewer, evidence.corrected),
      retracted: readerBlock(viewer, evidence.retracted),
    },
  };
}

/** One row per perspective and scored element, with unrounded numbers. */
export function reportCsv(content: ReportContent): string {
  const header = ['framework', 'kind', 'period', 'as_of', 'known_at', 'perspective', 'level', 'code', 'score', 'low', 'high', 'status', 'band', 'confidence', 'coverage', 'evidence_weight', 'findings', 'trend_delta', 'trend_direction'];
  const lines = [header.join(',')];
  const r = content.report;
  for (const p of content.perspectives) {
    const card = content.scorecards[p.code];
    const base = [r.framework, r.kind, r.period, r.as_of, r.known_at, p.code];
    lines.push(csvLine([...base, 'overall', 'OVERALL', card.overall.score, '', '', card.overall.status, card.overall.band, '', card.overall.coverage, '', '', card.overall.trend.delta, card.overall.trend.direction]));
    for (const pillar of card.pillars) {
      lines.push(csvLine([...base, 'pillar', pillar.code, pillar.score, '', '', pillar.status, pillar.band, '', pillar.coverage, '', '', pillar.trend.delta, pillar.trend.direction]));
      for (const b of pillar.benchmarks) {
        lines.push(csvLine([...base, 'benchmark', b.code, b.score, b.low, b.high, b.status, b.band, b.confidence, '', b.evidence_weight, b.findings, b.trend.delta, b.trend.direction]));
      }
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}
