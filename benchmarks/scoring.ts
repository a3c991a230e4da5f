// 1. Scoring engine scaling: one full scorecard (scoreFramework) and the dashboard's 13-point monthly series
// (createScoringIndex + 13 scorecards) over 1k, 10k and 50k synthetic evidence items on the default framework.

import { createScoringIndex, scoreFramework } from '../src/scoring/index';
import { monthlyDates } from '../src/scorecards/pages';
import { endOfDayUtc } from '../src/time';
import { AS_OF, KNOWN_AT, defaultImportFramework, defaultScoringFramework, scoringEvidence } from './generate';
import { fmt, fmtMs, fmtRatio, fmtUs, interleave, nowMs, progress, ratioRange, roundRatio, type BenchResult, type Variant } from './harness';

const SIZES = [1_000, 10_000, 50_000];
const ROUNDS = 9;
/** wall time each variant gets per round; ops per round are calibrated to it */
const ROUND_TARGET_MS = 200;

export async function runScoring(): Promise<BenchResult> {
  const started = nowMs();
  const importFramework = defaultImportFramework();
  const framework = defaultScoringFramework();
  const pillars = framework.pillars.length;
  const benchmarks = framework.pillars.reduce((n, p) => n + p.benchmarks.length, 0);
  const perspective = 'PAK'; // a weighted perspective: group and pillar weights are applied
  const query = { asOf: AS_OF, knownAt: endOfDayUtc(KNOWN_AT), perspective };
  const months = monthlyDates(AS_OF);

  const datasets = SIZES.map((size) => {
    const evidence = scoringEvidence(importFramework, size, 1000 + size);
    const findings = evidence.reduce((n, e) => n + e.findings.length, 0);
    return { size, evidence, findings };
  });

  const variants: (Variant & { size: number; kind: 'single' | 'series' })[] = [];
  for (const d of datasets) {
    variants.push({ name: `scorecard ${d.size}`, size: d.size, kind: 'single', op: () => scoreFramework(framework, d.evidence, query) });
    variants.push({
      name: `series ${d.size}`,
      size: d.size,
      kind: 'series',
      op: () => {
        const index = createScoringIndex(framework, d.evidence, { knownAt: query.knownAt, perspective });
        return months.map((m) => index.scorecard(m));
      },
    });
  }
  // calibrate: enough operations per round to fill ROUND_TARGET_MS (after a warm-up call)
  for (const v of variants) {
    v.op();
    const t0 = nowMs();
    v.op();
    const once = Math.max(nowMs() - t0, 0.001);
    v.opsPerRound = Math.max(1, Math.round(ROUND_TARGET_MS / once));
  }
  progress(`scoring: ${variants.length} variants × ${ROUNDS} rounds (interleaved)`);
  const results = await interleave(variants, { rounds: ROUNDS, opsPerRound: 1, warmupOps: 2, gcBetween: true });
  const find = (kind: string, size: number) => results[variants.findIndex((v) => v.kind === kind && v.size === size)];

  const sizeRows = datasets.map((d) => {
    const single = find('single', d.size);
    const series = find('series', d.size);
    return [
      fmt(d.size, 0),
      fmt(d.findings, 0),
      fmtMs(single.msPerOp),
      fmtUs(single.msPerOp / d.size),
      fmtMs(series.msPerOp),
      fmtUs(series.msPerOp / d.size),
      fmtRatio(roundRatio(series, single)),
    ];
  });

  const scaleRows: string[][] = [];
  for (let i = 1; i < datasets.length; i += 1) {
    const a = datasets[i];
    const b = datasets[i - 1];
    const itemRatio = a.size / b.size;
    for (const kind of ['single', 'series'] as const) {
      const r = roundRatio(find(kind, a.size), find(kind, b.size));
      scaleRows.push([
        `${kind === 'single' ? 'scorecard' : '13-point series'} ${fmt(a.size / 1000, 0)}k / ${fmt(b.size / 1000, 0)}k`,
        fmtRatio(itemRatio),
        fmtRatio(r),
        ratioRange(find(kind, a.size), find(kind, b.size)),
        fmt(r / itemRatio, 2),
      ]);
    }
  }

  const worstLinearity = Math.max(
    ...datasets.slice(1).flatMap((a, i) => (['single', 'series'] as const).map((k) => roundRatio(find(k, a.size), find(k, datasets[i].size)) / (a.size / datasets[i].size))),
  );
  const seriesOverSingle = datasets.map((d) => roundRatio(find('series', d.size), find('single', d.size)));
  return {
    id: 'scoring',
    title: 'Scoring engine scaling',
    method:
      `Synthetic evidence (mulberry32, fixed seeds) on the default framework shape (${pillars} pillars, ${benchmarks} benchmarks, ` +
      `${framework.perspectives.length} perspectives + JOINT, 5 groups): 1–3 findings per item over two years, ~3% retracted, ~2% superseded, ` +
      `only ever-verified items passed in (as loadScoringEvidence does). Perspective ${perspective}, as-of ${AS_OF}. ` +
      `"Scorecard" is one scoreFramework call (index the evidence + the card at t and t−90 d for trends); "series" is the dashboard's ` +
      `13 monthly cards from one createScoringIndex. All six variants interleaved over ${ROUNDS} rounds of ~${ROUND_TARGET_MS} ms each (at least one call), a full GC (untimed) before each; medians of the rounds.`,
    tables: [
      {
        caption: 'Time per call (median of rounds)',
        table: {
          headers: ['evidence items', 'findings', 'scorecard', 'per item', '13-point series', 'per item', 'series / scorecard'],
          rows: sizeRows,
        },
      },
      {
        caption: 'Scaling (ratios measured in the same rounds; 1.00 in the last column = perfectly linear)',
        table: { headers: ['ratio', 'items ×', 'time ×', 'range over rounds', 'time× / items×'], rows: scaleRows },
      },
    ],
    notes: [
      worstLinearity < 1.3
        ? `Scaling is close to linear (worst time×/items× = ${fmt(worstLinearity, 2)}).`
        : `Scaling is somewhat worse than linear (worst time×/items× = ${fmt(worstLinearity, 2)}). Likely causes: the per-benchmark sort of findings is n log n ` +
          `(and its comparator turns evidence ids into strings on every tie of observation day, which are frequent at 50k), and the per-date sums walk arrays of ` +
          `separately allocated finding objects that no longer fit the CPU caches. The per-round spread is wide on this shared machine; the medians are what to read.`,
      `A 13-point series costs ${seriesOverSingle.map((r) => fmtRatio(r)).join(' / ')} of a single scorecard (1k / 10k / 50k), not 13×: the evidence is indexed once. ` +
        `Every extra as-of date (and its t−90 d trend point) still walks all findings observed up to that date again with a Math.pow decay per finding ` +
        `(no incremental sums), so the series cost grows with the evidence like a single card does${seriesOverSingle[seriesOverSingle.length - 1] > seriesOverSingle[0] * 1.5 ? ', and faster at 50k, where these walks dominate' : ''}.`,
    ],
    seconds: (nowMs() - started) / 1000,
  };
}
