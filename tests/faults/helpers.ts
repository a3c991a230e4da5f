// The fault suite's tools beside harness.ts (servers and commands as child processes): a client that keeps a
// server busy and records every answer, a TCP proxy between the server and PostgreSQL that can drop, refuse or
// freeze connections, and waits bounded by deadlines (never by how fast the machine is).

import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export { startServer, type ServerProcess as Server } from './harness';
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const PG_URL = process.env.PACTWATCH_FAULT_PG_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export async function postgresReachable(url = PG_URL): Promise<boolean> {
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Waits until `check` holds, polling; fails with `what` after `ms`. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = 30_000, every = 50): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, every));
  }
}

export interface Answer {
  at: number;
  what: string;
  status: number;
  ms: number;
  body: string;
  retryAfter: string | null;
}

/** One request with a bound on how long the client waits; a client time-out is status 0. */
export async function request(base: string, what: string, init: RequestInit & { path: string }, timeoutMs = 20_000): Promise<Answer> {
  const started = Date.now();
  try {
    const res = await fetch(`${base}${init.path}`, { ...init, signal: AbortSignal.timeout(timeoutMs) });
    const body = await res.text();
    return { at: started, what, status: res.status, ms: Date.now() - started, body, retryAfter: res.headers.get('retry-after') };
  } catch (err) {
    return { at: started, what, status: 0, ms: Date.now() - started, body: String((err as Error).message), retryAfter: null };
  }
}

export const evidenceBody = (n: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    title: `Fault suite item ${n}`,
    observed_on: '2026-03-01',
    source_reliability: 'B',
    credibility: 2,
    tlp: 'GREEN',
    findings: [{ benchmark: 'BORDER-1', stance: 1 }],
    submit: true,
    ...extra,
  });

/** Keeps a server busy with reads, writes and health checks until stopped; records every answer. */
export function load(base: string, token: string, opts: { writers?: number; readers?: number; timeoutMs?: number } = {}) {
  const answers: Answer[] = [];
  let running = true;
  let n = 0;
  const auth = { authorization: `Bearer ${token}` };
  const loop = async (kind: 'read' | 'write' | 'health') => {
    while (running) {
      if (kind === 'health') answers.push(await request(base, 'health', { path: '/health' }, opts.timeoutMs));
      else if (kind === 'read') answers.push(await request(base, 'read', { path: '/api/v1/evidence?limit=5', headers: auth }, opts.timeoutMs));
      else {
        n += 1;
        answers.push(await request(base, 'write', { path: '/api/v1/evidence', method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: evidenceBody(n) }, opts.timeoutMs));
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const loops = [
    ...Array.from({ length: opts.readers ?? 2 }, () => loop('read')),
    ...Array.from({ length: opts.writers ?? 1 }, () => loop('write')),
    loop('health'),
  ];
  return {
    answers,
    since: (t: number) => answers.filter((a) => a.at >= t),
    async stop() {
      running = false;
      await Promise.all(loops);
    },
  };
}

/**
 * A TCP proxy in front of PostgreSQL: drop every connection (the server killed them), refuse new ones (the
 * database is down), or stop passing bytes while connections stay open (the database is frozen).
 */
export class TcpProxy {
  private server: net.Server | null = null;
  private readonly pairs = new Set<[net.Socket, net.Socket]>();
  private frozen = false;
  private held: (() => void)[] = [];
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(port = this.port): Promise<number> {
    this.server = net.createServer((client) => {
      const upstream = net.connect(this.target.port, this.target.host);
      const pair: [net.Socket, net.Socket] = [client, upstream];
      this.pairs.add(pair);
      const end = () => {
        client.destroy();
        upstream.destroy();
        this.pairs.delete(pair);
      };
      client.on('error', end).on('close', end);
      upstream.on('error', end).on('close', end);
      // bytes are forwarded by hand so that a frozen proxy holds them back (as a stopped server would)
      const forward = (from: net.Socket, to: net.Socket) =>
        from.on('data', (chunk: Buffer) => {
          if (this.frozen) this.held.push(() => to.write(chunk));
          else to.write(chunk);
        });
      forward(client, upstream);
      forward(upstream, client);
    });
    await new Promise<void>((resolve, reject) => this.server!.once('error', reject).listen(port, '127.0.0.1', () => resolve()));
    this.port = (this.server!.address() as net.AddressInfo).port;
    return this.port;
  }

  /** Local ports of the proxy's connections to PostgreSQL: what pg_stat_activity calls client_port. */
  upstreamPorts(): number[] {
    return [...this.pairs].map(([, upstream]) => upstream.localPort).filter((p): p is number => typeof p === 'number');
  }

  dropAll(): void {
    this.held = [];
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    this.pairs.clear();
  }

  /** The database is down: new connections are refused and open ones end. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.dropAll();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  freeze(): void {
    this.frozen = true;
  }

  thaw(): void {
    this.frozen = false;
    const held = this.held;
    this.held = [];
    for (const write of held) write();
  }
}
