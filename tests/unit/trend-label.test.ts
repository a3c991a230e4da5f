// Trend labels on pages (issue 13): the number shown never contradicts the direction, which is classified on the
// unrounded delta; a trend driven by ageing evidence reads as drift, not news.

import Handlebars from 'handlebars';
import { describe, expect, it } from 'vitest';
import { formatTrendDelta, longDate, registerHelpers } from '../../src/views/helpers';

describe('trend delta as shown', () => {
  it('rounds to whole points unless rounding would contradict the direction', () => {
    expect(formatTrendDelta(4.65, 'stable')).toBe('+4.7');
    expect(formatTrendDelta(4.96, 'stable')).toBe('+4.96');
    expect(formatTrendDelta(4.9999999, 'stable')).toBe('+4.9999999');
    expect(formatTrendDelta(-4.5, 'stable')).toBe('−4.5');
    expect(formatTrendDelta(4.4, 'stable')).toBe('+4');
    expect(formatTrendDelta(5, 'improving')).toBe('+5');
    expect(formatTrendDelta(7.6, 'improving')).toBe('+8');
    expect(formatTrendDelta(-5.2, 'deteriorating')).toBe('−5');
    expect(formatTrendDelta(0.2, 'stable')).toBe('±0');
  });

  it('writes dates as a reader does', () => {
    expect(longDate('2026-03-12')).toBe('12 March 2026');
    expect(longDate(null)).toBe('');
  });
});

describe('{{trendArrow}}', () => {
  const hbs = Handlebars.create();
  registerHelpers(hbs);
  const render = (trend: unknown, driver?: string) => hbs.compile('{{trendArrow trend driver}}')({ trend, driver });

  it('labels the direction of news', () => {
    expect(render({ delta: 6.2, direction: 'improving' }, 'new')).toContain('Improving');
    expect(render({ delta: 4.65, direction: 'stable' })).toContain('Stable <span class="trend-delta">(+4.7)</span>');
  });

  it('calls a trend driven by ageing evidence drift, never improving or deteriorating', () => {
    const up = render({ delta: 6.2, direction: 'improving' }, 'aged');
    expect(up).toContain('Drift');
    expect(up).toContain('older negative evidence fading');
    expect(up).not.toContain('Improving');
    const down = render({ delta: -7, direction: 'deteriorating' }, 'aged');
    expect(down).toContain('older positive evidence fading');
    expect(down).not.toContain('Deteriorating');
  });
});
