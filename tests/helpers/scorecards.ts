// Comparing scorecards computed two ways (the read model and the engine): numbers to 1e-9, the rest exactly.

import { expect } from 'vitest';
import type { Scorecard } from '../../src/scoring/index';

export const close = (a: number | null, b: number | null, what: string) => {
  if (a === null || b === null) expect(a, what).toBe(b);
  else expect(Math.abs(a - b), `${what}: ${a} vs ${b}`).toBeLessThan(1e-9);
};

/** Equal scorecards: numbers to 1e-9, everything else exactly. */
export function expectSameScorecard(mine: Scorecard, engine: Scorecard): void {
  // a trend of rounding noise (|delta| < 1e-9, e.g. a prior of 0 and one finding) has no meaningful driver
  const noise = new Set(engine.pillars.flatMap((p) => p.benchmarks.filter((b) => b.trend.delta !== null && Math.abs(b.trend.delta) < 1e-9).map((b) => b.code)));
  const strip = (card: Scorecard) =>
    JSON.parse(
      JSON.stringify(card, function (this: Record<string, unknown>, key, value) {
        if (key === 'trend_driver' && noise.has(this.code as string)) return null;
        return typeof value === 'number' && key !== 'findings' ? 0 : value;
      }),
    );
  expect(strip(mine)).toEqual(strip(engine));
  close(mine.overall.score, engine.overall.score, 'overall');
  close(mine.overall.trend.delta, engine.overall.trend.delta, 'overall trend');
  mine.pillars.forEach((p, i) => {
    const q = engine.pillars[i];
    close(p.score, q.score, p.code);
    close(p.coverage, q.coverage, `${p.code} coverage`);
    close(p.trend.delta, q.trend.delta, `${p.code} trend`);
    p.benchmarks.forEach((b, j) => {
      const c = q.benchmarks[j];
      for (const key of ['score', 'evidence_weight'] as const) close(b[key], c[key], `${b.code} ${key}`);
      // the interval's half-width is sqrt(mu (1 - mu) / ...): at a score of 0 or 100 to the last bit (no prior, every
      // finding at one end), one ulp of mu moves it by ~1e-6, so there the bounds agree to that, elsewhere to 1e-9
      const atEnd = c.score !== null && (c.score < 1e-9 || c.score > 100 - 1e-9);
      for (const key of ['low', 'high'] as const) {
        if (atEnd && b[key] !== null && c[key] !== null) expect(Math.abs(b[key]! - c[key]!), `${b.code} ${key}`).toBeLessThan(1e-5);
        else close(b[key], c[key], `${b.code} ${key}`);
      }
      close(b.trend.delta, c.trend.delta, `${b.code} trend`);
    });
  });
}

