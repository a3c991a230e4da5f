// Child processes of the benchmark run: the app as `pactwatch serve` (so its RSS is its own and measurable), and the
// reference server (static-server.ts). Start, wait until answering, sample memory, stop.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { fileURLToPath } from 'node:url';
import { fetchOnce } from './load';
import { nowMs } from './harness';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BENCH_SESSION_SECRET = 'benchmark-session-secret-of-at-least-32-characters';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Resident set size of a process in bytes (Linux /proc), or null when it is gone. */
export function rssOf(pid: number): number | null {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export interface Child {
  process: ChildProcess;
  pid: number;
  baseUrl: string;
  /** stderr and stdout of the child, for error messages */
  output(): string;
  stop(): Promise<void>;
}

function track(child: ChildProcess): () => string {
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString('utf8');
    if (out.length > 20_000) out = out.slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return () => out;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  // a server still busy with a request the client gave up on (an export) may not get to its SIGTERM handler soon
  const timer = setTimeout(() => child.kill('SIGKILL'), 8_000);
  await exited;
  clearTimeout(timer);
}

/** Polls `path` until it answers 200 (or `timeoutMs`); returns milliseconds from `since`, or null. */
export async function waitForAnswer(baseUrl: string, path: string, since: number, timeoutMs: number, headers: Record<string, string> = {}, child?: ChildProcess): Promise<number | null> {
  while (nowMs() - since < timeoutMs) {
    if (child && child.exitCode !== null) return null;
    const r = await fetchOnce(`${baseUrl}${path}`, { headers, timeoutMs: 5_000 });
    if (r.status === 200) return nowMs() - since;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return null;
}

export interface AppChild extends Child {
  /** from spawn to the first 200 of GET /health, ms (null: never within the timeout) */
  healthMs: number | null;
  spawnedAt: number;
}

/** Starts `pactwatch serve` on `databaseUrl`, as shipped (NODE_ENV unset), with scheduled reports off. */
export async function startApp(databaseUrl: string, options: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<AppChild> {
  const port = await freePort();
  const env: Record<string, string> = { ...(process.env as Record<string, string>) };
  delete env.NODE_ENV;
  Object.assign(env, {
    DATABASE_URL: databaseUrl,
    PORT: String(port),
    HOST: '127.0.0.1',
    SESSION_SECRET: BENCH_SESSION_SECRET,
    REPORTS: 'none',
    LOG_LEVEL: 'warn',
    DEMO_ON_FIRST_START: 'false',
    ...options.env,
  });
  const spawnedAt = nowMs();
  const child = spawn(process.execPath, ['bin/pactwatch.js', 'serve'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = track(child);
  const baseUrl = `http://127.0.0.1:${port}`;
  const healthMs = await waitForAnswer(baseUrl, '/health', spawnedAt, options.timeoutMs ?? 60_000, {}, child);
  if (healthMs === null) {
    await stopChild(child);
    throw new Error(`pactwatch serve did not answer /health within ${(options.timeoutMs ?? 60_000) / 1000} s: ${output().slice(-2000)}`);
  }
  return { process: child, pid: child.pid!, baseUrl, output, stop: () => stopChild(child), healthMs, spawnedAt };
}

/** Starts the reference server for these routes (bytes written to files in `dir`). */
export async function startStatic(dir: string, routes: { url: string; contentType: string; body: Buffer }[]): Promise<Child> {
  const manifest = routes.map((r, i) => {
    const file = `${dir}/static-${i}.bin`;
    fs.writeFileSync(file, r.body);
    return { url: r.url, contentType: r.contentType, file };
  });
  const manifestFile = `${dir}/static-manifest.json`;
  fs.writeFileSync(manifestFile, JSON.stringify(manifest));
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'benchmarks/static-server.ts', manifestFile, String(port)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = track(child);
  const baseUrl = `http://127.0.0.1:${port}`;
  const since = nowMs();
  if ((await waitForAnswer(baseUrl, routes[0].url, since, 30_000, {}, child)) === null) {
    await stopChild(child);
    throw new Error(`the reference server did not start: ${output()}`);
  }
  return { process: child, pid: child.pid!, baseUrl, output, stop: () => stopChild(child) };
}

/** Samples a process's RSS every `everyMs`; `peak()` since the last `mark()`, and overall. */
export function rssSampler(pid: () => number | null, everyMs = 100) {
  let overall = 0;
  let sinceMark = 0;
  const timer = setInterval(() => {
    const p = pid();
    const rss = p === null ? null : rssOf(p);
    if (rss === null) return;
    overall = Math.max(overall, rss);
    sinceMark = Math.max(sinceMark, rss);
  }, everyMs);
  timer.unref();
  return {
    mark() {
      sinceMark = 0;
    },
    peakSinceMark: () => sinceMark,
    peak: () => overall,
    stop: () => clearInterval(timer),
  };
}
