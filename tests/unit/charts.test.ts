// The benchmark chart draws one dot per week and value, standing for every finding in it: the same size for ten
// findings or a hundred thousand, every finding counted once, no item named that was not given.

import { describe, expect, it } from 'vitest';
import { scoreChartSvg, type Marker } from '../../src/scorecards/charts';
import { weeklyDates } from '../../src/scorecards/pages';
import { addDays } from '../../src/scoring/index';
import { mulberry32 } from '../../benchmarks/harness';

const ASOF = '2026-11-15';
const points = weeklyDates(ASOF).map((date, i) => ({ date, score: 40 + (i % 20), low: 30, high: 70 }));
const dots = (svg: string) => [...svg.matchAll(/<circle [^>]*class="marker" data-findings="(\d+)"><title>([^<]*)<\/title>/g)].map((m) => ({ count: Number(m[1]), title: m[2] }));

describe('the benchmark chart', () => {
  it('draws a single finding as before: one dot naming its item', () => {
    const svg = scoreChartSvg(points, [{ date: addDays(ASOF, -10), value: 0.75, id: 42 }], 'BORDER-1');
    expect(dots(svg)).toEqual([{ count: 1, title: 'Finding of item #42: value 75' }]);
  });

  it('counts every finding in the year once, in a bounded number of dots, and leaves out those before it', () => {
    const rand = mulberry32(7);
    const markers: Marker[] = Array.from({ length: 100_000 }, (_, i) => ({ date: addDays(ASOF, -Math.floor(rand() * 500)), value: Math.floor(rand() * 5) / 4, id: i + 1 }));
    const svg = scoreChartSvg(points, markers, 'BORDER-1');
    const start = points[0].date;
    const inYear = markers.filter((m) => m.date >= start && m.date <= ASOF).length;
    const drawn = dots(svg);
    expect(drawn.reduce((sum, d) => sum + d.count, 0)).toBe(inYear);
    expect(drawn.length).toBeLessThanOrEqual(53 * 5);
    expect(svg.length).toBeLessThan(80_000);
    // a dot names at most eight items and says how many more it stands for
    for (const d of drawn) {
      const named = d.title.match(/#\d+/g) ?? [];
      expect(named.length).toBe(Math.min(8, d.count));
      if (d.count > 8) expect(d.title).toContain(`and ${d.count - 8} more`);
    }
  });

  it('names only the items it was given (the caller passes those the reader may see)', () => {
    const markers: Marker[] = [1, 2, 3].map((id) => ({ date: addDays(ASOF, -3), value: 0.5, id }));
    const svg = scoreChartSvg(points, markers, 'BORDER-1');
    expect(dots(svg)).toEqual([{ count: 3, title: '3 findings, value 50, items #1, #2, #3' }]);
    expect(svg).not.toMatch(/#4\b/);
  });
});
