// The `pactwatch` command (INTERFACES.md): exit 0 on success, 1 on failure with a one-line reason on stderr,
// 2 on bad usage. Machine output goes to stdout, logs to stderr.

import fs from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { openDatabase, type Db } from './db/connect';
import { migrateToLatest } from './db/migrate';
import { AppError } from './errors';
import { ConfigError, loadConfig } from './config';
import { importFile, type ImportSummary } from './framework/import-service';
import { buildScorecard } from './scorecards/service';
import { seedDefault } from './seed/index';
import { createUser, issuePasswordCode, listUsers, setUserDisabled, updateUser } from './users/service';
import { CLI_ACTOR } from './audit/log';
import { verifyAudit, type LiveVerification } from './audit/verify';
import { createApiToken } from './auth/tokens';
import { findUserByEmail } from './users/repository';
import { listReports, produceReport } from './reports/service';
import { lastCompletePeriod, parsePeriod, periodFormatHint, REPORT_KINDS, type Period } from './reports/periods';
import { ReportScheduler } from './jobs/report-scheduler';
import { resolveFramework } from './scorecards/service';
import { backupDatabase, restoreDatabase, type BackupSummary, type RestoreSummary } from './ops/backup';
import type { ReportKind } from './db/schema';

class UsageError extends Error {}

const USAGE = `usage: pactwatch <command> [options]

commands:
  serve                                  run the web server (PORT, HOST)
  migrate                                apply database migrations
  seed [--demo]                          load the default four-state framework (--demo: and demo evidence)
  import FILE [--dry-run]                load a framework and/or evidence from a JSON file
  scorecard --as-of DATE [--known-at DATE] [--perspective CODE] [--framework CODE]
                                         print the scorecard JSON
  user add --email E --role ROLE [--delegation CODE] [--name N]
                                         create a user; the password is read from stdin
  user list                              one JSON line per user
  user update --email E [--role R] [--delegation CODE] [--name N]
                                         change a user (a new role or delegation ends their sessions)
  user disable --email E | user enable --email E
                                         disable (ending all sessions and API tokens) or re-enable
  user reset-password --email E [--base-url URL]
                                         print a one-time link to set a new password (24 h)
  audit verify [--expect-head SEQ:HASH]  check the tamper-evident log, then the live tables against it;
                                         prints the log's head
  token create --email E [--name N]      print a new API token for that user (shown once)
  report run KIND [--period P | --catch-up] [--framework CODE]
                                         produce the report of a period now (default: the last complete one);
                                         KIND weekly, monthly or quarterly; P 2026-W14, 2026-04, 2026-Q2
  report list                            one line per stored report
  backup FILE [--force]                  write a consistent, checked copy of the database while the server runs
                                         (SQLite: a file; PostgreSQL: a pg_dump archive); prints the log's head
  restore FILE [--force]                 check a backup and put it in place of the database (stop the server
                                         first); prints the log's head to compare with the one kept

every command takes --db URL (default DATABASE_URL, else ./data/pactwatch.db)`;

interface Io {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  stdin: () => Promise<string>;
}

const defaultIo: Io = {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
  stdin: async () => {
    if (process.stdin.isTTY) process.stderr.write('password: ');
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  },
};

function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, positionals = 0) {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { db: { type: 'string' }, ...options }, allowPositionals: positionals > 0, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (parsed.positionals.length > positionals) throw new UsageError(`unexpected argument "${parsed.positionals[positionals]}"`);
  return parsed;
}

async function withDb<T>(dbUrl: string | undefined, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await openDatabase(dbUrl ?? process.env.DATABASE_URL);
  try {
    await migrateToLatest(db);
    return await fn(db);
  } finally {
    await db.close();
  }
}

function describeImport(s: ImportSummary): string {
  const fw = s.framework ? `framework ${s.framework.code} ${s.framework.change}; ` : '';
  const e = s.evidence;
  return `${s.dryRun ? 'dry run, nothing written: ' : ''}${fw}evidence ${e.created} created, ${e.updated} updated, ${e.unchanged} unchanged`;
}

const counted = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

function describeLiveCheck(live: LiveVerification): string {
  const c = live.counts;
  let out =
    `live tables match the log (${counted(c.evidence, 'evidence item', 'evidence items')}, ${counted(c.findings, 'finding', 'findings')}, ` +
    `${counted(c.users, 'user', 'users')}, ${counted(c.attachments, 'attachment', 'attachments')}, ${counted(c.reports, 'report', 'reports')}, ${counted(c.tokens, 'token', 'tokens')})`;
  if (live.notCovered.length) {
    out += `; not covered by entries written before log format 2: ${live.notCovered.map((n) => `${n.column} (${counted(n.rows, 'row', 'rows')})`).join(', ')}`;
  }
  if (live.unread.count) out += `; ${counted(live.unread.count, 'entry', 'entries')} with a known action but not in the shape pactwatch writes skipped (first: entry ${live.unread.firstSeq})`;
  return out;
}

