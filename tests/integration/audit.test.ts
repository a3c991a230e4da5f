// The tamper-evident audit log: a hash chain built by appendAudit, refused UPDATE/DELETE by the database itself,
// and `verifyAuditChain` / `pactwatch audit verify` naming the first bad entry after each way an attacker with
// database access could tamper with it. Runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set.

import crypto from 'node:crypto';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { cliDatabases, runCli } from '../helpers/cli';
import { openDatabase, type Db } from '../../src/db/connect';
import { migrateToLatest } from '../../src/db/migrate';
import type { AuditRow } from '../../src/db/schema';
import {
  appendAudit,
  auditHead,
  canonicalJson,
  CLI_ACTOR,
  entryHash,
  GENESIS_HASH,
  SYSTEM_ACTOR,
  verifyAuditChain,
  type AuditHead,
  type AuditInput,
  type AuditVerification,
} from '../../src/audit/log';
import { importFile } from '../../src/framework/import-service';
import { closeTestDb, onPostgres, openTestDb } from '../helpers/db';

// ---------------------------------------------------------------------------------------------------------------
// helpers

const databases = cliDatabases('audit');
afterAll(() => databases.cleanup());
/** A new database the CLI can open too: a file on SQLite (not :memory:), a fresh schema on PostgreSQL. */
const newDbUrl = () => databases.newUrl();

const at = (day: number) => `2026-01-${String(day).padStart(2, '0')}T09:${String(day).padStart(2, '0')}:00.000Z`;

/** Ten entries varying actor, action, entity and content (nested objects, arrays, unicode, scalars, null). */
const ENTRIES: AuditInput[] = [
  {
    actor: { id: 1, label: 'ayesha.khan@example.org' },
    action: 'evidence.submitted',
    entityType: 'evidence',
    entityId: 1,
    content: { ref: 'E-001', title: 'Joint patrol at Torkham', findings: [{ benchmark: 'BORDER-1', stance: 1 }] },
    at: at(1),
  },
  {
    actor: { id: 2, label: 'reviewer@example.org' },
    action: 'evidence.verified',
    entityType: 'evidence',
    entityId: 1,
    content: { status: { from: 'submitted', to: 'verified' }, note: null },
    at: at(2),
  },
  {
    actor: SYSTEM_ACTOR,
    action: 'framework.created',
    entityType: 'framework',
    entityId: 'QUAD-2025',
    content: { code: 'QUAD-2025', pillars: [{ code: 'INTEL', benchmarks: [{ code: 'INTEL-1', weight: 1.5, halfLifeDays: 180 }] }] },
    at: at(3),
  },
  {
    actor: CLI_ACTOR,
    action: 'evidence.imported',
    entityType: 'evidence',
    entityId: '42',
    content: { ref: 'پاکستان-۱', title: 'سرحدی گشت', emoji: '🛂🇵🇰', cjk: '边境巡逻', combining: 'e\u0301', nul: 'a\u0000b' },
    at: at(4),
  },
  {
    actor: { id: 3, label: 'élodie.müller@example.org' },
    action: 'user.created',
    entityType: 'user',
    entityId: 3,
    content: { email: 'élodie.müller@example.org', role: 'evaluator', delegation: 'PAK' },
    at: at(5),
  },
  {
    actor: SYSTEM_ACTOR,
    action: 'settings.changed',
    entityType: 'settings',
    entityId: null,
    content: { z: 1, a: { y: [3, 2, 1], b: { deep: { deeper: true, deepest: [{ q: -0.5 }] } } }, dropped: undefined },
    at: at(6),
  },
  {
    actor: { id: 1, label: 'ayesha.khan@example.org' },
    action: 'evidence.retracted',
    entityType: 'evidence',
    entityId: 7,
    content: 'retracted: duplicate of E-001',
    at: at(7),
  },
  { actor: CLI_ACTOR, action: 'backup.created', entityType: 'backup', entityId: null, content: null, at: at(8) },
  {
    actor: { id: 2, label: 'reviewer@example.org' },
    action: 'attachment.added',
    entityType: 'attachment',
    entityId: 9,
    content: { filename: 'patrol "log"\n2026.pdf', sha256: 'ab'.repeat(32), size_bytes: 1_048_576, tags: [] },
    at: at(9),
  },
  {
    actor: SYSTEM_ACTOR,
    action: 'scorecard.published',
    entityType: 'scorecard',
    entityId: '2026-Q1',
    content: [1, 'two', { three: 3 }, [4.5, -0.25], false],
    at: at(10),
  },
];

function append(db: Db, input: AuditInput): Promise<AuditRow> {
  return db.kysely.transaction().execute((trx) => appendAudit(trx, input));
}

