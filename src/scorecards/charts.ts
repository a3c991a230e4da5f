// Charts as inline SVG rendered on the server (no script, no library in the browser): sparklines for the
// dashboard and a score-over-time chart with its 80% interval and evidence markers. Every text is escaped.

import crypto from 'node:crypto';
import Handlebars from 'handlebars';
import { formatNumber, translate } from '../i18n/messages';

const esc = (s: string) => Handlebars.escapeExpression(s);
const fmt = (n: number) => (Math.round(n * 10) / 10).toString();

export interface SeriesPoint {
  date: string;
  score: number | null;
  low?: number | null;
  high?: number | null;
}

/** An id derived from the chart's label, so the same page renders the same bytes (labels are unique on a page). */
const idFor = (prefix: string, label: string) => `${prefix}-${crypto.createHash('sha1').update(label).digest('hex').slice(0, 10)}`;

/** A small line of scores 0–100 over time, with a title and description for assistive technology. */
export function sparklineSvg(points: SeriesPoint[], label: string, width = 120, height = 28, locale = 'en'): string {
  const id = idFor('spark', label);
  const usable = points.map((p, i) => ({ ...p, i })).filter((p) => p.score !== null);
  const first = usable[0];
  const last = usable[usable.length - 1];
  const description = first && last
    ? translate(locale, 'From {from} on {fromDate} to {to} on {toDate}.', { from: Math.round(first.score!), fromDate: first.date, to: Math.round(last.score!), toDate: last.date })
    : translate(locale, 'No scores in this period.');
  const x = (i: number) => (points.length <= 1 ? width / 2 : (i / (points.length - 1)) * (width - 4) + 2);
  const y = (s: number) => height - 2 - (s / 100) * (height - 4);
  const path = usable.map((p, k) => `${k === 0 ? 'M' : 'L'}${fmt(x(p.i))},${fmt(y(p.score!))}`).join(' ');
  return [
    `<svg class="sparkline" role="img" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" aria-labelledby="${id}-t ${id}-d">`,
    `<title id="${id}-t">${esc(translate(locale, '{label}: last 12 months', { label }))}</title>`,
    `<desc id="${id}-d">${esc(description)}</desc>`,
    `<line x1="0" y1="${fmt(y(50))}" x2="${width}" y2="${fmt(y(50))}" class="mid"/>`,
    path ? `<path d="${path}" class="line"/>` : '',
    last ? `<circle cx="${fmt(x(last.i))}" cy="${fmt(y(last.score!))}" r="2.5" class="dot"/>` : '',
    '</svg>',
  ].join('');
}

/** One verified finding the reader may see: its item, observed date and value v in [0, 1] (drawn at 100 v). */
export interface Marker {
  date: string;
  value: number;
  id: number | string;
}

/** Items named in a marker's title, at most this many (then "and n more"). */
const NAMED_PER_MARKER = 8;

/**
 * The findings drawn as dots, one dot per week and value (rounded to whole points): a dot stands for every
 * finding in it (data-findings says how many; its title names the items), so the chart stays the same size
 * whether a benchmark has ten findings or a hundred thousand.
 */
function markerDots(markers: readonly Marker[], start: number, end: number, x: (ms: number) => number, y: (s: number) => number, locale = 'en'): string {
  const WEEK_MS = 7 * 86_400_000;
  const bins = new Map<string, { sumMs: number; points: number; ids: (number | string)[]; count: number }>();
  for (const m of markers) {
    const ms = Date.parse(m.date);
    if (!(ms >= start && ms <= end)) continue;
    const points = Math.round(100 * m.value);
    const key = `${Math.floor((ms - start) / WEEK_MS)}:${points}`;
    let bin = bins.get(key);
    if (!bin) bins.set(key, (bin = { sumMs: 0, points, ids: [], count: 0 }));
    bin.sumMs += ms;
    bin.count += 1;
    if (bin.ids.length < NAMED_PER_MARKER) bin.ids.push(m.id);
  }
  return [...bins.values()]
    .map((bin) => {
      const named = bin.ids.map((id) => `#${String(id)}`).join(', ');
      const label = bin.count === 1
        ? translate(locale, 'Finding of item {item}: value {value}', { item: named, value: bin.points })
        : bin.count > bin.ids.length
          ? translate(locale, '{count} findings, value {value}, items {items} and {more} more', { count: bin.count, value: bin.points, items: named, more: bin.count - bin.ids.length })
          : translate(locale, '{count} findings, value {value}, items {items}', { count: bin.count, value: bin.points, items: named });
      const r = Math.min(9, 3.5 + 1.5 * Math.log2(bin.count));
      return `<circle cx="${fmt(x(bin.sumMs / bin.count))}" cy="${fmt(y(bin.points))}" r="${fmt(r)}" class="marker" data-findings="${bin.count}"><title>${esc(label)}</title></circle>`;
    })
    .join('');
}

