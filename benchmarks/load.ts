// HTTP load on loopback, bounded in time: N keep-alive connections each sending the next request as soon as the
// previous answer is complete, for a fixed duration; every request has its own timeout, and requests still open
// when the duration is over get a drain time (as long as the duration, at most the timeout) and are then cut: counted
// as `cut`, with the time they had been open kept as a lower bound of their latency (so a slow page cannot stretch a
// slot, nor hide from the p99). autocannon does this when it is installed (`autocannon@9.0.0`);
// until then a small driver on node:http with the same closed-loop model stands in, and every result says which
// one measured it.

import http from 'node:http';
import { nowMs, quantile } from './harness';

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** request body (POST); a function gives each request its own */
  body?: string | (() => string);
  connections: number;
  durationMs: number;
  /** a request not answered within this is counted as a timeout */
  timeoutMs: number;
  /**
   * after the duration, requests still open get this long to finish (default: the duration, at most the timeout);
   * then they are cut: counted as `cut`, their time so far kept as a lower bound of their latency
   */
  drainMs?: number;
}

export interface LoadResult {
  driver: 'autocannon' | 'node:http';
  requests: number;
  /** answers with status 2xx/3xx */
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** requests still open when the slot ended (after the drain time): their latency counts as at least that long */
  cut: number;
  durationMs: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  bytes: number;
  /** first non-2xx status seen, to name the problem */
  firstBadStatus: number | null;
}

type Autocannon = (opts: Record<string, unknown>) => Promise<Record<string, any>>;
let autocannon: Autocannon | null | undefined;

async function loadAutocannon(): Promise<Autocannon | null> {
  if (autocannon !== undefined) return autocannon;
  try {
    const mod = (await import(/* optional */ 'autocannon' as string)) as { default: Autocannon };
    autocannon = mod.default;
  } catch {
    autocannon = null;
  }
  return autocannon;
}

export async function loadDriverName(): Promise<LoadResult['driver']> {
  return (await loadAutocannon()) ? 'autocannon' : 'node:http';
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  if (process.env.PACTWATCH_BENCH_DRIVER !== 'node:http') {
    const ac = await loadAutocannon();
    if (ac) return runAutocannon(ac, options);
  }
  return runNodeHttp(options);
}

async function runAutocannon(ac: Autocannon, o: LoadOptions): Promise<LoadResult> {
  const r = await ac({
    url: o.url,
    method: o.method ?? 'GET',
    headers: o.headers,
    ...(typeof o.body === 'string' ? { body: o.body } : {}),
    ...(typeof o.body === 'function' ? { setupClient: (client: { setBody(b: string): void; on(e: string, f: () => void): void }) => client.on('response', () => client.setBody((o.body as () => string)())) } : {}),
    connections: o.connections,
    duration: o.durationMs / 1000,
    timeout: o.timeoutMs / 1000,
  });
  const ok = Number(r['2xx'] ?? 0) + Number(r['3xx'] ?? 0);
  return {
    driver: 'autocannon',
    requests: Number(r.requests?.total ?? 0),
    ok,
    non2xx: Number(r.non2xx ?? 0),
    errors: Number(r.errors ?? 0),
    timeouts: Number(r.timeouts ?? 0),
    cut: 0,
    durationMs: Number(r.duration ?? o.durationMs / 1000) * 1000,
    rps: ok / (Number(r.duration ?? o.durationMs / 1000) || 1),
    p50: Number(r.latency?.p50 ?? NaN),
    p90: Number(r.latency?.p90 ?? NaN),
    p99: Number(r.latency?.p99 ?? NaN),
    max: Number(r.latency?.max ?? NaN),
    bytes: Number(r.throughput?.total ?? 0),
    firstBadStatus: null,
  };
}

