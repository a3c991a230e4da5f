import { describe, expect, it } from 'vitest';
import { lastCompletePeriod, nextPeriod, parsePeriod, periodContaining } from '../../src/reports/periods';

describe('report periods', () => {
  it('computes months, quarters and ISO weeks', () => {
    expect(periodContaining('monthly', '2026-02-14')).toEqual({ kind: 'monthly', code: '2026-02', start: '2026-02-01', end: '2026-02-28' });
    expect(periodContaining('quarterly', '2026-05-31')).toEqual({ kind: 'quarterly', code: '2026-Q2', start: '2026-04-01', end: '2026-06-30' });
    expect(periodContaining('weekly', '2026-04-01')).toEqual({ kind: 'weekly', code: '2026-W14', start: '2026-03-30', end: '2026-04-05' });
    // ISO week 1 of 2027 starts on Monday 2027-01-04; 2027-01-01 belongs to 2026-W53
    expect(periodContaining('weekly', '2027-01-01').code).toBe('2026-W53');
    expect(periodContaining('weekly', '2025-12-29').code).toBe('2026-W01');
  });

  it('parses period codes and refuses impossible ones', () => {
    expect(parsePeriod('monthly', '2026-04')?.end).toBe('2026-04-30');
    expect(parsePeriod('quarterly', '2026-Q4')?.start).toBe('2026-10-01');
    expect(parsePeriod('weekly', '2026-W14')?.start).toBe('2026-03-30');
    expect(parsePeriod('weekly', '2026-W53')?.start).toBe('2026-12-28');
    expect(parsePeriod('weekly', '2025-W53')).toBeNull();
    for (const [kind, code] of [['monthly', '2026-13'], ['monthly', '2026-4'], ['quarterly', '2026-Q5'], ['weekly', '2026-W00'], ['monthly', '2026-Q2']] as const) {
      expect(parsePeriod(kind, code)).toBeNull();
    }
  });

  it('finds the last complete period and the next one', () => {
    expect(lastCompletePeriod('monthly', '2026-11-25').code).toBe('2026-10');
    expect(lastCompletePeriod('monthly', '2026-01-01').code).toBe('2025-12');
    expect(lastCompletePeriod('quarterly', '2026-11-25').code).toBe('2026-Q3');
    expect(lastCompletePeriod('weekly', '2026-11-25').code).toBe('2026-W47');
    expect(nextPeriod(parsePeriod('monthly', '2026-12')!).code).toBe('2027-01');
    expect(nextPeriod(parsePeriod('weekly', '2026-W53')!).code).toBe('2027-W01');
  });
});