const headText = (head: string | null) => head ?? 'empty (no entries yet)';

function describeBackup(s: BackupSummary): string {
  const keep = s.head
    ? `Keep this head somewhere other than the server: after a restore, \`pactwatch audit verify --expect-head ${s.head}\` checks against it`
    : 'The audit log is empty: there is no head to keep yet';
  return (
    `backup: ${s.file} written and checked (${s.bytes} bytes, sha256 ${s.sha256}, ${counted(s.counts.evidence, 'evidence item', 'evidence items')}, ` +
    `audit log intact with ${counted(s.entries, 'entry', 'entries')}) in ${(s.duration_ms / 1000).toFixed(1)} s; head ${headText(s.head)}. ${keep}`
  );
}

function describeRestore(s: RestoreSummary): string {
  const migrated = s.migrations_applied.length ? `, migrations applied: ${s.migrations_applied.join(', ')}` : '';
  return (
    `restore: ${s.from} checked and restored into ${s.into} (${counted(s.counts.evidence, 'evidence item', 'evidence items')}, ` +
    `audit log intact with ${counted(s.entries, 'entry', 'entries')}${migrated}); head ${headText(s.head)}. ` +
    `Compare it with the head kept at backup time: \`pactwatch audit verify --expect-head KEPT_HEAD\` fails unless they match`
  );
}

/** Progress of a long run: a self-updating line on a terminal, plain lines in logs. */
function progressReporter(io: Io, total: number) {
  const tty = io === defaultIo && process.stderr.isTTY;
  return {
    step(i: number, label: string) {
      if (tty) io.stderr(`\r\x1b[K[${i + 1}/${total}] ${label} …`);
    },
    done(i: number, label: string) {
      io.stderr(tty ? `\r\x1b[K[${i + 1}/${total}] ${label}${i + 1 === total ? '\n' : ''}` : `[${i + 1}/${total}] ${label}\n`);
    },
  };
}