async function buildChain(db: Db): Promise<AuditRow[]> {
  const appended: AuditRow[] = [];
  for (const input of ENTRIES) appended.push(await append(db, input));
  return appended;
}

function allRows(db: Db): Promise<AuditRow[]> {
  return db.kysely.selectFrom('audit_log').selectAll().orderBy('seq').execute();
}

async function countRows(db: Db): Promise<number> {
  const r = await db.kysely.selectFrom('audit_log').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

/** What an attacker with database access does first: switch the append-only triggers off. */
async function removeProtection(db: Db): Promise<void> {
  if (db.dialect === 'sqlite') {
    await sql`drop trigger audit_log_no_update`.execute(db.kysely);
    await sql`drop trigger audit_log_no_delete`.execute(db.kysely);
    await sql`drop trigger if exists audit_log_no_replace`.execute(db.kysely);
  } else {
    await sql`alter table audit_log disable trigger user`.execute(db.kysely);
  }
}

const randomHash = () => crypto.randomBytes(32).toString('hex');

async function setColumn(db: Db, seq: number, values: Partial<AuditRow>): Promise<void> {
  await db.kysely.updateTable('audit_log').set(values).where('seq', '=', seq).execute();
}

async function swapSeq(db: Db, a: number, b: number): Promise<void> {
  await setColumn(db, a, { seq: -1 });
  await setColumn(db, b, { seq: a });
  await setColumn(db, -1, { seq: b });
}

interface Tampered {
  url: string;
  /** the rows as they were before tampering */
  before: AuditRow[];
  /** the head `audit verify` printed before tampering, as an operator would keep it */
  keptHead: AuditHead;
  verification: AuditVerification;
  cli: Awaited<ReturnType<typeof runCli>>;
  cliWithHead: Awaited<ReturnType<typeof runCli>>;
}

/**
 * A fresh database with the ten-entry chain; `audit verify` prints its head (which is kept); the protection is
 * removed and `tamper` runs; then the chain is verified in-process and through the CLI (with and without the kept head).
 */
async function tamperedChain(tamper: (db: Db, before: AuditRow[]) => Promise<void>): Promise<Tampered> {
  const url = newDbUrl();
  let db = await openDatabase(url);
  let before: AuditRow[];
  try {
    await migrateToLatest(db);
    await buildChain(db);
    before = await allRows(db);
  } finally {
    await db.close();
  }

  const intact = await runCli(['audit', 'verify', '--db', url]);
  expect(intact.code, intact.stderr).toBe(0);
  const keptHead = JSON.parse(intact.stdout).head as AuditHead;
  expect(keptHead).toEqual({ seq: 10, hash: before[9].hash });

  db = await openDatabase(url);
  let verification: AuditVerification;
  try {
    await removeProtection(db);
    await tamper(db, before);
    verification = await verifyAuditChain(db.kysely);
  } finally {
    await db.close();
  }
  const cli = await runCli(['audit', 'verify', '--db', url]);
  const cliWithHead = await runCli(['audit', 'verify', '--db', url, '--expect-head', `${keptHead.seq}:${keptHead.hash}`]);
  return { url, before, keptHead, verification, cli, cliWithHead };
}

/** Both the library and the CLI name `seq` as the first bad entry, for `reason`. */
function expectBrokenAt(t: Tampered, seq: number, reason: RegExp): void {
  expect(t.verification.ok).toBe(false);
  if (t.verification.ok) return;
  expect(t.verification.firstBad.seq).toBe(seq);
  expect(t.verification.firstBad.reason).toMatch(reason);

  for (const run of [t.cli, t.cliWithHead]) {
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`audit verify: BROKEN at entry ${seq}: `);
    expect(run.stderr).toMatch(reason);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    const out = JSON.parse(run.stdout);
    expect(out).toMatchObject({ ok: false, first_bad: { seq } });
  }
}

// ---------------------------------------------------------------------------------------------------------------

