// `audit verify` replays the tamper-evident log and compares every live table it speaks for. These are
// regression tests of security finding 9.3: each direct change below went unnoticed before, because verify only
// recomputed the hash chain (every case asserts that the chain alone still says intact). Data are made through
// the real services; each change is made with SQL on a fresh copy (a transaction rolled back afterwards).
// Runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL is set.

import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type Kysely, type Transaction } from 'kysely';
import { openDatabase, type Db } from '../../src/db/connect';
import { migrateToLatest } from '../../src/db/migrate';
import type { Database, EvidenceRow, ReportRow, UserRow } from '../../src/db/schema';
import { appendAudit, canonicalJson, entryHash, GENESIS_HASH, SYSTEM_ACTOR, verifyAuditChain, type AuditVerification } from '../../src/audit/log';
import { verifyAudit, type FullAuditVerification, type LiveDifference, type VerifyBatches } from '../../src/audit/verify';
import { actorOf, createEvidence, reviewEvidence, updateDraft } from '../../src/evidence/service';
import { addAttachment } from '../../src/evidence/attachments';
import { createApiToken, revokeApiToken } from '../../src/auth/tokens';
import { changeOwnPassword, inviteUser, setPasswordWithCode, setUserDisabled, updateUser } from '../../src/users/service';
import { importFileOrThrow } from '../../src/framework/import-service';
import { produceReport } from '../../src/reports/service';
import { parsePeriod } from '../../src/reports/periods';
import { seedDefault } from '../../src/seed/index';
import { up as registerReports } from '../../migrations/20261201_0005_audit_coverage';
import { closeTestDb, onPostgres, openTestDb } from '../helpers/db';
import { addUser } from '../helpers/app';
import { cliDatabases, runCli } from '../helpers/cli';

// ---------------------------------------------------------------------------------------------------------------
// realistic data, made through the services

interface Built {
  evaluator: UserRow;
  evaluator2: UserRow;
  reviewer: UserRow;
  reviewer2: UserRow;
  admin: UserRow;
  /** AMBER, by the PAK evaluator, verified; findings BORDER-1 (stance -1) and INTEL-2 (value 12), tag TTP */
  verified: EvidenceRow;
  /** logged as a draft, edited and submitted, then rejected */
  rejected: EvidenceRow;
  retracted: EvidenceRow;
  /** submitted, with a text attachment */
  pending: EvidenceRow;
  attachmentId: number;
  /** reviewer2's token, revoked when reviewer2 was disabled */
  tokenRevokedByDisabling: number;
  report: ReportRow;
}

const ITEM = { observed_on: '2026-06-10', source_reliability: 'B', credibility: 2, tlp: 'GREEN' };

