import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import type { Db } from '../../src/db/connect';
import { openDatabase } from '../../src/db/connect';
import { migrateToLatest } from '../../src/db/migrate';
import { seedDefault } from '../../src/seed/index';
import { buildReportContent, contentHash, produceReport } from '../../src/reports/service';
import { parsePeriod } from '../../src/reports/periods';
import { cutoffSentence } from '../../src/reports/build';
import { ReportScheduler, cronExpression } from '../../src/jobs/report-scheduler';
import { createEvidence, reviewEvidence } from '../../src/evidence/service';
import { closeTestDb, dropTestSchema, freshDatabaseUrl, onPostgres, openTestDb } from '../helpers/db';
import { addUser, manualClock } from '../helpers/app';
import { until } from '../helpers/wait';
import { cliDatabases, runCli } from '../helpers/cli';

const quietLog = { info: () => undefined, error: () => undefined };
const config = (kinds: ('weekly' | 'monthly' | 'quarterly')[]) => ({ reportKinds: kinds, reportTime: '06:00', reportTimeZone: 'UTC', reportCatchUpMax: 24 });
const count = async (db: Db) => Number((await db.kysely.selectFrom('reports').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);

describe('reports: frozen, reproducible, exactly once', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openTestDb();
    // the demo was loaded before the reports are made, as in real life
    await seedDefault(db.kysely, { demo: true, clock: () => new Date('2026-05-15T00:00:00Z') });
  });
  afterAll(() => closeTestDb(db));

  it('produces one report per period, also when asked many times at once', async () => {
    const period = parsePeriod('monthly', '2026-06')!;
    const clock = manualClock('2026-07-01T06:00:00Z').clock;
    const results = await Promise.all(Array.from({ length: 5 }, () => produceReport(db.kysely, { period, trigger: 'test', clock })));
    expect(results.filter((r) => r.outcome === 'produced')).toHaveLength(1);
    expect(new Set(results.map((r) => r.report.id)).size).toBe(1);
    const rows = await db.kysely.selectFrom('reports').selectAll().where('period', '=', '2026-06').execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'monthly', period_start: '2026-06-01', period_end: '2026-06-30', generated_at: '2026-07-01T06:00:00.000Z', methodology: 'v1.1' });
    const runs = await db.kysely.selectFrom('report_runs').select('outcome').where('period', '=', '2026-06').execute();
    expect(runs.map((r) => r.outcome).sort()).toEqual(['exists', 'exists', 'exists', 'exists', 'produced']);
  });

  it('freezes what was known: scorecards for every perspective at the period end, the cut-off in words, the log head', async () => {
    const row = await db.kysely.selectFrom('reports').selectAll().where('period', '=', '2026-06').executeTakeFirstOrThrow();
    const content = JSON.parse(row.content);
    expect(content.perspectives.map((p: { code: string }) => p.code)).toEqual(['JOINT', 'PAK', 'CHN', 'RUS', 'IRN']);
    expect(Object.keys(content.scorecards).sort()).toEqual(['CHN', 'IRN', 'JOINT', 'PAK', 'RUS']);
    expect(content.scorecards.PAK).toMatchObject({ as_of: '2026-06-30', known_at: '2026-07-01T06:00:00.000Z', perspective: 'PAK' });
    // the cut-off in words is rendered from the frozen dates in the reader's language, never stored as English
    expect(content.information_cutoff).toBeUndefined();
    expect(cutoffSentence(content.report.as_of, content.report.known_at)).toBe('This report describes the situation as of 30 June 2026. It is based on evidence verified by 1 July 2026 at 06:00 UTC; evidence verified, corrected or retracted after that time is not reflected.');
    expect(content.audit_head.seq).toBeGreaterThan(0);
    expect(row.sha256).toBe(contentHash(content).sha256);
    // evidence verified in June by the demo data
    const demo = JSON.parse(fs.readFileSync('src/seed/demo-evidence.json', 'utf8')).evidence as { verified_at?: string }[];
    const june = demo.filter((e) => e.verified_at && e.verified_at >= '2026-06-01' && e.verified_at < '2026-07-01').length;
    expect(content.evidence.verified.count + content.evidence.corrected.count).toBe(june);
  });

  it('is reproduced exactly by regenerating with known-at = its generation time, after later changes', async () => {
    const row = await db.kysely.selectFrom('reports').selectAll().where('period', '=', '2026-06').executeTakeFirstOrThrow();
    // later: new evidence about June is logged and verified, and an item is retracted
    const evaluator = (await addUser(db, 'evaluator', { delegation: 'PAK' })).user;
    const reviewer = (await addUser(db, 'reviewer', { delegation: 'SEC' })).user;
    const item = await createEvidence(db.kysely, evaluator, null, { title: 'Late report on June', observed_on: '2026-06-15', source_reliability: 'A', credibility: 1, tlp: 'GREEN', findings: [{ benchmark: 'BORDER-1', stance: 2 }] }, { submit: true });
    await reviewEvidence(db.kysely, reviewer, item.id, 'verify', null);
    const verified = await db.kysely.selectFrom('evidence').select('id').where('status', '=', 'verified').where('observed_on', '<=', '2026-06-30').orderBy('id').executeTakeFirstOrThrow();
    await reviewEvidence(db.kysely, reviewer, verified.id, 'retract', 'found unreliable');

    const again = await buildReportContent(db.kysely, row.framework_id, parsePeriod('monthly', '2026-06')!, row.generated_at);
    expect(contentHash(again).text).toBe(row.content);
    expect(contentHash(again).sha256).toBe(row.sha256);
    // as known now, the same period reads differently
    const now = await buildReportContent(db.kysely, row.framework_id, parsePeriod('monthly', '2026-06')!, new Date().toISOString());
    expect(now.scorecards.JOINT).not.toEqual(JSON.parse(row.content).scorecards.JOINT);
  });

  it('is immutable: the database refuses UPDATE and DELETE', async () => {
    await expect(db.kysely.updateTable('reports').set({ content: '{}' }).execute()).rejects.toThrow(/immutable/);
    await expect(db.kysely.deleteFrom('reports').execute()).rejects.toThrow(/immutable/);
    if (onPostgres) {
      // stored PDFs reference reports, so a plain TRUNCATE is refused by the foreign key first; CASCADE meets the trigger
      await expect(sql`truncate reports`.execute(db.kysely)).rejects.toThrow(/immutable|referenced in a foreign key/);
      await expect(sql`truncate reports cascade`.execute(db.kysely)).rejects.toThrow(/immutable/);
    }
  });

  it('compares with the previous report of the same kind', async () => {
    const clock = manualClock('2026-08-01T06:00:00Z').clock;
    const r = await produceReport(db.kysely, { period: parsePeriod('monthly', '2026-07')!, trigger: 'test', clock });
    const content = JSON.parse(r.report.content);
    expect(content.changes.previous_period).toBe('2026-06');
    expect(content.changes.overall.map((o: { perspective: string }) => o.perspective)).toEqual(['JOINT', 'PAK', 'CHN', 'RUS', 'IRN']);
    for (const m of content.changes.biggest_movers) expect(m.delta).toBeCloseTo(m.to - m.from, 9);
  });
});

