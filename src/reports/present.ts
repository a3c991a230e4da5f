// What a reader sees of a frozen report: titles only of items they may see (the rest as counts), and the
// report as CSV. The stored content and its SHA-256 never change.

import { mayReadSnapshot, type Viewer } from '../evidence/policy';
import type { ActivityBlock, FrozenBenchmarkExplanation, FrozenExplanation, ReportContent } from './build';
import type { ChangeKind } from '../scoring/types';
import { TLP_LEVELS, type Tlp } from '../framework/import-types';
import { csvHeader, csvLine } from '../csv';
import { msg, type Message } from '../i18n/messages';

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

/** A frozen contribution as a reader sees it: the item named when they may read it, else only its points. */
export type ReaderContribution = { kind: ChangeKind; points: number } & ({ evidence: number; title: string } | { restricted: true });
export type ReaderExplanation = Omit<FrozenExplanation, 'benchmarks'> & { benchmarks: (Omit<FrozenBenchmarkExplanation, 'top'> & { top: ReaderContribution[] })[] };

/**
 * The report's explanations for the viewer: contributions of items they may read name them (id and title, as
 * frozen); the others keep their points and kind, without id or title (as the explain API does).
 */
function readerExplanations(viewer: Viewer, content: ReportContent): Record<string, ReaderExplanation> | null {
  if (!content.explanations) return null;
  const readable = new Map((content.explained_items ?? []).filter((i) => mayReadSnapshot(viewer, i)).map((i) => [i.id, i.title] as const));
  const out: Record<string, ReaderExplanation> = {};
  for (const [perspective, e] of Object.entries(content.explanations)) {
    out[perspective] = {
      ...e,
      benchmarks: e.benchmarks.map((b) => ({
        ...b,
        top: b.top.map((c): ReaderContribution => {
          const title = readable.get(c.evidence);
          return title === undefined ? { kind: c.kind, points: c.points, restricted: true } : { evidence: c.evidence, title, kind: c.kind, points: c.points };
        }),
      })),
    };
  }
  return out;
}

/**
 * The report as the viewer may read it: identical to the stored content except item lists, and without the log
 * head (a digest over restricted content) for anyone but administrators.
 */
export function readerView(viewer: Viewer, content: ReportContent) {
  const { evidence, audit_head: auditHead, explanations: _explanations, explained_items: _items, ...rest } = content;
  return {
    ...rest,
    explanations: readerExplanations(viewer, content),
    ...(viewer.role === 'admin' ? { audit_head: auditHead } : {}),
    evidence: {
      verified: readerBlock(viewer, evidence.verified),
      corrected: readerBlock(viewer, evidence.corrected),
      retracted: readerBlock(viewer, evidence.retracted),
    },
  };
}

/**
 * The TLP marking of the report as the viewer reads it: the highest marking among the items whose titles it shows
 * them (the period's activity and the items its explanations name); TLP:CLEAR when it names none (figures only).
 */
export function readerMarking(viewer: Viewer, content: ReportContent): Tlp {
  const shown = [...content.evidence.verified.items, ...content.evidence.corrected.items, ...content.evidence.retracted.items, ...(content.explained_items ?? [])];
  let level = 0;
  for (const item of shown) if (mayReadSnapshot(viewer, item)) level = Math.max(level, TLP_LEVELS.indexOf(item.tlp));
  return TLP_LEVELS[level];
}

/** One row per perspective and scored element, with unrounded numbers. */
const REPORT_CSV_COLUMNS = [
  'framework', 'kind', 'period', 'as_of', 'known_at', 'perspective', 'level', 'code', 'score', 'low', 'high', 'status', 'band', 'confidence', 'coverage',
  'evidence_weight', 'findings', 'trend_delta', 'trend_direction',
] as const;

const REPORT_CSV_LABELS: Record<(typeof REPORT_CSV_COLUMNS)[number], Message> = {
  framework: msg('Framework'),
  kind: msg('Report kind'),
  period: msg('Period'),
  as_of: msg('As of'),
  known_at: msg('Known at'),
  perspective: msg('Perspective'),
  level: msg('Level'),
  code: msg('Code'),
  score: msg('Score'),
  low: msg('Interval low'),
  high: msg('Interval high'),
  status: msg('Status'),
  band: msg('Band'),
  confidence: msg('Confidence'),
  coverage: msg('Coverage'),
  evidence_weight: msg('Evidence weight'),
  findings: msg('Findings'),
  trend_delta: msg('Trend (points)'),
  trend_direction: msg('Trend direction'),
};

export function reportCsv(content: ReportContent, locale = 'en'): string {
  const lines = [csvHeader(locale, REPORT_CSV_COLUMNS, REPORT_CSV_LABELS)];
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
