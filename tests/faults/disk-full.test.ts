// A full disk under a running server (issue 10.5, 10.7): writes answer 503 with Retry-After naming the cause,
// reads keep working, /health says the write check fails, the log keeps the real SQLITE_FULL (not "cannot
// rollback - no transaction is active"), and everything works again once space is freed, without a restart.
// Needs a small filesystem: a tmpfs mounted here (root only); skipped with the reason otherwise.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connect';
import { migrateToLatest } from '../../src/db/migrate';
import { seedDefault } from '../../src/seed/index';
import { createUser } from '../../src/users/service';
import { createApiToken } from '../../src/auth/tokens';
import { CLI_ACTOR } from '../../src/audit/log';
import { evidenceBody, request, startServer, until, type Server } from './helpers';

const mountPoint = fs.mkdtempSync(path.join(os.tmpdir(), 'pactwatch-full-'));
let mountProblem: string | null = null;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mountPoint], { stdio: 'pipe' });
} catch (err) {
  mountProblem = `cannot mount a small tmpfs here (${String((err as Error).message).split('\n')[0]}); run the fault suite as root to include it`;
}

describe.skipIf(mountProblem !== null)(`a full disk${mountProblem ? ` (skipped: ${mountProblem})` : ''}`, () => {
  const dbFile = path.join(mountPoint, 'pactwatch.db');
  const filler = path.join(mountPoint, 'filler');
  let server: Server;
  let token: string;

  beforeAll(async () => {
    const db = await openDatabase(dbFile);
    await migrateToLatest(db);
    await seedDefault(db.kysely, { demo: true });
    const user = await createUser(db.kysely, { email: 'writer@faults.example', role: 'evaluator', delegation: 'PAK', password: 'fault suite writer password' });
    token = (await createApiToken(db.kysely, user, 'faults', CLI_ACTOR)).token;
    await db.close();
    server = await startServer(dbFile, { env: { LOG_LEVEL: 'info', DEMO_ON_FIRST_START: 'false' } });
  }, 120_000);

  afterAll(async () => {
    server?.child.kill('SIGKILL');
    await server?.exited;
    try {
      execFileSync('umount', [mountPoint], { stdio: 'pipe' });
      fs.rmSync(mountPoint, { recursive: true, force: true });
    } catch {
      // left for the operating system to clean up
    }
  });

  const write = (n: number) =>
    request(server.url, 'write', { path: '/api/v1/evidence', method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: evidenceBody(n, { summary: 'x'.repeat(4000) }) });

  it('answers writes 503 with the cause, keeps reads, reports it in /health, and recovers when space is freed', async () => {
    expect((await write(0)).status).toBe(201);
    // fill what is left of the filesystem
    const chunk = Buffer.alloc(256 * 1024, 1);
    const fd = fs.openSync(filler, 'w');
    try {
      for (;;) fs.writeSync(fd, chunk);
    } catch (err) {
      expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      fs.closeSync(fd);
    }
    // a few writes: the WAL may have room for a page or two
    let refused = null;
    for (let n = 1; n <= 50 && !refused; n += 1) {
      const res = await write(n);
      expect(res.status === 201 || res.status === 503, `${res.status} ${res.body.slice(0, 200)}`).toBe(true);
      if (res.status === 503) refused = res;
    }
    expect(refused).not.toBeNull();
    expect(refused!.retryAfter).not.toBeNull();
    expect(JSON.parse(refused!.body).error).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('disk is full') });

    const read = await request(server.url, 'read', { path: '/api/v1/evidence?limit=5', headers: { authorization: `Bearer ${token}` } });
    expect(read.status).toBe(200);
    await until('/health to see the full disk', async () => (await request(server.url, 'health', { path: '/health' })).status === 503, 20_000, 500);
    const health = await request(server.url, 'health', { path: '/health' });
    expect(JSON.parse(health.body)).toEqual({ status: 'unavailable', database: { read: 'ok', write: 'the disk is full' } });
    expect(server.output()).toMatch(/SQLITE_FULL|disk is full/);
    expect(server.output()).not.toMatch(/cannot rollback/);

    fs.rmSync(filler);
    await until('writes to work again', async () => (await write(100)).status === 201, 20_000, 500);
    await until('/health to be ok again', async () => (await request(server.url, 'health', { path: '/health' })).status === 200, 20_000, 500);
    expect(server.alive()).toBe(true);
  }, 120_000);
});
