// PostgreSQL going away under load (issue 10.1 and 10.5): the server's connections killed by the database, the
// database down (connections refused), and the database frozen (connections open, no answers). The server must
// keep running, answer 503 with Retry-After in the contract's error shape (never 500, never hang past a bound),
// say in /health what is down, and recover by itself when the database is back. Before the fix a terminated
// idle connection ended the process with "Unhandled 'error' event", and a frozen database made /health hang.

import crypto from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../../src/db/connect';
import { migrateToLatest } from '../../src/db/migrate';
import { seedDefault } from '../../src/seed/index';
import { createUser } from '../../src/users/service';
import { createApiToken } from '../../src/auth/tokens';
import { CLI_ACTOR } from '../../src/audit/log';
import { PG_URL, TcpProxy, load, postgresReachable, request, startServer, until, type Server } from './helpers';

const reachable = await postgresReachable();

describe.skipIf(!reachable)('PostgreSQL failures under load', () => {
  const schema = `fault_${process.pid}_${crypto.randomBytes(3).toString('hex')}`;
  const target = new URL(PG_URL);
  const proxy = new TcpProxy({ host: target.hostname, port: Number(target.port || 5432) });
  let server: Server;
  let token: string;
  let admin: pg.Client;

  const viaProxy = () => {
    const u = new URL(PG_URL);
    u.port = String(proxy.port);
    u.searchParams.set('schema', schema);
    return u.toString();
  };

  beforeAll(async () => {
    await proxy.start();
    const db: Db = await openDatabase(viaProxy());
    await migrateToLatest(db);
    await seedDefault(db.kysely, { demo: true });
    const user = await createUser(db.kysely, { email: 'writer@faults.example', role: 'evaluator', delegation: 'PAK', password: 'fault suite writer password' });
    token = (await createApiToken(db.kysely, user, 'faults', CLI_ACTOR)).token;
    await db.close();
    server = await startServer(viaProxy(), { env: { LOG_LEVEL: 'info', DB_STATEMENT_TIMEOUT_MS: '2000', DB_CONNECT_TIMEOUT_MS: '1000', DEMO_ON_FIRST_START: 'false' } });
    admin = new pg.Client({ connectionString: PG_URL });
    await admin.connect();
  }, 120_000);

  afterAll(async () => {
    server?.child.kill('SIGKILL');
    await proxy.stop().catch(() => undefined);
    await proxy.start().catch(() => undefined);
    await admin?.query(`drop schema if exists "${schema}" cascade`).catch(() => undefined);
    await admin?.end().catch(() => undefined);
    await proxy.stop().catch(() => undefined);
  });

  const unavailableShape = (body: string) => {
    const json = JSON.parse(body) as { error?: { code?: string; message?: string } };
    return json.error?.code === 'UNAVAILABLE' && typeof json.error.message === 'string';
  };

  it('keeps serving after the database terminates its connections', async () => {
    const traffic = load(server.url, token);
    await until('some answers', () => traffic.answers.length > 20);
    const ports = proxy.upstreamPorts();
    expect(ports.length).toBeGreaterThan(0);
    const killed = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where client_port = any($1::int[])', [ports]);
    expect(killed.rowCount).toBeGreaterThan(0);
    const after = Date.now();
    await until('ten good answers after the kill', () => traffic.since(after).filter((a) => a.status >= 200 && a.status < 300).length >= 10);
    await traffic.stop();
    expect(server.alive()).toBe(true);
    const bad = traffic.answers.filter((a) => a.status >= 500 && !(a.status === 503 && a.retryAfter !== null));
    expect(bad.map((a) => `${a.what} ${a.status} ${a.body.slice(0, 100)}`)).toEqual([]);
  }, 120_000);

  it('answers 503 with Retry-After while the database is down, and recovers without a restart', async () => {
    const traffic = load(server.url, token, { timeoutMs: 15_000 });
    await until('some answers', () => traffic.answers.length > 10);
    await proxy.stop();
    const down = Date.now();
    await until('503s from the API while the database is down', () => traffic.since(down + 1_500).filter((a) => a.what !== 'health' && a.status === 503).length >= 3, 30_000);
    const health = await request(server.url, 'health', { path: '/health' });
    expect(health.status).toBe(503);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'unavailable', database: { read: expect.stringMatching(/reach|answer|connection/) } });
    await proxy.start();
    const up = Date.now();
    await until('good answers again', () => traffic.since(up).filter((a) => a.what === 'write' && a.status === 201).length >= 3, 30_000);
    await traffic.stop();
    expect(server.alive()).toBe(true);
    const during = traffic.answers.filter((a) => a.at >= down && a.at < up);
    // every answer while down was a good one (in flight before) or a 503 in the contract's shape with Retry-After
    const wrong = during.filter((a) => !(a.status < 300 || (a.status === 503 && a.retryAfter !== null && (a.what === 'health' || unavailableShape(a.body)))));
    expect(wrong.map((a) => `${a.what} ${a.status} ${a.body.slice(0, 120)}`)).toEqual([]);
    // and none hung: the connect time-out is 1 s
    expect(Math.max(...during.map((a) => a.ms))).toBeLessThan(10_000);
  }, 120_000);

  it('answers /health within its bound while the database is frozen, 503 to the API after the time-out, then recovers', async () => {
    const traffic = load(server.url, token, { timeoutMs: 30_000 });
    await until('some answers', () => traffic.answers.length > 10);
    proxy.freeze();
    const frozen = Date.now();
    const health = await request(server.url, 'health', { path: '/health' }, 10_000);
    expect(health.status).toBe(503);
    expect(health.ms).toBeLessThan(8_000);
    await until('503s from the API while frozen', () => traffic.since(frozen).filter((a) => a.what !== 'health' && a.status === 503).length >= 1, 30_000);
    proxy.thaw();
    proxy.dropAll();
    const thawed = Date.now();
    await until('good answers after the thaw', () => traffic.since(thawed).filter((a) => a.what === 'write' && a.status === 201).length >= 3, 30_000);
    await traffic.stop();
    expect(server.alive()).toBe(true);
    const fiveHundreds = traffic.answers.filter((a) => a.status >= 500 && a.status !== 503);
    expect(fiveHundreds.map((a) => `${a.what} ${a.status} ${a.body.slice(0, 120)}`)).toEqual([]);
  }, 120_000);
});
