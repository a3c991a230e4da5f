// Shared helpers of the benchmark suite: a clock, medians, interleaved rounds, a deterministic PRNG and
// Markdown tables. The machine running the suite is shared and noisy, so every comparison is made between
// variants measured side by side in the same run (interleaved) and reported as a ratio of medians.

/** Milliseconds from a monotonic clock with sub-microsecond resolution. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** The q-quantile (0..1) by linear interpolation. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** Runs the collector if node was started with --expose-gc (twice: the first pass may leave finalisable garbage). */
export function collectGarbage(): boolean {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return false;
  gc();
  gc();
  return true;
}

/** mulberry32: a small, fast, deterministic PRNG; returns floats in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Variant {
  name: string;
  /** one operation; its result is kept in a sink so the work cannot be optimised away */
  op: () => unknown | Promise<unknown>;
  /** operations per round (default: the options' opsPerRound) */
  opsPerRound?: number;
}

export interface InterleaveOptions {
  rounds: number;
  opsPerRound: number;
  /** operations of each variant before the first round (JIT, caches), not measured */
  warmupOps?: number;
  /** time each operation on its own (latency distribution) rather than the whole batch */
  perOp?: boolean;
  /** collect garbage (untimed) before each variant's batch, so one variant's garbage is not billed to the next */
  gcBetween?: boolean;
}

/**
 * Lets the event loop turn once. A loop of awaited app.inject() calls that never does real I/O runs entirely in
 * microtasks, so the setImmediate callbacks fastify/light-my-request schedule per request (each holding its
 * request and reply) pile up until the loop ends: memory looks like a leak and later operations pay for the
 * backlog. A real server returns to the event loop between requests; so do the benchmarks, outside the timing.
 */
export function turnEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export interface VariantResult {
  name: string;
  /** per round: milliseconds per operation (batch mean, or median of the single-op times when perOp) */
  roundMsPerOp: number[];
  /** every single-op time (perOp only) */
  samples: number[];
  /** median over the rounds of the per-round ms/op */
  msPerOp: number;
}

let sink: unknown = null;
/** Something that depends on every result, so nothing measured is dead code. */
export function consume(value: unknown): void {
  sink = value;
}
export function sinkValue(): unknown {
  return sink;
}

/**
 * Interleaved measurement: round 1 runs A then B (then C...), round 2 runs them in reverse order, and so on,
 * so a slow phase of the shared machine hits every variant alike. Returns one result per variant.
 */
export async function interleave(variants: readonly Variant[], options: InterleaveOptions): Promise<VariantResult[]> {
  const results: VariantResult[] = variants.map((v) => ({ name: v.name, roundMsPerOp: [], samples: [], msPerOp: 0 }));
  for (let w = 0; w < (options.warmupOps ?? 0); w += 1) {
    for (const v of variants) {
      consume(await v.op());
      await turnEventLoop();
    }
  }
  for (let round = 0; round < options.rounds; round += 1) {
    const order = variants.map((_, i) => i);
    if (round % 2 === 1) order.reverse();
    for (const i of order) {
      const v = variants[i];
      const ops = v.opsPerRound ?? options.opsPerRound;
      if (options.gcBetween) collectGarbage();
      if (options.perOp) {
        const times: number[] = [];
        for (let k = 0; k < ops; k += 1) {
          const t0 = nowMs();
          consume(await v.op());
          times.push(nowMs() - t0);
          await turnEventLoop();
        }
        results[i].samples.push(...times);
        results[i].roundMsPerOp.push(median(times));
      } else {
        const t0 = nowMs();
        for (let k = 0; k < ops; k += 1) consume(await v.op());
        results[i].roundMsPerOp.push((nowMs() - t0) / ops);
        await turnEventLoop();
      }
    }
  }
  for (const r of results) r.msPerOp = median(r.roundMsPerOp);
  return results;
}

/** Median over the rounds of (a / b) measured in the same round: the ratio least disturbed by machine drift. */
export function roundRatio(a: VariantResult, b: VariantResult): number {
  return median(a.roundMsPerOp.map((x, i) => x / b.roundMsPerOp[i]));
}