describe('the audit chain', () => {
  let db: Db;
  beforeEach(async () => {
    db = await openTestDb();
  });
  afterEach(() => closeTestDb(db));

  it('is empty and intact in a new database', async () => {
    expect(await verifyAuditChain(db.kysely)).toEqual({ ok: true, entries: 0, head: null });
    expect(await auditHead(db.kysely)).toBeNull();
  });

  it('links ten varied entries from the genesis hash to a head at seq 10', async () => {
    const appended = await buildChain(db);
    const rows = await allRows(db);
    expect(rows.map((r) => Number(r.seq))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(rows.map((r) => ({ ...r, seq: Number(r.seq) }))).toEqual(appended);

    expect(rows[0].prev_hash).toBe(GENESIS_HASH);
    let prev = GENESIS_HASH;
    for (const row of rows) {
      expect(row.prev_hash).toBe(prev);
      expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
      expect(entryHash(row.prev_hash, row)).toBe(row.hash);
      prev = row.hash;
    }
    expect(new Set(rows.map((r) => r.hash)).size).toBe(10);

    const verification = await verifyAuditChain(db.kysely);
    expect(verification).toEqual({ ok: true, entries: 10, head: { seq: 10, hash: rows[9].hash } });
    expect(await auditHead(db.kysely)).toEqual({ seq: 10, hash: rows[9].hash });
  });

  it('stores who, what and when, and the content as canonical JSON that round-trips unicode', async () => {
    await buildChain(db);
    const rows = await allRows(db);
    rows.forEach((row, i) => {
      const input = ENTRIES[i];
      expect(row.actor).toBe(input.actor.label);
      expect(row.actor_id === null ? null : Number(row.actor_id)).toBe(input.actor.id);
      expect(row.action).toBe(input.action);
      expect(row.entity_type).toBe(input.entityType);
      expect(row.entity_id).toBe(input.entityId === null ? null : String(input.entityId));
      expect(row.at).toBe(input.at);
      expect(row.content).toBe(canonicalJson(input.content));
      expect(JSON.parse(row.content)).toEqual(input.content);
    });
    expect(JSON.parse(rows[3].content)).toMatchObject({ ref: 'پاکستان-۱', emoji: '🛂🇵🇰', cjk: '边境巡逻' });
    // keys sorted at every level, undefined members dropped
    expect(rows[5].content).toBe('{"a":{"b":{"deep":{"deeper":true,"deepest":[{"q":-0.5}]}},"y":[3,2,1]},"z":1}');
  });

  it('hashes equal content equally whatever the key order', async () => {
    const base = { actor: SYSTEM_ACTOR, action: 'x.changed', entityType: 'x', entityId: 1, at: at(1) };
    const one = await append(db, { ...base, content: { b: 1, a: { d: [2, { f: 1, e: 0 }], c: 3 } } });
    const two = await append(db, { ...base, content: { a: { c: 3, d: [2, { e: 0, f: 1 }] }, b: 1 } });
    expect(one.content).toBe(two.content);
    expect(one.content).toBe('{"a":{"c":3,"d":[2,{"e":0,"f":1}]},"b":1}');
    expect(two.prev_hash).toBe(one.hash);
    expect((await verifyAuditChain(db.kysely)).ok).toBe(true);
  });

  it('verifies an intact chain read in several batches', async () => {
    await buildChain(db);
    const head = await auditHead(db.kysely);
    for (const batch of [1, 3, 5, 10, 11]) {
      expect(await verifyAuditChain(db.kysely, batch)).toEqual({ ok: true, entries: 10, head });
    }
  });

  it('names a bad entry found in the last batch when reading in batches', async () => {
    await buildChain(db);
    await removeProtection(db);
    await setColumn(db, 8, { actor: 'mallory@example.org' });
    // batches of 3: [1,2,3] [4,5,6] [7,8,9] [10] (the last batch is short, so the loop ends)
    const verification = await verifyAuditChain(db.kysely, 3);
    expect(verification).toMatchObject({ ok: false, firstBad: { seq: 8 } });
  });

  // regression: verification once re-read the same batch forever after the first bad entry
  it('names the first bad entry when more than a batch of entries follows it', async () => {
    await buildChain(db);
    await removeProtection(db);
    await setColumn(db, 2, { actor: 'mallory@example.org' });
    const verification = await verifyAuditChain(db.kysely, 3);
    expect(verification).toMatchObject({ ok: false, entries: 10, head: { seq: 10 }, firstBad: { seq: 2 } });
  });
});

describe('the database refuses to change the audit log', () => {
  let db: Db;
  beforeEach(async () => {
    db = await openTestDb();
    await buildChain(db);
  });
  afterEach(() => closeTestDb(db));

  it('refuses UPDATE of an entry', async () => {
    const before = await allRows(db);
    await expect(db.kysely.updateTable('audit_log').set({ actor: 'mallory@example.org' }).where('seq', '=', 4).execute()).rejects.toThrow(/append-only/);
    await expect(db.kysely.updateTable('audit_log').set({ content: '{}' }).execute()).rejects.toThrow(/append-only/);
    await expect(sql`update audit_log set seq = seq + 100 where seq = 10`.execute(db.kysely)).rejects.toThrow(/append-only/);
    expect(await allRows(db)).toEqual(before);
    expect((await verifyAuditChain(db.kysely)).ok).toBe(true);
  });

  it('refuses DELETE of one entry and of all', async () => {
    await expect(db.kysely.deleteFrom('audit_log').where('seq', '=', 10).execute()).rejects.toThrow(/append-only/);
    await expect(db.kysely.deleteFrom('audit_log').execute()).rejects.toThrow(/append-only/);
    expect(await countRows(db)).toBe(10);
    expect(await verifyAuditChain(db.kysely)).toMatchObject({ ok: true, entries: 10 });
  });

  it('refuses an upsert that would overwrite an entry', async () => {
    await expect(
      sql`insert into audit_log select * from audit_log where seq = 5 on conflict (seq) do update set actor = 'mallory'`.execute(db.kysely),
    ).rejects.toThrow(/append-only/);
    expect((await allRows(db))[4].actor).toBe(ENTRIES[4].actor.label);
  });

  it.runIf(onPostgres)('refuses TRUNCATE (PostgreSQL)', async () => {
    await expect(sql`truncate audit_log`.execute(db.kysely)).rejects.toThrow(/append-only/);
    expect(await countRows(db)).toBe(10);
  });

  it('rolls back the whole transaction, its own append included, when it tries to change the log', async () => {
    const head = await auditHead(db.kysely);
    await expect(
      db.kysely.transaction().execute(async (trx) => {
        await appendAudit(trx, { actor: SYSTEM_ACTOR, action: 'cover.up', entityType: 'x', entityId: null, content: {}, at: at(11) });
        await trx.deleteFrom('audit_log').where('seq', '=', 3).execute();
      }),
    ).rejects.toThrow(/append-only/);
    expect(await auditHead(db.kysely)).toEqual(head);
    expect(await countRows(db)).toBe(10);
  });

  // INSERT OR REPLACE deletes the conflicting row without firing delete triggers (recursive_triggers is off):
  // the audit_log_no_replace trigger refuses it up front
  it.skipIf(onPostgres)('refuses INSERT OR REPLACE over an existing entry (SQLite)', async () => {
    await expect(
      sql`insert or replace into audit_log select seq, at, actor_id, 'mallory', action, entity_type, entity_id, content, prev_hash, hash from audit_log where seq = 4`.execute(db.kysely),
    ).rejects.toThrow(/append-only/);
  });

  it.skipIf(onPostgres)('still exposes an entry overwritten with INSERT OR REPLACE through the chain (SQLite)', async () => {
    try {
      await sql`insert or replace into audit_log select seq, at, actor_id, 'mallory', action, entity_type, entity_id, content, prev_hash, hash from audit_log where seq = 4`.execute(db.kysely);
    } catch {
      // refused: even better
    }
    const verification = await verifyAuditChain(db.kysely);
    if ((await allRows(db))[3].actor === 'mallory') expect(verification).toMatchObject({ ok: false, firstBad: { seq: 4 } });
    else expect(verification.ok).toBe(true);
  });
});

describe('audit verify on a tampered log', () => {
  describe('a modified entry', () => {
    it('names the entry whose content was changed', async () => {
      const t = await tamperedChain((db) => setColumn(db, 4, { content: canonicalJson({ ref: 'پاکستان-۱', title: 'nothing happened' }) }));
      expectBrokenAt(t, 4, /entry 4 was modified/);
    });

    it('names the entry whose actor was changed', async () => {
      const t = await tamperedChain((db) => setColumn(db, 6, { actor: 'mallory@example.org' }));
      expectBrokenAt(t, 6, /entry 6 was modified/);
    });

    it('names the entry whose time was changed, even the first', async () => {
      const t = await tamperedChain((db) => setColumn(db, 1, { at: '2025-12-31T23:59:59.000Z' }));
      expectBrokenAt(t, 1, /entry 1 was modified/);
    });

    it('names the entry whose actor id, action or entity was changed', async () => {
      expectBrokenAt(await tamperedChain((db) => setColumn(db, 9, { actor_id: 99 })), 9, /entry 9 was modified/);
      expectBrokenAt(await tamperedChain((db) => setColumn(db, 2, { action: 'evidence.rejected' })), 2, /entry 2 was modified/);
      expectBrokenAt(await tamperedChain((db) => setColumn(db, 7, { entity_id: '8' })), 7, /entry 7 was modified/);
    });

    it('names the last entry when it was changed', async () => {
      const t = await tamperedChain((db) => setColumn(db, 10, { content: '[]' }));
      expectBrokenAt(t, 10, /entry 10 was modified/);
    });
  });

  describe('a modified entry whose hash was recomputed', () => {
    it('names the next entry, whose previous hash no longer matches', async () => {
      const t = await tamperedChain(async (db, before) => {
        const row = before[4];
        const forged = { ...row, content: canonicalJson({ email: 'mallory@example.org', role: 'admin', delegation: null }) };
        await setColumn(db, 5, { content: forged.content, hash: entryHash(row.prev_hash, forged) });
      });
      expectBrokenAt(t, 6, /entry 6 does not follow entry 5/);
    });

    it('passes the chain check when every later entry is rewritten too, but not the kept head', async () => {
      const t = await tamperedChain(async (db, before) => {
        let prev = before[4].prev_hash;
        for (const row of before.slice(4)) {
          const forged = { ...row, seq: Number(row.seq), actor: row.seq === 5 ? 'mallory@example.org' : row.actor, prev_hash: prev };
          forged.hash = entryHash(prev, forged);
          await setColumn(db, forged.seq, { actor: forged.actor, prev_hash: forged.prev_hash, hash: forged.hash });
          prev = forged.hash;
        }
      });
      expect(t.verification).toMatchObject({ ok: true, entries: 10, head: { seq: 10 } });
      expect(t.verification.head!.hash).not.toBe(t.keptHead.hash);
      expect(t.cli.code, t.cli.stderr).toBe(0);
      expect(t.cliWithHead.code).toBe(1);
      expect(t.cliWithHead.stderr).toMatch(/does not match the expected .*: the head differs from the one kept/);
    });
  });

  describe('a deleted entry', () => {
    it('names the missing entry in the middle', async () => {
      const t = await tamperedChain((db) => db.kysely.deleteFrom('audit_log').where('seq', '=', 5).execute().then(() => undefined));
      expectBrokenAt(t, 5, /entry 5 is missing \(next is 6\)/);
      expect(t.verification.entries).toBe(9);
    });

    it('names the first entry when it is missing', async () => {
      const t = await tamperedChain((db) => db.kysely.deleteFrom('audit_log').where('seq', '=', 1).execute().then(() => undefined));
      expectBrokenAt(t, 1, /entry 1 is missing \(next is 2\)/);
    });

    it('names the first of several missing entries', async () => {
      const t = await tamperedChain((db) => db.kysely.deleteFrom('audit_log').where('seq', 'in', [4, 5, 6]).execute().then(() => undefined));
      expectBrokenAt(t, 4, /entry 4 is missing \(next is 7\)/);
    });

    it('cannot show a removed last entry by itself, but --expect-head says entries were removed', async () => {
      const t = await tamperedChain((db) => db.kysely.deleteFrom('audit_log').where('seq', '=', 10).execute().then(() => undefined));
      expect(t.verification).toEqual({ ok: true, entries: 9, head: { seq: 9, hash: t.before[8].hash } });
      expect(t.cli.code, t.cli.stderr).toBe(0);
      expect(JSON.parse(t.cli.stdout)).toMatchObject({ ok: true, entries: 9, head: { seq: 9, hash: t.before[8].hash } });

      expect(t.cliWithHead.code).toBe(1);
      expect(t.cliWithHead.stderr).toMatch(/^audit verify: head 9:[0-9a-f]{64} does not match the expected 10:[0-9a-f]{64}: entries after 9 were removed\n$/);
      expect(JSON.parse(t.cliWithHead.stdout)).toMatchObject({ ok: false, entries: 9, head: { seq: 9 }, expected_head: `10:${t.keptHead.hash}` });
    });

    it('cannot show a removed tail of several entries by itself, but --expect-head does', async () => {
      const t = await tamperedChain((db) => db.kysely.deleteFrom('audit_log').where('seq', '>=', 7).execute().then(() => undefined));
      expect(t.verification).toMatchObject({ ok: true, entries: 6, head: { seq: 6 } });
      expect(t.cliWithHead.code).toBe(1);
      expect(t.cliWithHead.stderr).toMatch(/entries after 6 were removed/);
    });

    it('shows an emptied log only against the kept head', async () => {
      const t = await tamperedChain(async (db) => {
        if (db.dialect === 'postgres') await sql`truncate audit_log`.execute(db.kysely);
        else await db.kysely.deleteFrom('audit_log').execute();
      });
      expect(t.verification).toEqual({ ok: true, entries: 0, head: null });
      expect(t.cli.code, t.cli.stderr).toBe(0);
      expect(t.cliWithHead.code).toBe(1);
      expect(t.cliWithHead.stderr).toMatch(/^audit verify: head empty does not match the expected 10:/);
    });
  });

  describe('reordered entries', () => {
    it('names the lower of two swapped entries', async () => {
      const t = await tamperedChain((db) => swapSeq(db, 3, 7));
      expectBrokenAt(t, 3, /entry 3 does not follow entry 2/);
    });

    it('names the first of two swapped neighbours', async () => {
      const t = await tamperedChain((db) => swapSeq(db, 5, 6));
      expectBrokenAt(t, 5, /entry 5 does not follow entry 4/);
    });

    it('names the first entry when it was swapped with the last', async () => {
      const t = await tamperedChain((db) => swapSeq(db, 1, 10));
      expectBrokenAt(t, 1, /entry 1 does not follow entry 0/);
    });
  });

  describe('a forged entry', () => {
    const forgedRow = (before: AuditRow[], hash: (row: AuditRow) => string): AuditRow => {
      const last = before[9];
      const row: AuditRow = {
        seq: 11,
        at: at(11),
        actor_id: 1,
        actor: 'ayesha.khan@example.org',
        action: 'evidence.verified',
        entity_type: 'evidence',
        entity_id: '7',
        content: canonicalJson({ status: { from: 'retracted', to: 'verified' } }),
        prev_hash: last.hash,
        hash: '',
      };
      row.hash = hash(row);
      return row;
    };

    it('names an appended entry with a made-up hash', async () => {
      const t = await tamperedChain(async (db, before) => {
        await db.kysely.insertInto('audit_log').values(forgedRow(before, () => randomHash())).execute();
      });
      expectBrokenAt(t, 11, /entry 11 was modified/);
    });

    it('names an appended entry that does not link to the head', async () => {
      const t = await tamperedChain(async (db, before) => {
        const row = forgedRow(before, () => '');
        row.prev_hash = randomHash();
        row.hash = entryHash(row.prev_hash, row);
        await db.kysely.insertInto('audit_log').values(row).execute();
      });
      expectBrokenAt(t, 11, /entry 11 does not follow entry 10/);
    });

    it('passes the chain check when consistent, but --expect-head says the head differs', async () => {
      const t = await tamperedChain(async (db, before) => {
        await db.kysely.insertInto('audit_log').values(forgedRow(before, (row) => entryHash(row.prev_hash, row))).execute();
      });
      expect(t.verification).toMatchObject({ ok: true, entries: 11, head: { seq: 11 } });
      expect(t.cli.code, t.cli.stderr).toBe(0);
      expect(JSON.parse(t.cli.stdout)).toMatchObject({ ok: true, entries: 11, head: { seq: 11 } });

      expect(t.cliWithHead.code).toBe(1);
      expect(t.cliWithHead.stderr).toMatch(/^audit verify: head 11:[0-9a-f]{64} does not match the expected 10:[0-9a-f]{64}: the head differs from the one kept\n$/);
    });

    it('names a forged entry inserted in a gap left by a deleted one', async () => {
      const t = await tamperedChain(async (db, before) => {
        await db.kysely.deleteFrom('audit_log').where('seq', '=', 6).execute();
        const row = { ...before[5], seq: 6, actor: 'mallory@example.org', hash: '' };
        row.hash = entryHash(row.prev_hash, row);
        await db.kysely.insertInto('audit_log').values(row).execute();
      });
      expectBrokenAt(t, 7, /entry 7 does not follow entry 6/);
    });
  });

  describe('a modified link', () => {
    it('names the entry whose previous hash was changed', async () => {
      const t = await tamperedChain((db) => setColumn(db, 8, { prev_hash: randomHash() }));
      expectBrokenAt(t, 8, /entry 8 does not follow entry 7/);
    });

    it('names the first entry when its previous hash is no longer the genesis hash', async () => {
      const t = await tamperedChain((db) => setColumn(db, 1, { prev_hash: 'f'.repeat(64) }));
      expectBrokenAt(t, 1, /entry 1 does not follow entry 0/);
    });
  });
});

describe('pactwatch audit verify', () => {
  const NO_LIVE_ROWS = { frameworks: 0, users: 0, tokens: 0, evidence: 0, findings: 0, tags: 0, attachments: 0, reports: 0 };

  it('prints ok, the entry count and the head of an intact log, and accepts the matching --expect-head', async () => {
    const url = newDbUrl();
    const db = await openDatabase(url);
    let rows: AuditRow[];
    try {
      await migrateToLatest(db);
      await buildChain(db);
      rows = await allRows(db);
    } finally {
      await db.close();
    }
    const r = await runCli(['audit', 'verify', '--db', url]);
    expect(r.code).toBe(0);
    // the live tables hold nothing, and the ten made-up entries are not in the shape the services write:
    // the replay skips six of them (the other four have actions it does not know) and says so
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, entries: 10, head: { seq: 10, hash: rows[9].hash }, live: NO_LIVE_ROWS, not_covered: [], unread_entries: 6 });
    expect(r.stderr).toBe(
      `audit verify: intact, 10 entries; head 10:${rows[9].hash}; live tables match the log (0 evidence items, 0 findings, 0 users, 0 attachments, 0 reports, 0 tokens); ` +
        '6 entries with a known action but not in the shape pactwatch writes skipped (first: entry 1)\n',
    );

    const same = await runCli(['audit', 'verify', '--db', url, '--expect-head', `10:${rows[9].hash}`]);
    expect(same.code).toBe(0);

    const older = await runCli(['audit', 'verify', '--db', url, '--expect-head', `9:${rows[8].hash}`]);
    expect(older.code).toBe(1);
    expect(older.stderr).toMatch(/the head differs from the one kept/);
  });

  it('reports an empty log as intact with head empty', async () => {
    const url = newDbUrl();
    const r = await runCli(['audit', 'verify', '--db', url]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ ok: true, entries: 0, head: null, live: NO_LIVE_ROWS, not_covered: [], unread_entries: 0 });
    expect(r.stderr).toMatch(/intact, 0 entries; head empty/);
  });

  it('exits 2 on a malformed --expect-head or subcommand', async () => {
    const url = newDbUrl();
    for (const bad of ['10', '10:xyz', `x:${'a'.repeat(64)}`, `10:${'A'.repeat(64)}`, `10:${'a'.repeat(63)}`]) {
      const r = await runCli(['audit', 'verify', '--db', url, '--expect-head', bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/--expect-head takes SEQ:HASH/);
    }
    expect((await runCli(['audit', 'rewrite', '--db', url])).code).toBe(2);
    expect((await runCli(['audit'])).code).toBe(2);
  });
});

