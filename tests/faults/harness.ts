// The fault tests' tools: the real server and the real command as child processes on a real database, and a
// client that keeps reading and writing through the API while something long runs beside it, recording how
// long every request took and what it answered. Every wait has a deadline, so a hang fails instead of stalling CI.

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { defaultImportFramework, importEvidenceFile } from '../../benchmarks/generate';
import { runCli as runCliHere } from '../helpers/cli';

export const BIN = path.resolve('bin/pactwatch.js');

/** A port nobody listens on right now. */
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

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns a value other than undefined, or throws after `ms`. */
export async function waitFor<T>(what: string, ms: number, check: () => Promise<T | undefined>, every = 50): Promise<T> {
  const deadline = Date.now() + ms;
  let lastError: unknown = null;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
    await sleep(every);
  }
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `pactwatch-faults-${prefix}-`));
}

/** An evidence-only import file of `count` generated items for the default framework, written to `file`. */
export function writeImportFile(file: string, count: number, options: { refPrefix?: string; seed?: number; breakLast?: boolean } = {}): void {
  const content = importEvidenceFile(defaultImportFramework(), count, options.seed ?? 7) as { evidence: Record<string, unknown>[] };
  const prefix = options.refPrefix ?? 'fault';
  content.evidence.forEach((item, i) => (item.ref = `${prefix}-${String(i + 1).padStart(6, '0')}`));
  // an error only the last item has: the whole file must be refused
  if (options.breakLast) content.evidence[content.evidence.length - 1].credibility = 9;
  fs.writeFileSync(file, JSON.stringify(content));
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Starts `pactwatch ARGS` as a child process; `done` settles when it exits (rejects after `timeoutMs`, killing it). */
export function spawnCli(args: string[], options: { env?: Record<string, string>; stdin?: string; timeoutMs?: number } = {}) {
  const started = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...options.env }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdin!.end(options.stdin ?? '');
  const timeoutMs = options.timeoutMs ?? 180_000;
  const done = new Promise<CliRun>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`pactwatch ${args.join(' ')} did not finish within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, ms: Date.now() - started });
    });
  });
  return { child, done };
}

export async function runCli(args: string[], options: { env?: Record<string, string>; stdin?: string; timeoutMs?: number } = {}): Promise<CliRun> {
  return spawnCli(args, options).done;
}

export interface ServerProcess {
  url: string;
  adminPassword: string | null;
  child: ChildProcess;
  output(): string;
  /** settles with the exit code (or signal) when the process ends */
  exited: Promise<number | string | null>;
  alive(): boolean;
  /** SIGTERM, then SIGKILL if it does not exit within 10 s */
  stop(): Promise<void>;
}

/** Starts `pactwatch serve` on the database and waits until /health answers 200 (at most `timeoutMs`). */
export async function startServer(databaseUrl: string, options: { timeoutMs?: number; env?: Record<string, string> } = {}): Promise<ServerProcess> {
  const port = options.env?.PORT ? Number(options.env.PORT) : await freePort();
  const child = spawn(process.execPath, [BIN, 'serve'], {
    env: {
      ...process.env,
      DATABASE_URL: databaseUrl,
      PORT: String(port),
      HOST: '127.0.0.1',
      DEMO_ON_FIRST_START: 'true',
      // no scheduled reports: the tests decide what runs beside the server
      REPORTS: 'none',
      LOG_LEVEL: 'warn',
      SESSION_SECRET: 'fault-tests-session-secret-of-at-least-32-characters',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  let exited = false;
  const exitedWith = new Promise<number | string | null>((resolve) => child.on('exit', (code, signal) => { exited = true; resolve(code ?? signal); }));
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`the server on ${url}`, options.timeoutMs ?? 60_000, async () => {
    if (exited) throw new Error(`the server exited: ${output.slice(-2000)}`);
    const res = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200 ? true : undefined;
  }, 100);
  const password = /password:\s+(\S+)/.exec(output)?.[1] ?? null;
  return {
    url,
    adminPassword: password,
    child,
    output: () => output,
    exited: exitedWith,
    alive: () => !exited,
    async stop() {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await gone;
      clearTimeout(timer);
    },
  };
}

/** A user with an API token, created with the command (run in this process: quicker than starting it twice). */
export async function userWithToken(databaseUrl: string, email: string, role: string, delegation: string): Promise<string> {
  const add = await runCliHere(['user', 'add', '--email', email, '--role', role, '--delegation', delegation, '--db', databaseUrl], 'a long enough password for tests 1\n');
  if (add.code !== 0) throw new Error(`user add failed: ${add.stderr}`);
  const token = await runCliHere(['token', 'create', '--email', email, '--db', databaseUrl]);
  if (token.code !== 0) throw new Error(`token create failed: ${token.stderr}`);
  return token.stdout.trim();
}

export interface RequestRecord {
  kind: string;
  status: number;
  ms: number;
  startedAt: number;
}

export interface LoadStats {
  records: RequestRecord[];
  /** requests that answered 5xx or failed on the network */
  failures: RequestRecord[];
  longest: RequestRecord | null;
  byKind: Record<string, { count: number; maxMs: number }>;
}

/**
 * Keeps up to five clients busy until stopped: /health, the evidence list, the scorecard (unless `scorecard` is
 * false: on tens of thousands of items it costs its own CPU time), and an evaluator who logs and submits items
 * that a reviewer verifies (writes that take the write lock).
 */
export function startLoad(baseUrl: string, tokens: { evaluator: string; reviewer: string }, options: { scorecard?: boolean } = {}) {
  const records: RequestRecord[] = [];
  let running = true;
  const request = async (kind: string, method: string, pathname: string, token: string | null, body?: unknown) => {
    const startedAt = Date.now();
    const t0 = performance.now();
    let status = 0;
    let json: unknown = null;
    try {
      const res = await fetch(`${baseUrl}${pathname}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        // far above the bound the tests assert: a request that hangs is recorded, not waited for forever
        signal: AbortSignal.timeout(60_000),
      });
      status = res.status;
      json = await res.json().catch(() => null);
    } catch {
      status = 0;
    }
    records.push({ kind, status, ms: performance.now() - t0, startedAt });
    return { status, json };
  };
  const loop = async (step: () => Promise<void>) => {
    while (running) {
      await step();
      await sleep(20);
    }
  };
  let n = 0;
  const loops = [
    loop(async () => void (await request('health', 'GET', '/health', null))),
    loop(async () => void (await request('list', 'GET', '/api/v1/evidence?limit=20', tokens.evaluator))),
    ...(options.scorecard === false ? [] : [loop(async () => void (await request('scorecard', 'GET', '/api/v1/scorecard', tokens.evaluator)))]),
    loop(async () => {
      n += 1;
      const created = await request('create', 'POST', '/api/v1/evidence', tokens.evaluator, {
        title: `Logged during the fault test ${n}`,
        observed_on: '2026-06-15',
        source_reliability: 'B',
        credibility: 2,
        tlp: 'GREEN',
        findings: [{ benchmark: 'BORDER-1', stance: 1 }],
        submit: true,
      });
      const id = (created.json as { id?: number } | null)?.id;
      if (created.status === 201 && id) await request('verify', 'POST', `/api/v1/evidence/${id}/verify`, tokens.reviewer, {});
    }),
  ];
  return {
    records,
    async stop(): Promise<LoadStats> {
      running = false;
      await Promise.all(loops);
      const failures = records.filter((r) => r.status === 0 || r.status >= 500);
      const longest = records.reduce<RequestRecord | null>((a, r) => (a === null || r.ms > a.ms ? r : a), null);
      const byKind: LoadStats['byKind'] = {};
      for (const r of records) {
        const k = (byKind[r.kind] ??= { count: 0, maxMs: 0 });
        k.count += 1;
        k.maxMs = Math.max(k.maxMs, Math.round(r.ms));
      }
      return { records, failures, longest, byKind };
    },
  };
}

/** A one-line account of a load run for failure messages and the test log. */
export function describeLoad(stats: LoadStats): string {
  const kinds = Object.entries(stats.byKind).map(([k, v]) => `${k} ${v.count}× max ${v.maxMs} ms`).join(', ');
  const failed = stats.failures.slice(0, 5).map((f) => `${f.kind} ${f.status} after ${Math.round(f.ms)} ms`).join('; ');
  return `${stats.records.length} requests (${kinds}); longest ${stats.longest ? `${stats.longest.kind} ${Math.round(stats.longest.ms)} ms` : '-'}; ${stats.failures.length} failed${failed ? `: ${failed}` : ''}`;
}