/** Score over time with the 80% interval as a band, band thresholds, and verified evidence as markers. */
export function scoreChartSvg(points: SeriesPoint[], markers: readonly Marker[], label: string, width = 720, height = 260, locale = 'en'): string {
  const id = idFor('chart', label);
  const left = 36;
  const right = 10;
  const top = 10;
  const bottom = 28;
  const innerW = width - left - right;
  const innerH = height - top - bottom;
  const start = Date.parse(points[0]?.date ?? '2000-01-01');
  const end = Date.parse(points[points.length - 1]?.date ?? '2000-01-02');
  const span = Math.max(1, end - start);
  const xMs = (ms: number) => left + ((ms - start) / span) * innerW;
  const x = (date: string) => xMs(Date.parse(date));
  const y = (s: number) => top + innerH - (s / 100) * innerH;
  const scored = points.filter((p) => p.score !== null);
  const line = scored.map((p, k) => `${k === 0 ? 'M' : 'L'}${fmt(x(p.date))},${fmt(y(p.score!))}`).join(' ');
  const banded = points.filter((p) => p.low != null && p.high != null);
  const band = banded.length
    ? `M${banded.map((p) => `${fmt(x(p.date))},${fmt(y(p.high!))}`).join(' L')} L${[...banded].reverse().map((p) => `${fmt(x(p.date))},${fmt(y(p.low!))}`).join(' L')} Z`
    : '';
  const grid = [0, 40, 60, 80, 100]
    .map((s) => `<line x1="${left}" x2="${width - right}" y1="${fmt(y(s))}" y2="${fmt(y(s))}" class="grid"/><text x="${left - 6}" y="${fmt(y(s) + 4)}" class="axis" text-anchor="end">${formatNumber(locale, s)}</text>`)
    .join('');
  const ticks = points
    .filter((p) => p.date.endsWith('-01') || p === points[0] || p === points[points.length - 1])
    .filter((_, i, arr) => arr.length <= 14 || i % 2 === 0)
    .map((p, i, arr) => {
      const anchor = i === 0 ? 'start' : i === arr.length - 1 ? 'end' : 'middle';
      return `<text x="${fmt(x(p.date))}" y="${height - 8}" class="axis" text-anchor="${anchor}">${esc(p.date.slice(0, 7))}</text>`;
    })
    .join('');
  const marks = markerDots(markers, start, end, xMs, y, locale);
  const last = scored[scored.length - 1];
  const first = scored[0];
  const description = first && last
    ? translate(locale, 'Score from {from} on {fromDate} to {to} on {toDate}; shaded: 80% interval; dots: the {count} verified findings you may see, one dot per week and value, larger where it stands for several (their value 0–100; findings in items restricted from you are not drawn).', { from: Math.round(first.score!), fromDate: first.date, to: Math.round(last.score!), toDate: last.date, count: markers.length })
    : translate(locale, 'No scores in this period.');
  return [
    `<svg class="score-chart" role="img" viewBox="0 0 ${width} ${height}" preserveAspectRatio="xMidYMid meet" aria-labelledby="${id}-t ${id}-d">`,
    `<title id="${id}-t">${esc(label)}</title>`,
    `<desc id="${id}-d">${esc(description)}</desc>`,
    grid,
    band ? `<path d="${band}" class="band-area"/>` : '',
    line ? `<path d="${line}" class="line"/>` : '',
    marks,
    ticks,
    '</svg>',
  ].join('');
}