describe('concurrent appends', () => {
  function expectLinearChain(rows: AuditRow[], n: number) {
    expect(rows.map((r) => Number(r.seq))).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    // no fork: every previous hash is used once, and each is the hash of the entry before
    expect(new Set(rows.map((r) => r.prev_hash)).size).toBe(n);
    rows.forEach((row, i) => expect(row.prev_hash).toBe(i === 0 ? GENESIS_HASH : rows[i - 1].hash));
  }

  it('orders 20 transactions appending at once into seq 1..20 with no fork', async () => {
    const db = await openTestDb();
    try {
      const pids = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          db.kysely.transaction().execute(async (trx) => {
            let pid: number | null = null;
            if (db.dialect === 'postgres') {
              pid = Number((await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(trx)).rows[0].pid);
              // some work before the append, so the transactions overlap
              await sql`select pg_sleep(${(i % 5) * 0.01})`.execute(trx);
            }
            await trx.selectFrom('audit_log').select('seq').execute();
            await appendAudit(trx, { actor: { id: i, label: `user${i}@example.org` }, action: 'concurrent.append', entityType: 'test', entityId: i, content: { i }, at: at(1) });
            return pid;
          }),
        ),
      );
      if (db.dialect === 'postgres') expect(new Set(pids).size).toBeGreaterThan(1);

      const rows = await allRows(db);
      expectLinearChain(rows, 20);
      expect(rows.map((r) => Number(r.entity_id)).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(await verifyAuditChain(db.kysely)).toEqual({ ok: true, entries: 20, head: { seq: 20, hash: rows[19].hash } });
    } finally {
      await closeTestDb(db);
    }
  });

  it.runIf(onPostgres)('keeps one chain when two separate pools append at once (PostgreSQL)', async () => {
    const url = newDbUrl();
    const a = await openDatabase(url);
    await migrateToLatest(a);
    const b = await openDatabase(url);
    try {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          (i % 2 ? a : b).kysely.transaction().execute((trx) =>
            appendAudit(trx, { actor: SYSTEM_ACTOR, action: 'concurrent.append', entityType: 'test', entityId: i, content: { pool: i % 2 ? 'a' : 'b' }, at: at(2) }),
          ),
        ),
      );
      const rows = await allRows(a);
      expectLinearChain(rows, 20);
      expect((await verifyAuditChain(b.kysely)).ok).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('a rolled-back append leaves no gap and no fork', async () => {
    const db = await openTestDb();
    try {
      await buildChain(db);
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) =>
          db.kysely.transaction().execute(async (trx) => {
            await appendAudit(trx, { actor: SYSTEM_ACTOR, action: 'maybe', entityType: 'test', entityId: i, content: { i }, at: at(3) });
            if (i % 2) throw new Error('rolled back');
          }),
        ),
      );
      expect(results.filter((r) => r.status === 'rejected')).toHaveLength(3);
      const rows = await allRows(db);
      expectLinearChain(rows, 13);
      expect(rows.slice(10).map((r) => Number(r.entity_id)).sort()).toEqual([0, 2, 4]);
      expect((await verifyAuditChain(db.kysely)).ok).toBe(true);
    } finally {
      await closeTestDb(db);
    }
  });
});

