// A deliberately naive second implementation of METHODOLOGY.md v1, written straight from the text,
// for the property tests to compare against (it shares no code with src/scoring).

import type { ScoreQuery, ScoringEvidence, ScoringFramework } from '../../../src/scoring/index';

const R: Record<string, number> = { A: 1, B: 0.8, C: 0.6, D: 0.3, E: 0.1, F: 0.5 };
const C: Record<number, number> = { 1: 1, 2: 0.8, 3: 0.6, 4: 0.3, 5: 0.1, 6: 0.5 };

const day = (date: string) => Date.parse(`${date}T00:00:00Z`) / 86_400_000;
const at = (instant: string) => Date.parse(instant);
const own = (o: object, k: string) => Object.prototype.hasOwnProperty.call(o, k);

export interface RefNode {
  score: number | null;
  assessed: boolean;
  coverage?: number;
  low?: number;
  high?: number;
  W?: number;
  findings?: number;
}

export interface RefCard {
  overall: RefNode;
  pillars: { node: RefNode; benchmarks: RefNode[] }[];
}

export function referenceScore(fw: ScoringFramework, evidence: ScoringEvidence[], q: ScoreQuery): RefCard {
  const p: { pillarWeights: Record<string, number>; groupWeights: Record<string, number> } =
    q.perspective === 'JOINT' ? { pillarWeights: {}, groupWeights: {} } : fw.perspectives.find((x) => x.code === q.perspective)!;
  const k = /^\d{4}-\d{2}-\d{2}$/.test(q.knownAt) ? at(`${q.knownAt}T23:59:59.999Z`) : at(q.knownAt);
  const t = day(q.asOf);
  // Summation order is not fixed by the method; sort like any careful implementation would, so sums match to the bit.
  const items = [...evidence].sort((a, b) =>
    a.observedOn !== b.observedOn ? (a.observedOn < b.observedOn ? -1 : 1) : String(a.id) < String(b.id) ? -1 : String(a.id) > String(b.id) ? 1 : 0,
  );
  const counts = (e: ScoringEvidence) =>
    day(e.observedOn) <= t &&
    e.verifiedAt !== null && at(e.verifiedAt) <= k &&
    !(e.retractedAt !== null && at(e.retractedAt) <= k) &&
    !(e.supersededAt !== null && at(e.supersededAt) <= k);
  const g = (e: ScoringEvidence) =>
    e.groups.length === 0 ? 1 : Math.max(...e.groups.map((x) => (own(p.groupWeights, x) ? p.groupWeights[x] : 1)));

  const pillars = fw.pillars.map((pillar) => {
    const benchmarks = pillar.benchmarks.map((b) => {
      let W = 0;
      let V = 0;
      let n = 0;
      for (const e of items) {
        if (!counts(e)) continue;
        for (const f of e.findings) {
          if (f.benchmark !== b.code) continue;
          let v: number;
          if (b.kind === 'assessment') {
            if (f.stance === null) continue;
            v = (f.stance + 2) / 4;
          } else {
            if (f.value === null) continue;
            v = Math.min(1, Math.max(0, (f.value - b.baseline!) / (b.target! - b.baseline!)));
          }
          const w = R[e.sourceReliability] * C[e.credibility] * Math.pow(2, -(t - day(e.observedOn)) / b.halfLifeDays) * g(e);
          W += w;
          V += w * v;
          n++;
        }
      }
      const kappa = fw.priorStrength;
      const mu = kappa + W > 0 ? (kappa * 0.5 + V) / (kappa + W) : 0.5;
      const sigma = Math.sqrt(Math.max(0, mu * (1 - mu)) / (kappa + W + 1));
      return {
        score: 100 * mu,
        assessed: W >= fw.assessedThreshold,
        low: 100 * Math.max(0, mu - 1.2816 * sigma),
        high: 100 * Math.min(1, mu + 1.2816 * sigma),
        W,
        findings: n,
      };
    });
    return { node: mean(benchmarks.map((b, i) => [b, pillar.benchmarks[i].weight])), benchmarks };
  });
  const overall = mean(pillars.map((x, i) => [x.node, own(p.pillarWeights, fw.pillars[i].code) ? p.pillarWeights[fw.pillars[i].code] : 1]));
  return { overall, pillars };
}

function mean(parts: [RefNode, number][]): RefNode {
  const total = parts.reduce((s, [, w]) => s + w, 0);
  const A = parts.filter(([n]) => n.assessed);
  const wa = A.reduce((s, [, w]) => s + w, 0);
  const coverage = total > 0 ? wa / total : 0;
  if (A.length === 0 || wa === 0) return { score: null, assessed: false, coverage };
  return { score: A.reduce((s, [n, w]) => s + w * n.score!, 0) / wa, assessed: coverage >= 0.5, coverage };
}
