// Schedules the periodic reports with node-cron: each enabled kind runs on the first day after its period at
// the configured time and zone, produces every complete period not yet stored (oldest first), and retries a
// failed period with backoff. Runs in every instance; exactly-once is the database's job (reports/service.ts).

import cron, { type ScheduledTask } from 'node-cron';
import type { Kysely } from 'kysely';
import type { Database, ReportKind } from '../db/schema';
import type { Config } from '../config';
import { endOfDayUtc, systemClock, todayUtc, type Clock } from '../time';
import { latestReportOfKind, produceReport, type ProduceResult } from '../reports/service';
import { lastCompletePeriod, nextPeriod, type Period } from '../reports/periods';
import { listFrameworks } from '../framework/repository';

export interface SchedulerLog {
  info(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface SchedulerDeps {
  db: Kysely<Database>;
  config: Pick<Config, 'reportKinds' | 'reportTime' | 'reportTimeZone' | 'reportCatchUpMax'>;
  clock?: Clock;
  log: SchedulerLog;
  produce?: typeof produceReport;
  /** how long to wait before retry n (1-based), in ms */
  backoffMs?: (attempt: number) => number;
  setTimer?: (fn: () => void, ms: number) => { cancel(): void };
}

export const RETRY_DELAYS_MS = [60_000, 5 * 60_000, 15 * 60_000, 60 * 60_000];
/** a little after a period's UTC end, so clocks a moment apart agree it has ended */
const UTC_END_MARGIN_MS = 5_000;

/** Today's date in a time zone, YYYY-MM-DD. */
export function todayIn(timeZone: string, clock: Clock): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(clock());
}

export function cronExpression(kind: ReportKind, time: string): string {
  const [hh, mm] = time.split(':').map(Number);
  if (kind === 'weekly') return `${mm} ${hh} * * 1`;
  if (kind === 'monthly') return `${mm} ${hh} 1 * *`;
  return `${mm} ${hh} 1 1,4,7,10 *`;
}

export class ReportScheduler {
  private readonly clock: Clock;
  private readonly produce: typeof produceReport;
  private readonly tasks: ScheduledTask[] = [];
  private readonly timers = new Set<{ cancel(): void }>();
  private running: Promise<unknown> = Promise.resolve();
  private stopped = false;
  /** periods waiting for their UTC end (see waitForUtcEnd) */
  private readonly pendingEnds = new Set<string>();

  constructor(private readonly deps: SchedulerDeps) {
    this.clock = deps.clock ?? systemClock;
    this.produce = deps.produce ?? produceReport;
  }

  /** Starts the cron tasks and catches up on missed periods (oldest first). */
  start(): Promise<void> {
    for (const kind of this.deps.config.reportKinds) {
      const task = cron.schedule(cronExpression(kind, this.deps.config.reportTime), () => void this.enqueue(() => this.runKind(kind, 'schedule')), {
        timezone: this.deps.config.reportTimeZone,
        name: `report-${kind}`,
        noOverlap: true,
      });
      this.tasks.push(task);
    }
    return this.enqueue(() => this.catchUp());
  }

  /** Produces every missed period of every enabled kind, oldest first. */
  async catchUp(): Promise<void> {
    for (const kind of this.deps.config.reportKinds) await this.runKind(kind, 'catch-up');
  }

  /**
   * The complete periods of a kind still to produce for a framework: after the latest stored, up to the last
   * complete. Periods are UTC calendar periods (as every as-of date is a UTC day), so a period is complete only
   * once its last day has ended in UTC, whatever the schedule's time zone: a report is frozen for good, and one
   * frozen before its period ended would miss its last hours forever.
   */
  async duePeriods(frameworkId: number, kind: ReportKind): Promise<Period[]> {
    const last = lastCompletePeriod(kind, todayUtc(this.clock));
    const latest = await latestReportOfKind(this.deps.db, frameworkId, kind);
    if (!latest) return [last];
    const due: Period[] = [];
    let p = nextPeriod({ kind, code: latest.period, start: latest.period_start, end: latest.period_end });
    while (p.end <= last.end && due.length < this.deps.config.reportCatchUpMax) {
      due.push(p);
      p = nextPeriod(p);
    }
    return due;
  }

  async runKind(kind: ReportKind, trigger: string): Promise<ProduceResult[]> {
    const results: ProduceResult[] = [];
    for (const fw of await listFrameworks(this.deps.db)) {
      for (const period of await this.duePeriods(fw.id, kind)) {
        if (this.stopped) return results;
        const result = await this.attempt(fw.code, period, trigger, 1);
        if (result) results.push(result);
        else break; // a failed period is retried; later periods wait so reports stay in order
      }
    }
    this.waitForUtcEnd(kind);
    return results;
  }

  /**
   * East of UTC the schedule's day can begin before the period has ended in UTC (06:00 in Kabul is 01:30 UTC): the
   * period the schedule's zone already calls complete is then produced right after its UTC end, not a period later.
   */
  private waitForUtcEnd(kind: ReportKind): void {
    if (this.stopped) return;
    const local = lastCompletePeriod(kind, todayIn(this.deps.config.reportTimeZone, this.clock));
    const endMs = Date.parse(endOfDayUtc(local.end)) + 1;
    const waitMs = endMs - this.clock().getTime();
    if (waitMs <= 0 || this.pendingEnds.has(local.code)) return;
    this.pendingEnds.add(local.code);
    const timer = (this.deps.setTimer ?? defaultTimer)(() => {
      this.timers.delete(timer);
      this.pendingEnds.delete(local.code);
      void this.enqueue(() => this.runKind(kind, 'schedule'));
    }, waitMs + UTC_END_MARGIN_MS);
    this.timers.add(timer);
  }

  private async attempt(frameworkCode: string, period: Period, trigger: string, attempt: number): Promise<ProduceResult | null> {
    try {
      const result = await this.produce(this.deps.db, { frameworkCode, period, trigger, attempt, clock: this.clock });
      this.deps.log.info({ kind: period.kind, period: period.code, outcome: result.outcome, reportId: result.report.id }, `report ${period.kind} ${period.code}: ${result.outcome}`);
      return result;
    } catch (err) {
      this.deps.log.error({ err, kind: period.kind, period: period.code, attempt }, `report ${period.kind} ${period.code} failed (attempt ${attempt})`);
      if (attempt <= RETRY_DELAYS_MS.length && !this.stopped) {
        const delay = (this.deps.backoffMs ?? ((n) => RETRY_DELAYS_MS[n - 1]))(attempt);
        const timer = (this.deps.setTimer ?? defaultTimer)(() => {
          this.timers.delete(timer);
          void this.enqueue(async () => {
            const ok = await this.attempt(frameworkCode, period, 'retry', attempt + 1);
            if (ok) await this.runKind(period.kind, 'catch-up');
          });
        }, delay);
        this.timers.add(timer);
      }
      return null;
    }
  }

  /** Runs jobs one after another in this process, so shutdown can wait for the one in progress. */
  private enqueue(job: () => Promise<unknown>): Promise<void> {
    const next = this.running.then(job, job);
    this.running = next.catch(() => undefined);
    return next.then(() => undefined);
  }

  /** Stops scheduling and waits for a running report to finish (its transaction commits or rolls back). */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const task of this.tasks) task.stop();
    for (const timer of this.timers) timer.cancel();
    this.timers.clear();
    await this.running;
  }
}

function defaultTimer(fn: () => void, ms: number) {
  const t = setTimeout(fn, ms);
  t.unref();
  return { cancel: () => clearTimeout(t) };
}
