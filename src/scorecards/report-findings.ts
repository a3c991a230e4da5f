// Key findings of a frozen report, in words, for one reader: the same templates as the dashboard's (key-findings.ts)
// over the report's frozen explanation since the previous report of its kind. Items the reader may not read were
// stripped of their identity by the report's reader view (reports/present.ts); their points are counted.

import type { ReportContent } from '../reports/build';
import type { ReaderExplanation } from '../reports/present';
import type { ChangeKind } from '../scoring/types';
import type { BenchmarkExplanationJson, ExplanationJson, FindingContributionJson } from './explain';
import { keyFindingsFrom, type ExplainedMovement, type KeyFindingsTree } from './key-findings';
import { translate } from '../i18n/messages';

const KINDS: ChangeKind[] = ['new', 'aged', 'removed'];

/** The reader's frozen explanation in the explain API's shape: named contributions, restricted ones, the rest summed. */
export function explanationJsonOf(content: ReportContent, perspective: string, e: ReaderExplanation): ExplanationJson {
  const benchmarks: BenchmarkExplanationJson[] = e.benchmarks.map((b) => {
    const contributions: FindingContributionJson[] = b.top.map((c) =>
      'restricted' in c ? { kind: c.kind, points: c.points, restricted: true as const } : { kind: c.kind, points: c.points, evidence_id: c.evidence, title: c.title },
    );
    for (const kind of KINDS) {
      const named = b.top.filter((c) => c.kind === kind);
      const count = b.counts[kind] - named.length;
      if (count > 0) contributions.push({ kind, points: b.by_kind[kind] - named.reduce((s, c) => s + c.points, 0), rest: true, count });
    }
    contributions.sort((x, y) => Math.abs(y.points) - Math.abs(x.points));
    return { code: b.code, from: b.from, to: b.to, change: b.change, by_kind: b.by_kind, contributions };
  });
  return {
    framework: content.report.framework,
    methodology: 'v1.1',
    perspective,
    from: e.from,
    to: { as_of: content.report.as_of, known_at: content.report.known_at },
    overall: e.overall,
    pillars: e.pillars,
    benchmarks,
  };
}

/** Pillar names and benchmark titles as the report froze them (codes for reports frozen before names were kept). */
export function frozenTree(content: ReportContent): KeyFindingsTree {
  const names = content.names;
  return {
    pillars: content.scorecards.JOINT.pillars.map((p) => ({
      code: p.code,
      name: names?.pillars[p.code] ?? p.code,
      benchmarks: p.benchmarks.map((b) => ({ code: b.code, title: names?.benchmarks[b.code] ?? b.code })),
    })),
  };
}

export interface ReportKeyFindings {
  perspective: string;
  name: string;
  sentences: string[];
  movements: Record<string, ExplainedMovement>;
}

/**
 * Each perspective's key findings since the previous report (`previous`, its stored content), for the reader whose
 * explanations these are; none when the report has no frozen explanation or the previous report is gone.
 */
export function reportKeyFindings(content: ReportContent, explanations: Record<string, ReaderExplanation> | null, previous: ReportContent | null, locale = 'en'): ReportKeyFindings[] {
  if (!explanations || !previous || !content.changes.previous_period) return [];
  const tree = frozenTree(content);
  const since = translate(locale, 'the {kind, select, weekly {weekly} monthly {monthly} quarterly {quarterly} other {{kind}}} report {period}', { kind: content.report.kind, period: content.changes.previous_period });
  return content.perspectives.flatMap((p) => {
    const e = explanations[p.code];
    const before = previous.scorecards[p.code];
    if (!e || !before) return [];
    const kf = keyFindingsFrom(tree, before, content.scorecards[p.code], explanationJsonOf(content, p.code, e), since, {}, p.name, locale);
    return [{ perspective: p.code, name: p.name, sentences: kf.sentences, movements: kf.movements }];
  });
}