async function build(db: Db): Promise<Built> {
  const k = db.kysely;
  await seedDefault(k, { demo: true });
  const evaluatorLogin = await addUser(db, 'evaluator', { delegation: 'PAK' });
  const evaluator = evaluatorLogin.user;
  const evaluator2 = (await addUser(db, 'evaluator', { delegation: 'CHN' })).user;
  const reviewer = (await addUser(db, 'reviewer', { delegation: 'SEC' })).user;
  const reviewer2 = (await addUser(db, 'reviewer', { delegation: 'SEC' })).user;
  const admin = (await addUser(db, 'admin')).user;

  const verified = await createEvidence(
    k,
    evaluator,
    null,
    { ...ITEM, title: 'Joint patrol logged at Torkham crossing', tlp: 'AMBER', groups: ['TTP'], findings: [{ benchmark: 'BORDER-1', stance: -1 }, { benchmark: 'INTEL-2', value: 12 }] },
    { submit: true },
  );
  await reviewEvidence(k, reviewer, verified.id, 'verify', null);

  const draft = await createEvidence(k, evaluator2, null, { ...ITEM, title: 'Draft about a raid', findings: [{ benchmark: 'DISRUPT-1', stance: 1 }] }, { submit: false });
  await updateDraft(k, evaluator2, draft.id, { ...ITEM, title: 'Raid near Quetta', groups: ['BLA'], findings: [{ benchmark: 'DISRUPT-1', stance: 2 }] }, true);
  await reviewEvidence(k, reviewer, draft.id, 'reject', 'duplicate of an item already verified');

  const original = await createEvidence(k, evaluator, null, { ...ITEM, title: 'Handover of detainees', findings: [{ benchmark: 'DISRUPT-2', stance: 1 }] }, { submit: true });
  await reviewEvidence(k, reviewer, original.id, 'verify', null);
  const correction = await createEvidence(k, evaluator, null, { ...ITEM, title: 'Handover of detainees (corrected)', findings: [{ benchmark: 'DISRUPT-2', stance: 0 }] }, { submit: true, supersedes: original.id });
  await reviewEvidence(k, reviewer2, correction.id, 'verify', null);

  const retracted = await createEvidence(k, evaluator2, null, { ...ITEM, title: 'Border post reopened', findings: [{ benchmark: 'BORDER-2', stance: 1 }] }, { submit: true });
  await reviewEvidence(k, reviewer, retracted.id, 'verify', null);
  await reviewEvidence(k, reviewer2, retracted.id, 'retract', 'the source withdrew its account');

  const pending = await createEvidence(k, evaluator, null, { ...ITEM, title: 'Arrests reported in Kandahar', findings: [{ benchmark: 'DISRUPT-3', stance: 1 }] }, { submit: true });
  const attachment = await addAttachment(k, evaluator, pending.id, { filename: 'notes.txt', data: Buffer.from('Notes from the field: three arrests.\n') });

  // an imported item, then changed by a second import
  const file = (title: string, verified_at?: string) => ({
    framework_code: 'QUAD-2025',
    evidence: [{ ref: 'ext-replay-1', title, observed_on: '2026-06-01', source_reliability: 'A', credibility: 1, groups: ['ISKP'], findings: [{ benchmark: 'INTEL-1', stance: 1 }], verified_at }],
  });
  await importFileOrThrow(k, file('Intelligence channel opened'));
  await importFileOrThrow(k, file('Intelligence channel opened (confirmed)', '2026-06-03T10:00:00Z'));

  const revoked = await createApiToken(k, evaluator, 'old script', actorOf(evaluator));
  await revokeApiToken(k, evaluator, revoked.summary.id);
  await createApiToken(k, evaluator, 'nightly export', actorOf(evaluator));
  const disabledToken = await createApiToken(k, reviewer2, 'reviewer script', actorOf(reviewer2));
  await setUserDisabled(k, actorOf(admin), reviewer2.id, true);
  await setUserDisabled(k, actorOf(admin), reviewer2.id, false);
  await updateUser(k, actorOf(admin), evaluator2.id, { role: 'reviewer' });
  const invited = await inviteUser(k, actorOf(admin), { email: `invited.${process.pid}@example.org`, role: 'viewer', delegation: 'RUS' });
  await setPasswordWithCode(k, invited.code, 'a brand new passphrase for the invitee');
  await changeOwnPassword(k, evaluator, evaluatorLogin.password, 'another long passphrase for the evaluator');

  const { report } = await produceReport(k, { period: parsePeriod('monthly', '2026-06')!, trigger: 'test' });
  const row = (id: number) => k.selectFrom('evidence').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  const user = (id: number) => k.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  return {
    evaluator: await user(evaluator.id),
    evaluator2: await user(evaluator2.id),
    reviewer,
    reviewer2: await user(reviewer2.id),
    admin,
    verified: await row(verified.id),
    rejected: await row(draft.id),
    retracted: await row(retracted.id),
    pending: await row(pending.id),
    attachmentId: attachment.id,
    tokenRevokedByDisabling: disabledToken.summary.id,
    report,
  };
}

/** The seq of the latest entry with that action about that entity. */
async function entrySeq(k: Kysely<Database>, action: string, entityType: string, entityId: string | number): Promise<number> {
  const row = await k
    .selectFrom('audit_log')
    .select('seq')
    .where('action', '=', action)
    .where('entity_type', '=', entityType)
    .where('entity_id', '=', String(entityId))
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirstOrThrow();
  return Number(row.seq);
}

async function countRows(k: Kysely<Database>, table: 'evidence' | 'findings' | 'evidence_groups' | 'users' | 'attachments' | 'reports' | 'api_tokens' | 'frameworks') {
  const { rows } = await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(k);
  return Number(rows[0].n);
}

class Rollback extends Error {}

interface AfterChange {
  /** what `audit verify` checked before finding 9.3: the chain alone */
  chainOnly: AuditVerification;
  full: FullAuditVerification;
}

/** Makes one change in a transaction, verifies inside it (old check and new), then rolls it all back. */
async function afterChange(k: Kysely<Database>, change: (trx: Transaction<Database>) => Promise<unknown>, batches?: VerifyBatches): Promise<AfterChange> {
  let result: AfterChange | null = null;
  try {
    await k.transaction().execute(async (trx) => {
      await change(trx);
      result = { chainOnly: await verifyAuditChain(trx), full: await verifyAudit(trx, batches) };
      throw new Rollback();
    });
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
  }
  return result!;
}

