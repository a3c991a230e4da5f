// Reports are frozen for good, so a period must have ended before its report is made. Periods are UTC calendar
// periods; the schedule's time zone only says when the scheduler wakes. Regression tests for issue 10.6: with
// REPORTS_TZ=Asia/Kabul and REPORTS_AT before 04:30, or a restart in the last hours of a UTC period, the
// scheduler stored monthly 2026-11 with generated_at 2026-11-30T21:00Z.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ReportScheduler } from '../../src/jobs/report-scheduler';
import { seedDefault } from '../../src/seed/index';
import { closeTestDb, openTestDb } from '../helpers/db';
import { manualClock } from '../helpers/app';
import { until } from '../helpers/wait';
import type { Db } from '../../src/db/connect';

const quietLog = { info: () => undefined, error: () => undefined };

describe('report periods and the schedule time zone', () => {
  let db: Db;
  beforeEach(async () => {
    db = await openTestDb();
    await seedDefault(db.kysely, { demo: true });
    // October exists, as on a running installation
    const time = manualClock('2026-11-02T06:00:00Z');
    const first = new ReportScheduler({ db: db.kysely, config: config('UTC', '06:00'), clock: time.clock, log: quietLog, setTimer: noTimer });
    await first.runKind('monthly', 'schedule');
    await first.stop();
  });
  afterEach(() => closeTestDb(db));

  const config = (tz: string, at: string) => ({ reportKinds: ['monthly' as const], reportTime: at, reportTimeZone: tz, reportCatchUpMax: 24 });
  const noTimer = () => ({ cancel: () => undefined });
  const monthly = () => db.kysely.selectFrom('reports').select(['period', 'period_end', 'generated_at']).where('kind', '=', 'monthly').orderBy('period').execute();

  it('in Kabul at 01:00 on 1 December (20:30 UTC on 30 November) waits for November to end in UTC, then makes it', async () => {
    const time = manualClock('2026-11-30T20:30:00Z');
    const timers: { fn: () => void; ms: number }[] = [];
    const scheduler = new ReportScheduler({
      db: db.kysely,
      config: config('Asia/Kabul', '01:00'),
      clock: time.clock,
      log: quietLog,
      setTimer: (fn, ms) => {
        timers.push({ fn, ms });
        return { cancel: () => undefined };
      },
    });
    await scheduler.runKind('monthly', 'schedule');
    expect((await monthly()).map((r) => r.period)).toEqual(['2026-10']);
    // one wake-up, a little after midnight UTC
    expect(timers).toHaveLength(1);
    const wake = Date.parse('2026-11-30T20:30:00Z') + timers[0].ms;
    expect(wake).toBeGreaterThan(Date.parse('2026-12-01T00:00:00Z'));
    expect(wake).toBeLessThan(Date.parse('2026-12-01T00:01:00Z'));
    time.set(new Date(wake).toISOString());
    timers[0].fn();
    // the wake-up queues the run; wait for it before stopping the scheduler
    await until(async () => (await monthly()).length >= 2, 'the wake-up made the November report');
    await scheduler.stop();
    const reports = await monthly();
    expect(reports.map((r) => r.period)).toEqual(['2026-10', '2026-11']);
    expect(reports[1].generated_at > '2026-11-30T23:59:59.999Z').toBe(true);
  });

  it('after a restart in the last hours of a UTC month, catches up only the months that have ended', async () => {
    const scheduler = new ReportScheduler({ db: db.kysely, config: config('Asia/Kabul', '01:00'), clock: () => new Date('2026-11-30T22:00:00Z'), log: quietLog, setTimer: noTimer });
    await scheduler.catchUp();
    await scheduler.stop();
    expect((await monthly()).map((r) => r.period)).toEqual(['2026-10']);
  });

  it('in New York at 06:00 on 1 December (11:00 UTC) makes November at once, without waiting', async () => {
    const timers: number[] = [];
    const scheduler = new ReportScheduler({
      db: db.kysely,
      config: config('America/New_York', '06:00'),
      clock: () => new Date('2026-12-01T11:00:00Z'),
      log: quietLog,
      setTimer: (_fn, ms) => {
        timers.push(ms);
        return { cancel: () => undefined };
      },
    });
    await scheduler.runKind('monthly', 'schedule');
    await scheduler.stop();
    expect((await monthly()).map((r) => r.period)).toEqual(['2026-10', '2026-11']);
    expect(timers).toEqual([]);
  });

  it('in New York late on 30 November (already 1 December in UTC) makes November: the period has ended in UTC', async () => {
    const scheduler = new ReportScheduler({ db: db.kysely, config: config('America/New_York', '23:30'), clock: () => new Date('2026-12-01T04:30:00Z'), log: quietLog, setTimer: noTimer });
    await scheduler.catchUp();
    await scheduler.stop();
    const reports = await monthly();
    expect(reports.map((r) => r.period)).toEqual(['2026-10', '2026-11']);
    for (const r of reports) expect(r.generated_at > `${r.period_end}T23:59:59.999Z`).toBe(true);
  });
});