async function runNodeHttp(o: LoadOptions): Promise<LoadResult> {
  const url = new URL(o.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: o.connections });
  const latencies: number[] = [];
  const result: LoadResult = { driver: 'node:http', requests: 0, ok: 0, non2xx: 0, errors: 0, timeouts: 0, cut: 0, durationMs: 0, rps: 0, p50: NaN, p90: NaN, p99: NaN, max: NaN, bytes: 0, firstBadStatus: null };
  const started = nowMs();
  const deadline = started + o.durationMs;
  const drainMs = Math.min(o.drainMs ?? o.durationMs, o.timeoutMs);
  const open = new Set<() => void>();

  const once = () =>
    new Promise<void>((resolve) => {
      const body = typeof o.body === 'function' ? o.body() : o.body;
      const t0 = nowMs();
      let settled = false;
      const finish = (outcome: 'ok' | 'bad' | 'error' | 'timeout' | 'cut', status: number | null, bytes: number) => {
        if (settled) return;
        settled = true;
        open.delete(cut);
        result.requests += 1;
        if (outcome === 'ok' || outcome === 'bad' || outcome === 'cut') latencies.push(nowMs() - t0);
        if (outcome === 'cut') result.cut += 1;
        if (outcome === 'ok') result.ok += 1;
        else if (outcome === 'bad') {
          result.non2xx += 1;
          result.firstBadStatus ??= status;
        } else if (outcome === 'error') result.errors += 1;
        else if (outcome === 'timeout') result.timeouts += 1;
        result.bytes += bytes;
        resolve();
      };
      const req = http.request(
        { agent, host: url.hostname, port: url.port, path: url.pathname + url.search, method: o.method ?? 'GET', headers: { ...o.headers, ...(body !== undefined ? { 'content-length': Buffer.byteLength(body) } : {}) } },
        (res) => {
          let bytes = 0;
          res.on('data', (chunk: Buffer) => (bytes += chunk.length));
          res.on('end', () => finish((res.statusCode ?? 0) < 400 ? 'ok' : 'bad', res.statusCode ?? 0, bytes));
          res.on('error', () => finish('error', null, bytes));
        },
      );
      req.setTimeout(o.timeoutMs, () => {
        finish('timeout', null, 0);
        req.destroy();
      });
      req.on('error', () => finish('error', null, 0));
      const cut = () => {
        finish('cut', null, 0);
        req.destroy();
      };
      open.add(cut);
      if (body !== undefined) req.write(body);
      req.end();
    });

  const drainTimer = setTimeout(() => {
    for (const cut of [...open]) cut();
  }, o.durationMs + drainMs);
  const worker = async () => {
    while (nowMs() < deadline) await once();
  };
  await Promise.all(Array.from({ length: o.connections }, worker));
  clearTimeout(drainTimer);
  agent.destroy();
  result.durationMs = nowMs() - started;
  result.rps = result.ok / (result.durationMs / 1000);
  if (latencies.length) {
    result.p50 = quantile(latencies, 0.5);
    result.p90 = quantile(latencies, 0.9);
    result.p99 = quantile(latencies, 0.99);
    result.max = Math.max(...latencies);
  }
  return result;
}

/** One request, timed, with its whole body; a timeout or a connection error gives status 0. */
export async function fetchOnce(url: string, options: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs: number }): Promise<{ status: number; ms: number; body: Buffer; headers: http.IncomingHttpHeaders; timedOut: boolean }> {
  const u = new URL(url);
  const t0 = nowMs();
  return new Promise((resolve) => {
    let done = false;
    const end = (status: number, body: Buffer, headers: http.IncomingHttpHeaders, timedOut = false) => {
      if (done) return;
      done = true;
      resolve({ status, ms: nowMs() - t0, body, headers, timedOut });
    };
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, method: options.method ?? 'GET', headers: { ...options.headers, ...(options.body !== undefined ? { 'content-length': Buffer.byteLength(options.body) } : {}), connection: 'close' } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => end(res.statusCode ?? 0, Buffer.concat(chunks), res.headers));
        res.on('error', () => end(0, Buffer.concat(chunks), res.headers));
      },
    );
    req.setTimeout(options.timeoutMs, () => {
      end(0, Buffer.alloc(0), {}, true);
      req.destroy();
    });
    req.on('error', () => end(0, Buffer.alloc(0), {}));
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}