describe('the scheduler', () => {
  it('runs monthly and quarterly at 06:00 on the first day after the period', () => {
    expect(cronExpression('monthly', '06:00')).toBe('0 6 1 * *');
    expect(cronExpression('quarterly', '06:00')).toBe('0 6 1 1,4,7,10 *');
    expect(cronExpression('weekly', '07:30')).toBe('30 7 * * 1');
  });

  it('catches up missed periods oldest first, and only the last complete one on a first start', async () => {
    const db = await openTestDb(undefined, { seed: 'demo' });
    try {
      const time = manualClock('2026-03-02T07:00:00Z');
      const scheduler = new ReportScheduler({ db: db.kysely, config: config(['monthly', 'quarterly']), clock: time.clock, log: quietLog });
      await scheduler.catchUp();
      let reports = await db.kysely.selectFrom('reports').select(['kind', 'period']).orderBy('id').execute();
      expect(reports).toEqual([{ kind: 'monthly', period: '2026-02' }, { kind: 'quarterly', period: '2025-Q4' }]);
      // the service was down from March to late July
      time.set('2026-07-20T09:00:00Z');
      await scheduler.catchUp();
      reports = await db.kysely.selectFrom('reports').select(['kind', 'period', 'generated_at']).orderBy('id').execute();
      expect(reports.map((r) => `${r.kind} ${r.period}`)).toEqual([
        'monthly 2026-02', 'quarterly 2025-Q4', 'monthly 2026-03', 'monthly 2026-04', 'monthly 2026-05', 'monthly 2026-06', 'quarterly 2026-Q1', 'quarterly 2026-Q2',
      ]);
      // nothing more to do until the next period ends
      await scheduler.catchUp();
      expect(await count(db)).toBe(8);
      await scheduler.stop();
    } finally {
      await closeTestDb(db);
    }
  });

  it('records a failed run, retries it with backoff, and then carries on', async () => {
    const db = await openTestDb(undefined, { seed: 'demo' });
    try {
      const timers: { fn: () => void; ms: number }[] = [];
      let failures = 2;
      const scheduler = new ReportScheduler({
        db: db.kysely,
        config: config(['monthly']),
        clock: () => new Date('2026-05-01T06:00:00Z'),
        log: quietLog,
        produce: async (kdb, args) => {
          if (failures-- > 0) {
            // a real failure inside the report transaction: nothing is written
            return produceReport(kdb, { ...args, beforeCommit: async () => { throw new Error('disk full (simulated)'); } });
          }
          return produceReport(kdb, args);
        },
        setTimer: (fn, ms) => {
          const t = { fn, ms };
          timers.push(t);
          return { cancel: () => undefined };
        },
      });
      await scheduler.runKind('monthly', 'schedule');
      expect(await count(db)).toBe(0);
      expect(timers.map((t) => t.ms)).toEqual([60_000]);
      timers.shift()!.fn();
      // the retry runs (and fails again, asking for the next wait): wait for that, however slow the machine
      await until(() => timers.length > 0, 'the retry asked for its next wait');
      await scheduler.stop().catch(() => undefined);
      const scheduler2Timers = timers.map((t) => t.ms);
      expect(scheduler2Timers).toEqual([300_000]);
      const runs = await db.kysely.selectFrom('report_runs').selectAll().orderBy('id').execute();
      expect(runs.map((r) => [r.trigger, r.attempt, r.outcome])).toEqual([['schedule', 1, 'failed'], ['retry', 2, 'failed']]);
      expect(runs[0].error).toBe('disk full (simulated)');
      expect(runs[0].finished_at).not.toBeNull();
      // a fresh scheduler (e.g. after a restart) produces it
      const fresh = new ReportScheduler({ db: db.kysely, config: config(['monthly']), clock: () => new Date('2026-05-01T07:00:00Z'), log: quietLog });
      await fresh.catchUp();
      expect(await count(db)).toBe(1);
    } finally {
      await closeTestDb(db);
    }
  });

  it('waits at shutdown for a report in progress', async () => {
    const db = await openTestDb(undefined, { seed: 'demo' });
    try {
      let release!: () => void;
      const gate = new Promise<void>((r) => (release = r));
      let entered!: () => void;
      const inside = new Promise<void>((r) => (entered = r));
      const scheduler = new ReportScheduler({
        db: db.kysely,
        config: config(['monthly']),
        clock: () => new Date('2026-05-01T06:00:00Z'),
        log: quietLog,
        produce: (kdb, args) => produceReport(kdb, { ...args, beforeCommit: () => { entered(); return gate; } }),
      });
      const started = scheduler.start();
      await inside; // the report's transaction is open
      let stopped = false;
      const stopping = scheduler.stop().then(() => (stopped = true));
      await new Promise((r) => setTimeout(r, 100));
      expect(stopped).toBe(false);
      release();
      await started;
      await stopping;
      expect(await count(db)).toBe(1);
    } finally {
      await closeTestDb(db);
    }
  });
});

