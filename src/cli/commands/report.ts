// `pactwatch report run KIND [--period P | --catch-up]` produces the reports of periods now, with progress on stderr
// and one JSON line per period on stdout; `pactwatch report list` prints one line per stored report.

import type { Kysely } from 'kysely';
import { loadConfig } from '../../config';
import type { Database, FrameworkRow, ReportKind } from '../../db/schema';
import { AppError } from '../../errors';
import { ReportScheduler } from '../../jobs/report-scheduler';
import { lastCompletePeriod, parsePeriod, periodFormatHint, REPORT_KINDS, type Period } from '../../reports/periods';
import { listReports, produceReport } from '../../reports/service';
import { resolveFramework } from '../../framework/repository';
import { defineCommand, UsageError, type CommandGroup } from '../command';
import { withDatabase } from '../database';
import { progressReporter } from '../io';

/** The periods to produce: the one asked for, those the scheduler has not produced yet, or the last complete one. */
async function periodsToProduce(db: Kysely<Database>, fw: FrameworkRow, kind: ReportKind, asked: Period | null, catchUp: boolean): Promise<Period[]> {
  const today = new Date().toISOString().slice(0, 10);
  if (asked) {
    if (asked.end >= today) throw new AppError('CONFLICT', `period ${asked.code} is not complete yet (it ends ${asked.end})`);
    return [asked];
  }
  if (catchUp) {
    const scheduler = new ReportScheduler({ db, config: loadConfig(process.env), log: { info: () => undefined, error: () => undefined } });
    return scheduler.duePeriods(fw.id, kind);
  }
  return [lastCompletePeriod(kind, today)];
}

const run = defineCommand({
  usage: 'report run KIND [--period P | --catch-up] [--framework CODE]',
  summary: [
    'produce the report of a period now (default: the last complete one);',
    'KIND weekly, monthly or quarterly; P 2026-W14, 2026-04, 2026-Q2',
  ],
  options: { period: { type: 'string' }, framework: { type: 'string' }, 'catch-up': { type: 'boolean' } },
  positionals: 1,
  async run({ values, positionals }, io) {
    const kind = positionals[0] as ReportKind | undefined;
    if (!kind || !REPORT_KINDS.includes(kind)) throw new UsageError('report run needs KIND: weekly, monthly or quarterly');
    let asked: Period | null = null;
    if (values.period) {
      asked = parsePeriod(kind, values.period);
      if (!asked) throw new UsageError(`--period for ${kind} reports looks like ${periodFormatHint(kind)}`);
    }
    const results = await withDatabase(values.db, async (db) => {
      const fw = await resolveFramework(db.kysely, values.framework);
      const periods = await periodsToProduce(db.kysely, fw, kind, asked, values['catch-up'] ?? false);
      const progress = progressReporter(io, periods.length);
      const out = [];
      for (const [i, p] of periods.entries()) {
        progress.step(i, `${kind} ${p.code}`);
        const r = await produceReport(db.kysely, { frameworkCode: fw.code, period: p, trigger: 'cli' });
        progress.done(i, `${kind} ${p.code}: ${r.outcome}`);
        out.push({ id: r.report.id, kind, period: p.code, outcome: r.outcome, generated_at: r.report.generated_at, sha256: r.report.sha256 });
      }
      return out;
    });
    for (const r of results) io.stdout(`${JSON.stringify(r)}\n`);
    if (results.length === 0) io.stderr('nothing to produce\n');
    return 0;
  },
});

const list = defineCommand({
  usage: 'report list',
  summary: ['one line per stored report'],
  options: {},
  async run({ values }, io) {
    const reports = await withDatabase(values.db, (db) => listReports(db.kysely));
    for (const r of reports) io.stdout(`${r.id}\t${r.framework}\t${r.kind}\t${r.period}\t${r.period_start}..${r.period_end}\tgenerated ${r.generated_at}\tsha256 ${r.sha256}\n`);
    if (reports.length === 0) io.stderr('no reports yet\n');
    return 0;
  },
});

export const report: CommandGroup = {
  subcommands: { run, list },
  unknownSubcommand: 'report takes the subcommands run and list',
};