function expectNamed(r: AfterChange, difference: Partial<LiveDifference>): void {
  // the regression: before finding 9.3 was fixed, `audit verify` said intact here
  expect(r.chainOnly.ok).toBe(true);
  expect(r.full.chain.ok).toBe(true);
  expect(r.full.live).toMatchObject({ ok: false, difference });
}

async function allowReportChanges(trx: Kysely<Database>): Promise<void> {
  if (onPostgres) await sql`alter table reports disable trigger user`.execute(trx);
  else await sql`drop trigger reports_no_update`.execute(trx);
}

const sha256 = (data: string | Buffer) => crypto.createHash('sha256').update(data).digest('hex');

// ---------------------------------------------------------------------------------------------------------------

describe('audit verify compares the live tables with the log', () => {
  let db: Db;
  let k: Kysely<Database>;
  let b: Built;
  beforeAll(async () => {
    db = await openTestDb();
    k = db.kysely;
    b = await build(db);
  }, 120_000);
  afterAll(() => closeTestDb(db));

  it('finds data made through the services intact, and counts every row it compared', async () => {
    const result = await verifyAudit(k);
    expect(result.chain.ok).toBe(true);
    expect(result.live).toEqual({
      ok: true,
      counts: {
        frameworks: 1,
        users: await countRows(k, 'users'),
        tokens: await countRows(k, 'api_tokens'),
        evidence: await countRows(k, 'evidence'),
        findings: await countRows(k, 'findings'),
        tags: await countRows(k, 'evidence_groups'),
        attachments: 1,
        reports: 1,
      },
      notCovered: [],
      unread: { count: 0, firstSeq: null },
      staging: { batches: 0, rows: 0 },
    });
    expect(result.live?.counts).toMatchObject({ users: 6, tokens: 3, evidence: 125 + 7 });
  });

  it('gives the same answers reading a few rows at a time', async () => {
    const small: VerifyBatches = { entries: 7, rows: 3, attachments: 1, reports: 1 };
    expect((await verifyAudit(k, small)).live).toMatchObject({ ok: true, counts: { evidence: 132 } });
    const inserted = await afterChange(k, (trx) => trx.insertInto('users').values({ email: 'zed@example.org', name: 'Zed', password_hash: 'x', role: 'admin', delegation: null, disabled_at: null, created_at: '2026-01-01T00:00:00.000Z', updated_at: '2026-01-01T00:00:00.000Z' }).execute(), small);
    expect(inserted.full.live).toMatchObject({ ok: false, difference: { table: 'users', column: null } });
    const deleted = await afterChange(k, (trx) => trx.deleteFrom('findings').where('evidence_id', '=', b.pending.id).execute(), small);
    expect(deleted.full.live).toMatchObject({ ok: false, difference: { table: 'findings', row: String(b.pending.id), message: `finding of evidence ${b.pending.id} on DISRUPT-3 is in the log (entry ${await entrySeq(k, 'evidence.created', 'evidence', b.pending.id)}) but not in the database` } });
  });

  it('ignores entries of actions and entity types it does not know', async () => {
    const r = await afterChange(k, async (trx) => {
      await appendAudit(trx, { actor: SYSTEM_ACTOR, action: 'cover.up', entityType: 'x', entityId: null, content: {}, at: '2026-07-01T00:00:00.000Z' });
      await appendAudit(trx, { actor: SYSTEM_ACTOR, action: 'concurrent.append', entityType: 'test', entityId: 1, content: { i: 1 }, at: '2026-07-01T00:00:00.000Z' });
    });
    expect(r.full.live).toMatchObject({ ok: true, unread: { count: 0 } });
  });

  describe('names a direct change to an evidence row', () => {
    it('its TLP', async () => {
      const created = await entrySeq(k, 'evidence.created', 'evidence', b.verified.id);
      const r = await afterChange(k, (trx) => trx.updateTable('evidence').set({ tlp: 'GREEN' }).where('id', '=', b.verified.id).execute());
      expectNamed(r, { table: 'evidence', row: String(b.verified.id), column: 'tlp', seq: created, message: `evidence ${b.verified.id}: tlp is GREEN in the database but AMBER in the log (entry ${created})` });
    });

    it('its title', async () => {
      const created = await entrySeq(k, 'evidence.created', 'evidence', b.verified.id);
      const r = await afterChange(k, (trx) => trx.updateTable('evidence').set({ title: 'Nothing happened at Torkham' }).where('id', '=', b.verified.id).execute());
      expectNamed(r, {
        column: 'title',
        message: `evidence ${b.verified.id}: title is "Nothing happened at Torkham" in the database but "Joint patrol logged at Torkham crossing" in the log (entry ${created})`,
      });
    });

    it('its status', async () => {
      const rejectedSeq = await entrySeq(k, 'evidence.rejected', 'evidence', b.rejected.id);
      const r = await afterChange(k, (trx) => trx.updateTable('evidence').set({ status: 'verified' }).where('id', '=', b.rejected.id).execute());
      expectNamed(r, { column: 'status', message: `evidence ${b.rejected.id}: status is verified in the database but rejected in the log (entry ${rejectedSeq})` });
    });

    it('who verified it', async () => {
      const verifiedSeq = await entrySeq(k, 'evidence.verified', 'evidence', b.verified.id);
      const r = await afterChange(k, (trx) => trx.updateTable('evidence').set({ verified_by: b.evaluator2.id }).where('id', '=', b.verified.id).execute());
      expectNamed(r, { column: 'verified_by', message: `evidence ${b.verified.id}: verified_by is ${b.evaluator2.id} in the database but ${b.reviewer.id} in the log (entry ${verifiedSeq})` });
    });

    it('the delegation that owns it (which decides who may read AMBER items)', async () => {
      const created = await entrySeq(k, 'evidence.created', 'evidence', b.verified.id);
      const r = await afterChange(k, (trx) => trx.updateTable('evidence').set({ owner_delegation: 'CHN' }).where('id', '=', b.verified.id).execute());
      expectNamed(r, { column: 'owner_delegation', message: `evidence ${b.verified.id}: owner_delegation is CHN in the database but PAK in the log (entry ${created})` });
    });

    it('a retraction undone', async () => {
      const retractedSeq = await entrySeq(k, 'evidence.retracted', 'evidence', b.retracted.id);
      const r = await afterChange(k, (trx) => trx.updateTable('evidence').set({ status: 'verified', retracted_at: null, retracted_by: null, retract_reason: null }).where('id', '=', b.retracted.id).execute());
      expectNamed(r, { column: 'status', seq: retractedSeq });
    });

    it('an inserted row', async () => {
      let id = 0;
      const r = await afterChange(k, async (trx) => {
        const row = await trx
          .insertInto('evidence')
          .values({
            framework_id: b.verified.framework_id,
            ref: 'forged-1',
            title: 'Forged verified item',
            summary: null,
            source: null,
            url: null,
            observed_on: '2026-06-01',
            source_reliability: 'A',
            credibility: 1,
            tlp: 'CLEAR',
            location: null,
            status: 'verified',
            origin: 'import',
            created_by: null,
            owner_delegation: null,
            created_at: '2026-06-02T00:00:00.000Z',
            updated_at: '2026-06-02T00:00:00.000Z',
            submitted_at: '2026-06-02T00:00:00.000Z',
            verified_at: '2026-06-02T00:00:00.000Z',
            verified_by: null,
            rejected_at: null,
            rejected_by: null,
            reject_reason: null,
            retracted_at: null,
            retracted_by: null,
            retract_reason: null,
            supersedes_id: null,
            superseded_at: null,
          })
          .returning('id')
          .executeTakeFirstOrThrow();
        id = row.id;
      });
      expectNamed(r, { table: 'evidence', row: String(id), column: null, seq: null, message: `evidence ${id} is in the database but not in the log` });
    });

    it('a deleted row', async () => {
      const created = await entrySeq(k, 'evidence.created', 'evidence', b.rejected.id);
      const r = await afterChange(k, (trx) => trx.deleteFrom('evidence').where('id', '=', b.rejected.id).execute());
      expectNamed(r, { table: 'evidence', message: `evidence ${b.rejected.id} is in the log (entry ${created}) but not in the database` });
    });
  });

  describe('names a direct change to findings and tags', () => {
    const benchmarkId = (trx: Kysely<Database>, code: string) => trx.selectFrom('benchmarks').select('id').where('code', '=', code).executeTakeFirstOrThrow();

    it("a finding's stance", async () => {
      const created = await entrySeq(k, 'evidence.created', 'evidence', b.verified.id);
      const r = await afterChange(k, async (trx) => {
        const { id } = await benchmarkId(trx, 'BORDER-1');
        await trx.updateTable('findings').set({ stance: 2 }).where('evidence_id', '=', b.verified.id).where('benchmark_id', '=', id).execute();
      });
      expectNamed(r, { table: 'findings', column: 'stance', message: `finding of evidence ${b.verified.id} on BORDER-1: stance is 2 in the database but -1 in the log (entry ${created})` });
    });

    it("a finding's stance, in an item edited as a draft", async () => {
      const edited = await entrySeq(k, 'evidence.draft_updated', 'evidence', b.rejected.id);
      const r = await afterChange(k, (trx) => trx.updateTable('findings').set({ stance: -2 }).where('evidence_id', '=', b.rejected.id).execute());
      expectNamed(r, { message: `finding of evidence ${b.rejected.id} on DISRUPT-1: stance is -2 in the database but 2 in the log (entry ${edited})` });
    });

    it('a deleted finding', async () => {
      const created = await entrySeq(k, 'evidence.created', 'evidence', b.verified.id);
      const r = await afterChange(k, async (trx) => {
        const { id } = await benchmarkId(trx, 'INTEL-2');
        await trx.deleteFrom('findings').where('evidence_id', '=', b.verified.id).where('benchmark_id', '=', id).execute();
      });
      expectNamed(r, { table: 'findings', column: null, message: `finding of evidence ${b.verified.id} on INTEL-2 is in the log (entry ${created}) but not in the database` });
    });

    it('an added finding', async () => {
      const created = await entrySeq(k, 'evidence.created', 'evidence', b.verified.id);
      const r = await afterChange(k, async (trx) => {
        const { id } = await benchmarkId(trx, 'DISRUPT-4');
        await trx.insertInto('findings').values({ evidence_id: b.verified.id, benchmark_id: id, stance: 2, value: null, position: 2 }).execute();
      });
      expectNamed(r, { message: `finding of evidence ${b.verified.id} on DISRUPT-4 is in the database but not in the log (entry ${created})` });
    });

    it('an added group tag', async () => {
      const created = await entrySeq(k, 'evidence.created', 'evidence', b.verified.id);
      const r = await afterChange(k, async (trx) => {
        const group = await trx.selectFrom('framework_groups').select('id').where('code', '=', 'BLA').executeTakeFirstOrThrow();
        await trx.insertInto('evidence_groups').values({ evidence_id: b.verified.id, group_id: group.id }).execute();
      });
      expectNamed(r, { table: 'evidence_groups', message: `tag BLA of evidence ${b.verified.id} is in the database but not in the log (entry ${created})` });
    });

    it('a removed group tag of an imported item', async () => {
      const item = await k.selectFrom('evidence').select('id').where('ref', '=', 'ext-replay-1').executeTakeFirstOrThrow();
      const updated = await entrySeq(k, 'evidence.import_updated', 'evidence', item.id);
      const r = await afterChange(k, (trx) => trx.deleteFrom('evidence_groups').where('evidence_id', '=', item.id).execute());
      expectNamed(r, { table: 'evidence_groups', message: `tag ISKP of evidence ${item.id} is in the log (entry ${updated}) but not in the database` });
    });
  });

  describe('names a direct change to an attachment', () => {
    it('its bytes', async () => {
      const r = await afterChange(k, (trx) => trx.updateTable('attachments').set({ data: Buffer.from('Notes from the field: no arrests.\n') }).where('id', '=', b.attachmentId).execute());
      expectNamed(r, { table: 'attachments', column: 'data', message: `attachment ${b.attachmentId}: its data does not match its SHA-256` });
    });

    it('its SHA-256, replaced together with the bytes', async () => {
      const added = await entrySeq(k, 'evidence.attachment_added', 'evidence', b.pending.id);
      const forged = Buffer.from('Notes from the field: nothing to report.\n');
      const r = await afterChange(k, (trx) => trx.updateTable('attachments').set({ data: forged, sha256: sha256(forged) }).where('id', '=', b.attachmentId).execute());
      const original = sha256('Notes from the field: three arrests.\n');
      expectNamed(r, {
        column: 'sha256',
        message: `attachment ${b.attachmentId}: sha256 is ${sha256(forged).slice(0, 12)}… in the database but ${original.slice(0, 12)}… in the log (entry ${added})`,
      });
    });
  });

  describe('names a direct change to a user or an API token', () => {
    it("a user's role", async () => {
      const created = await entrySeq(k, 'user.created', 'user', b.evaluator.id);
      const r = await afterChange(k, (trx) => trx.updateTable('users').set({ role: 'admin' }).where('id', '=', b.evaluator.id).execute());
      expectNamed(r, { table: 'users', column: 'role', message: `user ${b.evaluator.id} (${b.evaluator.email}): role is admin in the database but evaluator in the log (entry ${created})` });
    });

    it('a role change undone', async () => {
      const updated = await entrySeq(k, 'user.updated', 'user', b.evaluator2.id);
      const r = await afterChange(k, (trx) => trx.updateTable('users').set({ role: 'evaluator' }).where('id', '=', b.evaluator2.id).execute());
      expectNamed(r, { message: `user ${b.evaluator2.id} (${b.evaluator2.email}): role is evaluator in the database but reviewer in the log (entry ${updated})` });
    });

    it("a user's password hash", async () => {
      const changed = await entrySeq(k, 'user.password_changed', 'user', b.evaluator.id);
      const r = await afterChange(k, (trx) => trx.updateTable('users').set({ password_hash: b.admin.password_hash }).where('id', '=', b.evaluator.id).execute());
      expectNamed(r, { column: 'password_hash', message: `user ${b.evaluator.id} (${b.evaluator.email}): password_hash does not match its fingerprint in the log (entry ${changed})` });
    });

    it('an inserted user', async () => {
      let id = 0;
      const r = await afterChange(k, async (trx) => {
        id = (
          await trx
            .insertInto('users')
            .values({ email: 'mallory@example.org', name: 'Mallory', password_hash: b.admin.password_hash, role: 'admin', delegation: null, disabled_at: null, created_at: '2026-06-01T00:00:00.000Z', updated_at: '2026-06-01T00:00:00.000Z' })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id;
      });
      expectNamed(r, { table: 'users', message: `user ${id} (mallory@example.org) is in the database but not in the log` });
    });

    it('an inserted API token', async () => {
      let id = 0;
      const r = await afterChange(k, async (trx) => {
        id = (
          await trx
            .insertInto('api_tokens')
            .values({ user_id: b.admin.id, name: 'backdoor', token_hash: sha256('pw_backdoor'), created_at: '2026-06-01T00:00:00.000Z', last_used_at: null, revoked_at: null })
            .returning('id')
            .executeTakeFirstOrThrow()
        ).id;
      });
      expectNamed(r, { table: 'api_tokens', message: `api token ${id} is in the database but not in the log` });
    });

    it('a token revoked by disabling its user, brought back', async () => {
      const disabled = await entrySeq(k, 'user.disabled', 'user', b.reviewer2.id);
      const r = await afterChange(k, (trx) => trx.updateTable('api_tokens').set({ revoked_at: null }).where('id', '=', b.tokenRevokedByDisabling).execute());
      expectNamed(r, { table: 'api_tokens', column: 'revoked', message: `api token ${b.tokenRevokedByDisabling}: revoked is false in the database but true in the log (entry ${disabled})` });
    });
  });

  describe('names a direct change to the framework definition', () => {
    it("a benchmark's weight", async () => {
      const created = await entrySeq(k, 'framework.created', 'framework', 'QUAD-2025');
      const r = await afterChange(k, (trx) => trx.updateTable('benchmarks').set({ weight: 3 }).where('code', '=', 'BORDER-1').execute());
      expectNamed(r, { table: 'frameworks', row: 'QUAD-2025', message: `framework QUAD-2025: benchmark BORDER-1: weight is 3 in the database but 1 in the log (entry ${created})` });
    });

    it("a perspective's weight", async () => {
      const created = await entrySeq(k, 'framework.created', 'framework', 'QUAD-2025');
      const r = await afterChange(k, (trx) =>
        trx.updateTable('perspectives').set({ pillar_weights: JSON.stringify({ INTEL: 1.25, DISRUPT: 1.5, BORDER: 4 }) }).where('code', '=', 'PAK').execute(),
      );
      expectNamed(r, { table: 'frameworks', message: `framework QUAD-2025: perspective PAK: pillar_weights.BORDER is 4 in the database but 2 in the log (entry ${created})` });
    });
  });

  describe('names a direct change to a frozen report', () => {
    const label = () => `report ${b.report.id} (monthly 2026-06)`;

    it('its content', async () => {
      const r = await afterChange(k, async (trx) => {
        await allowReportChanges(trx);
        await trx.updateTable('reports').set({ content: b.report.content.replace('"JOINT"', '"J0INT"') }).where('id', '=', b.report.id).execute();
      });
      expectNamed(r, { table: 'reports', column: 'content', message: `${label()}: its content does not match its SHA-256` });
    });

    it('its content, with its SHA-256 recomputed', async () => {
      const produced = await entrySeq(k, 'report.produced', 'report', b.report.id);
      const forged = b.report.content.replace('"JOINT"', '"J0INT"');
      const r = await afterChange(k, async (trx) => {
        await allowReportChanges(trx);
        await trx.updateTable('reports').set({ content: forged, sha256: sha256(forged) }).where('id', '=', b.report.id).execute();
      });
      expectNamed(r, { column: 'sha256', message: `${label()}: sha256 is ${sha256(forged).slice(0, 12)}… in the database but ${b.report.sha256.slice(0, 12)}… in the log (entry ${produced})` });
    });

    it('its stored log head', async () => {
      const seq = Number(b.report.audit_head_seq);
      const r = await afterChange(k, async (trx) => {
        await allowReportChanges(trx);
        await trx.updateTable('reports').set({ audit_head_hash: sha256('another head') }).where('id', '=', b.report.id).execute();
      });
      expectNamed(r, { column: 'audit_head_hash', message: `${label()}: stored head ${seq} does not match the chain at entry ${seq}` });
    });

    it('a forged report row', async () => {
      let id = 0;
      const r = await afterChange(k, async (trx) => {
        const { id: _id, ...rest } = b.report;
        id = (await trx.insertInto('reports').values({ ...rest, period: '2026-05', period_start: '2026-05-01', period_end: '2026-05-31' }).returning('id').executeTakeFirstOrThrow()).id;
      });
      expectNamed(r, { table: 'reports', message: `report ${id} (monthly 2026-05) is in the database but not in the log` });
    });
  });

  it('is left as it was by the changes above', async () => {
    expect((await verifyAudit(k)).live).toMatchObject({ ok: true });
  });
});

// ---------------------------------------------------------------------------------------------------------------

describe('pactwatch audit verify on the live tables', () => {
  const databases = cliDatabases('audit-replay');
  afterAll(() => databases.cleanup());

  it('prints what it compared, and exits 1 with one line naming a difference, also with the kept head', async () => {
    const url = databases.newUrl();
    let db = await openDatabase(url);
    try {
      await migrateToLatest(db);
      await seedDefault(db.kysely, { demo: true });
    } finally {
      await db.close();
    }
    const intact = await runCli(['audit', 'verify', '--db', url]);
    expect(intact.code).toBe(0);
    expect(intact.stderr).toMatch(
      /^audit verify: intact, 126 entries; head 126:[0-9a-f]{64}; live tables match the log \(125 evidence items, \d+ findings, 0 users, 0 attachments, 0 reports, 0 tokens\)\n$/,
    );
    const out = JSON.parse(intact.stdout);
    expect(out).toMatchObject({ ok: true, entries: 126, live: { evidence: 125, frameworks: 1 }, not_covered: [], unread_entries: 0 });
    const kept = `${out.head.seq}:${out.head.hash}`;

    db = await openDatabase(url);
    let item: { id: number; tlp: string };
    let seq: number;
    try {
      item = await db.kysely.selectFrom('evidence').select(['id', 'tlp']).where('tlp', '!=', 'RED').orderBy('id').limit(1).offset(10).executeTakeFirstOrThrow();
      seq = await entrySeq(db.kysely, 'evidence.imported', 'evidence', item.id);
      await db.kysely.updateTable('evidence').set({ tlp: 'RED' }).where('id', '=', item.id).execute();
    } finally {
      await db.close();
    }
    const message = `evidence ${item.id}: tlp is RED in the database but ${item.tlp} in the log (entry ${seq})`;
    for (const args of [[], ['--expect-head', kept]]) {
      const r = await runCli(['audit', 'verify', '--db', url, ...args]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`audit verify: the live tables differ from the log: ${message}\n`);
      expect(JSON.parse(r.stdout)).toEqual({ ok: false, entries: 126, head: out.head, difference: { table: 'evidence', row: String(item.id), column: 'tlp', seq, message } });
    }
  }, 60_000);

  it('verifies a database written before log format 2, saying which columns it could not compare', async () => {
    const url = databases.newUrl();
    let db = await openDatabase(url);
    let tokenId: number;
    let disabledSeq: number;
    try {
      await migrateToLatest(db);
      await seedDefault(db.kysely, { demo: true });
      const evaluator = (await addUser(db, 'evaluator', { delegation: 'PAK' })).user;
      const reviewer = (await addUser(db, 'reviewer', { delegation: 'SEC' })).user;
      const item = await createEvidence(db.kysely, evaluator, null, { ...ITEM, findings: [{ benchmark: 'BORDER-1', stance: 1 }], title: 'Patrol' }, { submit: true });
      await reviewEvidence(db.kysely, reviewer, item.id, 'verify', null);
      tokenId = (await createApiToken(db.kysely, evaluator, 'script', actorOf(evaluator))).summary.id;
      await setUserDisabled(db.kysely, SYSTEM_ACTOR, evaluator.id, true);
      disabledSeq = await entrySeq(db.kysely, 'user.disabled', 'user', evaluator.id);

      await rewriteAsLegacy(db);
      // a report made before reports had entries: made now, and its entry removed
      await produceReport(db.kysely, { period: parsePeriod('monthly', '2026-06')!, trigger: 'test' });
      await db.kysely.deleteFrom('audit_log').where('action', '=', 'report.produced').execute();
      const before = await verifyAudit(db.kysely);
      expect(before.live).toMatchObject({ ok: false, difference: { table: 'reports', message: expect.stringMatching(/^report \d+ \(monthly 2026-06\) is in the database but not in the log$/) } });
      // what migration 20261201_0005 does when it first runs on such a database (called directly: the
      // migrator, which already ran it here on an empty table, would not run it again)
      await registerReports({ db: db.kysely, dialect: db.dialect });
    } finally {
      await db.close();
    }

    const r = await runCli(['audit', 'verify', '--db', url]);
    expect(r.stderr).toMatch(
      /; live tables match the log \(126 evidence items, \d+ findings, 2 users, 0 attachments, 1 report, 1 token\); not covered by entries written before log format 2: users\.password_hash \(2 rows\), api_tokens\.token_hash \(1 row\), evidence\.framework_id \(126 rows\), evidence\.owner_delegation \(1 row\)\n$/,
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).not_covered).toEqual([
      { column: 'users.password_hash', rows: 2 },
      { column: 'api_tokens.token_hash', rows: 1 },
      { column: 'evidence.framework_id', rows: 126 },
      { column: 'evidence.owner_delegation', rows: 1 },
    ]);

    db = await openDatabase(url);
    try {
      const registered = await db.kysely.selectFrom('audit_log').select(['entity_type', 'content']).where('action', '=', 'report.registered').execute();
      const report = await db.kysely.selectFrom('reports').selectAll().executeTakeFirstOrThrow();
      expect(registered).toHaveLength(1);
      expect(JSON.parse(registered[0].content)).toMatchObject({ kind: 'monthly', period: '2026-06', sha256: report.sha256, audit_head: { seq: report.audit_head_seq, hash: report.audit_head_hash } });
      // what the old entries do say is still compared: the token that disabling revoked, and the registered report
      const unrevoked = await afterChange(db.kysely, (trx) => trx.updateTable('api_tokens').set({ revoked_at: null }).where('id', '=', tokenId).execute());
      expectNamed(unrevoked, { message: `api token ${tokenId}: revoked is false in the database but true in the log (entry ${disabledSeq})` });
      const forgedHead = await afterChange(db.kysely, async (trx) => {
        await allowReportChanges(trx);
        await trx.updateTable('reports').set({ audit_head_hash: sha256('x') }).execute();
      });
      expectNamed(forgedHead, { table: 'reports', column: 'audit_head_hash' });
    } finally {
      await db.close();
    }
  }, 60_000);
});