describe.runIf(onPostgres)('two scheduler processes on one PostgreSQL database', () => {
  it('produce one report per period between them', async () => {
    const url = freshDatabaseUrl();
    const setup = await openDatabase(url);
    await migrateToLatest(setup);
    await seedDefault(setup.kysely, { demo: true });
    await setup.close();
    const now = '2026-11-02T06:00:00Z';
    // both load, say they are ready, and start catching up when told, together
    const startOne = () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'tests/integration/fixtures/scheduler-process.ts', url, now], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      const ready = new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d) => {
          out += d;
          if (out.startsWith('ready\n')) resolve();
        });
        child.on('exit', () => reject(new Error(`scheduler process ended before it was ready: ${err}`)));
      });
      child.stderr.on('data', (d) => (err += d));
      const done = new Promise<string>((resolve, reject) => child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`scheduler process failed: ${err}`)))));
      return { child, ready, done };
    };
    const runBoth = async () => {
      const both = [startOne(), startOne()];
      await Promise.all(both.map((p) => p.ready));
      for (const p of both) p.child.stdin.end('go\n');
      return Promise.all(both.map((p) => p.done));
    };
    try {
      await runBoth();
      const db = await openDatabase(url);
      try {
        const reports = await db.kysely.selectFrom('reports').select(['kind', 'period']).execute();
        const keys = reports.map((r) => `${r.kind} ${r.period}`);
        expect(new Set(keys).size).toBe(keys.length);
        expect(keys.sort()).toEqual(['monthly 2026-10', 'quarterly 2026-Q3', 'weekly 2026-W44']);
        const runs = await db.kysely.selectFrom('report_runs').select(['instance', 'outcome']).execute();
        expect(new Set(runs.map((r) => r.instance)).size).toBe(2);
        expect(runs.filter((r) => r.outcome === 'produced')).toHaveLength(3);
      } finally {
        await db.close();
      }
    } finally {
      await dropTestSchema(new URL(url).searchParams.get('schema'));
    }
  });
});