describe('importing logs to the audit chain', () => {
  const file = () => ({
    framework: {
      code: 'AUD-1',
      name: 'Audited framework',
      groups: [{ code: 'TTP', name: 'Tehrik-i-Taliban Pakistan' }],
      pillars: [
        {
          code: 'BORDER',
          name: 'Border policing',
          benchmarks: [
            { code: 'BORDER-1', title: 'Joint border patrols held', kind: 'assessment' },
            { code: 'BORDER-2', title: 'Cross-border attacks per month', kind: 'indicator', baseline: 40, target: 5, unit: 'attacks/month' },
          ],
        },
      ],
    },
    evidence: [
      {
        ref: 'aud-a',
        title: 'Patrol — Torkham',
        observed_on: '2026-01-10',
        source_reliability: 'B',
        credibility: 2,
        groups: ['TTP'],
        findings: [{ benchmark: 'BORDER-1', stance: 1 }],
        verified_at: '2026-01-12T10:00:00Z',
      },
      { ref: 'aud-b', title: 'Attacks in January', observed_on: '2026-01-31', source_reliability: 'A', credibility: 1, findings: [{ benchmark: 'BORDER-2', value: 12 }] },
    ],
  });

  let db: Db;
  beforeEach(async () => {
    db = await openTestDb();
  });
  afterEach(() => closeTestDb(db));

  it('appends nothing on a dry run', async () => {
    const result = await importFile(db.kysely, file(), { dryRun: true });
    expect(result).toMatchObject({ ok: true, summary: { dryRun: true, framework: { code: 'AUD-1', change: 'created' }, evidence: { created: 2 } } });
    expect(await countRows(db)).toBe(0);
  });

  it('appends nothing for a file it refuses', async () => {
    const bad = file();
    (bad.evidence[1] as Record<string, unknown>).credibility = 9;
    const result = await importFile(db.kysely, bad);
    expect(result.ok).toBe(false);
    expect(await countRows(db)).toBe(0);
  });

  it('appends one framework.created and one evidence.imported per item, by the command line', async () => {
    const result = await importFile(db.kysely, file());
    expect(result).toMatchObject({ ok: true, summary: { framework: { change: 'created' }, evidence: { created: 2 } } });
    const rows = await allRows(db);
    expect(rows.map((r) => r.action)).toEqual(['framework.created', 'evidence.imported', 'evidence.imported']);
    expect(rows.every((r) => r.actor === 'cli' && r.actor_id === null)).toBe(true);

    expect(rows[0]).toMatchObject({ entity_type: 'framework', entity_id: 'AUD-1' });
    expect(JSON.parse(rows[0].content)).toMatchObject({ code: 'AUD-1', name: 'Audited framework' });

    const evidence = await db.kysely.selectFrom('evidence').select(['id', 'ref']).orderBy('id').execute();
    expect(rows.slice(1).map((r) => [r.entity_type, r.entity_id, JSON.parse(r.content).ref])).toEqual(
      evidence.map((e) => ['evidence', String(e.id), e.ref]),
    );
    expect(JSON.parse(rows[1].content).item).toMatchObject({ title: 'Patrol — Torkham' });
    expect(await verifyAuditChain(db.kysely)).toEqual({ ok: true, entries: 3, head: { seq: 3, hash: rows[2].hash } });
  });

  it('appends nothing when the same file is imported again', async () => {
    await importFile(db.kysely, file());
    const head = await auditHead(db.kysely);
    const again = await importFile(db.kysely, file());
    expect(again).toMatchObject({ ok: true, summary: { framework: { change: 'unchanged' }, evidence: { created: 0, updated: 0, unchanged: 2 } } });
    expect(await auditHead(db.kysely)).toEqual(head);
    expect(await countRows(db)).toBe(3);
  });

  it('appends evidence.import_updated when an item changes', async () => {
    await importFile(db.kysely, file());
    const changed = file();
    changed.evidence[1].title = 'Attacks in January (revised)';
    await importFile(db.kysely, changed);
    const rows = await allRows(db);
    expect(rows.map((r) => r.action)).toEqual(['framework.created', 'evidence.imported', 'evidence.imported', 'evidence.import_updated']);
    expect(rows[3].entity_id).toBe(rows[2].entity_id);
    expect((await verifyAuditChain(db.kysely)).ok).toBe(true);
  });
});