/** Keys that log format 2 added; entries written before it lack them. */
const FORMAT_2_KEYS: Record<string, string[]> = {
  'evidence.created': ['framework', 'origin', 'created_by', 'owner_delegation'],
  'evidence.correction_created': ['framework', 'origin', 'created_by', 'owner_delegation'],
  'evidence.imported': ['framework', 'origin', 'created_by', 'owner_delegation'],
  'user.created': ['password_fingerprint'],
  'user.password_changed': ['password_fingerprint', 'revoked_tokens'],
  'user.password_set': ['password_fingerprint', 'revoked_tokens'],
  'user.disabled': ['revoked_tokens'],
  'token.created': ['token_hash'],
};

/** Rewrites the whole chain as the code before log format 2 would have written it. */
async function rewriteAsLegacy(db: Db): Promise<void> {
  if (db.dialect === 'sqlite') {
    await sql`drop trigger audit_log_no_update`.execute(db.kysely);
    await sql`drop trigger audit_log_no_delete`.execute(db.kysely);
  } else {
    await sql`alter table audit_log disable trigger user`.execute(db.kysely);
  }
  const rows = await db.kysely.selectFrom('audit_log').selectAll().orderBy('seq').execute();
  let prev = GENESIS_HASH;
  for (const row of rows) {
    const content = JSON.parse(row.content) as Record<string, unknown>;
    for (const key of FORMAT_2_KEYS[row.action] ?? []) delete content[key];
    const legacy = { ...row, content: canonicalJson(content), prev_hash: prev };
    const hash = entryHash(prev, legacy);
    await db.kysely.updateTable('audit_log').set({ content: legacy.content, prev_hash: prev, hash }).where('seq', '=', row.seq).execute();
    prev = hash;
  }
}