describe('pactwatch report', () => {
  const databases = cliDatabases('reports');
  const url = databases.newUrl();
  afterAll(() => databases.cleanup());
  const run = (args: string[]) => runCli([...args, '--db', url]);

  it('runs a period on demand, once, and lists reports', async () => {
    await run(['seed', '--demo']);
    const first = await run(['report', 'run', 'quarterly', '--period', '2026-Q2']);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ kind: 'quarterly', period: '2026-Q2', outcome: 'produced' });
    expect(first.stderr).toMatch(/\[1\/1\] quarterly 2026-Q2: produced/);
    expect(JSON.parse((await run(['report', 'run', 'quarterly', '--period', '2026-Q2'])).stdout).outcome).toBe('exists');
    const def = await run(['report', 'run', 'monthly']);
    expect(def.code).toBe(0);
    const list = await run(['report', 'list']);
    expect(list.stdout.trim().split('\n')).toHaveLength(2);
    expect(list.stdout).toMatch(/quarterly\t2026-Q2\t2026-04-01\.\.2026-06-30/);
    expect((await run(['report', 'run', 'monthly', '--period', '2026-13'])).code).toBe(2);
    expect((await run(['report', 'run', 'yearly'])).code).toBe(2);
    const future = await run(['report', 'run', 'monthly', '--period', '2099-01']);
    expect(future.code).toBe(1);
    expect(future.stderr).toMatch(/not complete yet/);
  });
});