export async function main(argv: string[], io: Io = defaultIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve': {
        const { values } = parse(rest, {});
        const config = loadConfig(process.env, values.db ? { databaseUrl: values.db } : {});
        const { runServer } = await import('./server');
        await runServer(config);
        return 0;
      }
      case 'migrate': {
        const { values } = parse(rest, {});
        const applied = await withDb(values.db, async (db) => migrateToLatest(db));
        io.stderr(applied.length ? `applied ${applied.join(', ')}\n` : 'database is up to date\n');
        return 0;
      }
      case 'seed': {
        const { values } = parse(rest, { demo: { type: 'boolean' } });
        const summary = await withDb(values.db, (db) => seedDefault(db.kysely, { demo: values.demo ?? false }));
        io.stderr(`${describeImport(summary.framework)}\n`);
        if (summary.demo) io.stderr(`demo: ${describeImport(summary.demo)}\n`);
        return 0;
      }
      case 'import': {
        const { values, positionals } = parse(rest, { 'dry-run': { type: 'boolean' } }, 1);
        const file = positionals[0];
        if (!file) throw new UsageError('import needs a FILE');
        let raw: unknown;
        try {
          raw = JSON.parse(fs.readFileSync(file, 'utf8'));
        } catch (err) {
          const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message;
          io.stderr(`import: ${file}: ${reason}\n`);
          return 1;
        }
        const result = await withDb(values.db, (db) => importFile(db.kysely, raw, { dryRun: values['dry-run'] ?? false }));
        if (!result.ok) {
          for (const e of result.errors) io.stderr(`${e.path || '(file)'}: ${e.message}\n`);
          io.stderr(`import: ${file} has ${result.errors.length} error(s); nothing was written\n`);
          return 1;
        }
        io.stdout(`${JSON.stringify(result.summary)}\n`);
        io.stderr(`${describeImport(result.summary)}\n`);
        return 0;
      }
      case 'scorecard': {
        const { values } = parse(rest, {
          'as-of': { type: 'string' },
          'known-at': { type: 'string' },
          perspective: { type: 'string' },
          framework: { type: 'string' },
        });
        if (!values['as-of']) throw new UsageError('scorecard needs --as-of DATE');
        const { scorecard } = await withDb(values.db, (db) =>
          buildScorecard(db.kysely, {
            framework: values.framework,
            asOf: values['as-of'],
            knownAt: values['known-at'],
            perspective: values.perspective,
          }),
        );
        io.stdout(`${JSON.stringify(scorecard, null, 2)}\n`);
        return 0;
      }
      case 'user': {
        const [sub, ...userArgs] = rest;
        if (sub === 'add') {
          const { values } = parse(userArgs, {
            email: { type: 'string' },
            role: { type: 'string' },
            delegation: { type: 'string' },
            name: { type: 'string' },
          });
          if (!values.email || !values.role) throw new UsageError('user add needs --email and --role');
          const password = (await io.stdin()).replace(/\r?\n$/, '');
          const user = await withDb(values.db, (db) =>
            createUser(db.kysely, { email: values.email!, role: values.role!, delegation: values.delegation ?? null, name: values.name ?? null, password }, undefined, CLI_ACTOR),
          );
          io.stdout(`${JSON.stringify({ id: user.id, email: user.email, role: user.role, delegation: user.delegation })}\n`);
          return 0;
        }
        if (sub === 'list') {
          const { values } = parse(userArgs, {});
          const users = await withDb(values.db, (db) => listUsers(db.kysely));
          for (const u of users) {
            io.stdout(`${JSON.stringify({ id: u.id, email: u.email, name: u.name, role: u.role, delegation: u.delegation, disabled: Boolean(u.disabled_at) })}\n`);
          }
          return 0;
        }
        if (sub === 'update' || sub === 'disable' || sub === 'enable' || sub === 'reset-password') {
          const { values } = parse(userArgs, {
            email: { type: 'string' },
            ...(sub === 'update' ? { role: { type: 'string' }, delegation: { type: 'string' }, name: { type: 'string' } } : {}),
            ...(sub === 'reset-password' ? { 'base-url': { type: 'string' } } : {}),
          } as NonNullable<ParseArgsConfig['options']>);
          const email = values.email as string | undefined;
          if (!email) throw new UsageError(`user ${sub} needs --email`);
          const out = await withDb(values.db as string | undefined, async (db) => {
            const user = await findUserByEmail(db.kysely, email);
            if (!user) throw new AppError('NOT_FOUND', `no user with e-mail ${email}`);
            if (sub === 'update') {
              const updated = await updateUser(db.kysely, CLI_ACTOR, user.id, {
                role: values.role as string | undefined,
                name: values.name as string | undefined,
                ...(values.delegation !== undefined ? { delegation: (values.delegation as string) || null } : {}),
              });
              return { id: updated.id, email: updated.email, name: updated.name, role: updated.role, delegation: updated.delegation };
            }
            if (sub === 'reset-password') {
              const issued = await issuePasswordCode(db.kysely, CLI_ACTOR, user.id, 'reset');
              const base = ((values['base-url'] as string | undefined) ?? 'http://127.0.0.1:3000').replace(/\/$/, '');
              return { email: user.email, url: `${base}/set-password?code=${issued.code}`, expires_at: issued.expiresAt };
            }
            const changed = await setUserDisabled(db.kysely, CLI_ACTOR, user.id, sub === 'disable');
            return { email: changed.email, disabled: Boolean(changed.disabled_at) };
          });
          io.stdout(`${JSON.stringify(out)}\n`);
          return 0;
        }
        throw new UsageError('user takes the subcommands add, list, update, disable, enable, reset-password');
      }
      case 'audit': {
        const [sub, ...auditArgs] = rest;
        if (sub !== 'verify') throw new UsageError('audit takes the subcommand verify');
        const { values } = parse(auditArgs, { 'expect-head': { type: 'string' } });
        const expected = values['expect-head'];
        if (expected !== undefined && !/^\d+:[0-9a-f]{64}$/.test(expected)) throw new UsageError('--expect-head takes SEQ:HASH as printed by audit verify');
        const verification = await withDb(values.db, (db) => verifyAudit(db.kysely));
        const result = verification.chain;
        const head = result.head ? `${result.head.seq}:${result.head.hash}` : 'empty';
        if (verification.live === null) {
          const { firstBad } = verification.chain;
          io.stdout(`${JSON.stringify({ ok: false, entries: result.entries, first_bad: firstBad, head: result.head })}\n`);
          io.stderr(`audit verify: BROKEN at entry ${firstBad.seq}: ${firstBad.reason}\n`);
          return 1;
        }
        const { live } = verification;
        if (expected !== undefined && expected !== head) {
          const [seq] = expected.split(':');
          const reason = !result.head ? 'all entries were removed' : result.head.seq < Number(seq) ? `entries after ${result.head.seq} were removed` : 'the head differs from the one kept';
          io.stdout(`${JSON.stringify({ ok: false, entries: result.entries, head: result.head, expected_head: expected })}\n`);
          io.stderr(`audit verify: head ${head} does not match the expected ${expected}: ${reason}\n`);
          return 1;
        }
        if (!live.ok) {
          io.stdout(`${JSON.stringify({ ok: false, entries: result.entries, head: result.head, difference: live.difference })}\n`);
          io.stderr(`audit verify: the live tables differ from the log: ${live.difference.message}\n`);
          return 1;
        }
        io.stdout(`${JSON.stringify({ ok: true, entries: result.entries, head: result.head, live: live.counts, not_covered: live.notCovered, unread_entries: live.unread.count })}\n`);
        io.stderr(`audit verify: intact, ${result.entries} entries; head ${head}; ${describeLiveCheck(live)}\n`);
        return 0;
      }
      case 'token': {
        const [sub, ...tokenArgs] = rest;
        if (sub !== 'create') throw new UsageError('token takes the subcommand create');
        const { values } = parse(tokenArgs, { email: { type: 'string' }, name: { type: 'string' } });
        if (!values.email) throw new UsageError('token create needs --email');
        const token = await withDb(values.db, async (db) => {
          const user = await findUserByEmail(db.kysely, values.email!);
          if (!user) throw new AppError('NOT_FOUND', `no user with e-mail ${values.email}`);
          if (user.disabled_at) throw new AppError('CONFLICT', `the account ${user.email} is disabled`);
          return createApiToken(db.kysely, user, values.name ?? 'created with pactwatch token create', CLI_ACTOR);
        });
        io.stdout(`${token.token}\n`);
        io.stderr(`token ${token.summary.id} created for ${values.email}; it is shown only now\n`);
        return 0;
      }
      case 'report': {
        const [sub, ...reportArgs] = rest;
        if (sub === 'list') {
          const { values } = parse(reportArgs, {});
          const reports = await withDb(values.db, (db) => listReports(db.kysely));
          for (const r of reports) io.stdout(`${r.id}\t${r.framework}\t${r.kind}\t${r.period}\t${r.period_start}..${r.period_end}\tgenerated ${r.generated_at}\tsha256 ${r.sha256}\n`);
          if (reports.length === 0) io.stderr('no reports yet\n');
          return 0;
        }
        if (sub !== 'run') throw new UsageError('report takes the subcommands run and list');
        const { values, positionals } = parse(reportArgs, { period: { type: 'string' }, framework: { type: 'string' }, 'catch-up': { type: 'boolean' } }, 1);
        const kind = positionals[0] as ReportKind | undefined;
        if (!kind || !REPORT_KINDS.includes(kind)) throw new UsageError('report run needs KIND: weekly, monthly or quarterly');
        let period: Period | null = null;
        if (values.period) {
          period = parsePeriod(kind, values.period);
          if (!period) throw new UsageError(`--period for ${kind} reports looks like ${periodFormatHint(kind)}`);
        }
        const results = await withDb(values.db, async (db) => {
          const fw = await resolveFramework(db.kysely, values.framework);
          const today = new Date().toISOString().slice(0, 10);
          let periods: Period[];
          if (period) periods = [period];
          else if (values['catch-up']) {
            const scheduler = new ReportScheduler({ db: db.kysely, config: loadConfig(process.env), log: { info: () => undefined, error: () => undefined } });
            periods = await scheduler.duePeriods(fw.id, kind);
          } else periods = [lastCompletePeriod(kind, today)];
          if (period && period.end >= today) throw new AppError('CONFLICT', `period ${period.code} is not complete yet (it ends ${period.end})`);
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
      }
      case 'backup':
      case 'restore': {
        const { values, positionals } = parse(rest, { force: { type: 'boolean' } }, 1);
        const file = positionals[0];
        if (!file) throw new UsageError(`${command} needs a FILE`);
        const options = { force: values.force ?? false, log: (line: string) => io.stderr(`${line}\n`) };
        const url = values.db ?? process.env.DATABASE_URL;
        if (command === 'backup') {
          const summary = await backupDatabase(url, file, options);
          io.stdout(`${JSON.stringify(summary)}\n`);
          io.stderr(`${describeBackup(summary)}\n`);
        } else {
          const summary = await restoreDatabase(url, file, options);
          io.stdout(`${JSON.stringify(summary)}\n`);
          io.stderr(`${describeRestore(summary)}\n`);
        }
        return 0;
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout(`${USAGE}\n`);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`pactwatch: ${err.message}\n${USAGE}\n`);
      return 2;
    }
    if (err instanceof AppError) {
      const detail = err.fields?.length ? err.fields.map((f) => `${f.path}: ${f.message}`).join('; ') : err.message;
      io.stderr(`pactwatch ${command}: ${detail}\n`);
      return 1;
    }
    if (err instanceof ConfigError) {
      io.stderr(`pactwatch: ${err.message}\n`);
      return 1;
    }
    io.stderr(`pactwatch ${command}: ${(err as Error).message ?? String(err)}\n`);
    return 1;
  }
}