/** Spread of the per-round ratios, to show how steady a ratio was: "min-max". */
export function ratioRange(a: VariantResult, b: VariantResult): string {
  const ratios = a.roundMsPerOp.map((x, i) => x / b.roundMsPerOp[i]);
  return `${fmt(Math.min(...ratios), 2)}–${fmt(Math.max(...ratios), 2)}`;
}

// ---------------------------------------------------------------- formatting

/** A number with a fixed count of significant-looking decimals, thousands separated. */
export function fmt(value: number, decimals = 1): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
}

export const fmtMs = (ms: number) => (ms >= 100 ? fmt(ms, 0) : ms >= 10 ? fmt(ms, 1) : ms >= 1 ? fmt(ms, 2) : fmt(ms, 3)) + ' ms';
export const fmtUs = (ms: number) => fmt(ms * 1000, ms * 1000 >= 10 ? 1 : 2) + ' µs';
export const fmtRatio = (r: number) => `${fmt(r, r >= 10 ? 1 : 2)}×`;
export const fmtOps = (msPerOp: number) => fmt(1000 / msPerOp, 1000 / msPerOp >= 100 ? 0 : 1);
export const fmtMb = (bytes: number) => fmt(bytes / (1024 * 1024), 1) + ' MB';

export interface Table {
  headers: string[];
  rows: string[][];
}

export function markdownTable(table: Table): string {
  const escape = (s: string) => s.replace(/\|/g, '\\|');
  const lines = [
    `| ${table.headers.map(escape).join(' | ')} |`,
    `|${table.headers.map(() => '---').join('|')}|`,
    ...table.rows.map((row) => `| ${row.map(escape).join(' | ')} |`),
  ];
  return lines.join('\n');
}

/** A plain-text table for the terminal, columns padded. */
export function textTable(table: Table): string {
  const all = [table.headers, ...table.rows];
  const widths = table.headers.map((_, c) => Math.max(...all.map((row) => [...(row[c] ?? '')].length)));
  const line = (row: string[]) => row.map((cell, c) => cell + ' '.repeat(widths[c] - [...cell].length)).join('  ');
  return [line(table.headers), widths.map((w) => '-'.repeat(w)).join('  '), ...table.rows.map(line)].join('\n');
}

/** What each benchmark hands back to the runner. */
export interface BenchResult {
  /** short id, e.g. "scoring" */
  id: string;
  title: string;
  /** one paragraph: what is measured and how */
  method: string;
  tables: { caption?: string; table: Table }[];
  /** observations worth reading next to the numbers */
  notes: string[];
  seconds?: number;
}

/** Logs progress to stderr, so stdout keeps only the summary. */
export function progress(message: string): void {
  process.stderr.write(`  · ${message}\n`);
}

/**
 * A progress bar on stderr: redrawn in place on a terminal, a line every ~10% otherwise (logs stay readable).
 * `tick(n)` adds n done; `done()` ends the line with the elapsed time.
 */
export function progressBar(label: string, total: number): { tick(n?: number): void; done(note?: string): void } {
  const tty = process.stderr.isTTY === true;
  const started = nowMs();
  let count = 0;
  let lastDrawn = -1;
  let lastDrawMs = 0;
  const draw = (final: boolean) => {
    const share = total > 0 ? Math.min(1, count / total) : 1;
    const elapsed = (nowMs() - started) / 1000;
    const eta = share > 0 && !final ? ` eta ${fmt(Math.max(0, elapsed / share - elapsed), 0)} s` : '';
    const width = 30;
    const filled = Math.round(share * width);
    const bar = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`;
    const text = `  · ${label} ${bar} ${fmt(100 * share, 0)}% ${fmt(count, 0)}/${fmt(total, 0)} ${fmt(elapsed, 1)} s${eta}`;
    if (tty) process.stderr.write(`\r${text}\x1b[K${final ? '\n' : ''}`);
    else process.stderr.write(`${text}\n`);
  };
  return {
    tick(n = 1) {
      count += n;
      const decile = total > 0 ? Math.floor((10 * count) / total) : 10;
      const now = nowMs();
      if (tty ? now - lastDrawMs > 100 : decile !== lastDrawn) {
        lastDrawn = decile;
        lastDrawMs = now;
        draw(false);
      }
    },
    done(note?: string) {
      count = Math.max(count, total);
      draw(true);
      if (note) process.stderr.write(`    ${note}\n`);
    },
  };
}
