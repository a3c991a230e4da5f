// Backup and restore on PostgreSQL with the PostgreSQL client programs (pg_dump, pg_restore, psql).
//
// Backup: a REPEATABLE READ transaction exports its snapshot; pg_dump --snapshot dumps exactly that state while the
// same transaction runs the full audit verification, so the printed head is the dump's head. The dump is written
// to FILE.partial, read back with `pg_restore --list`, synced and renamed.
//
// Restore: the dump is loaded by psql in one transaction under a fresh staging schema (its own schema, if it
// exists, is renamed aside inside that transaction and back before commit, so nothing else ever sees a change),
// migrated and verified there, then swapped in for the target schema in a second transaction. A broken backup is
// dropped before the target is touched.

import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import pg from 'pg';
import { sql } from 'kysely';
import { openDatabase, type Db, type DbTarget } from '../db/connect';
import { migrateToLatest } from '../db/migrate';
import { verifyAudit, type FullAuditVerification } from '../audit/verify';
import {
  BackupError,
  claimPartial,
  existingBackupFile,
  fileKind,
  fsyncFile,
  publish,
  readVerification,
  refuseExisting,
  removeQuietly,
  sha256File,
  type AuditFacts,
  type BackupOptions,
  type BackupSummary,
  type RestoreSummary,
} from './backup-common';

type PgTool = 'pg_dump' | 'pg_restore' | 'psql';

/** The folder holding pg_dump, pg_restore and psql: first on PATH, else the newest /usr/lib/postgresql/N/bin. */
export function findPgBin(env: NodeJS.ProcessEnv = process.env, versionsRoot = '/usr/lib/postgresql'): string | null {
  const executable = (dir: string) => {
    try {
      fs.accessSync(path.join(dir, 'pg_dump'), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  for (const dir of (env.PATH ?? '').split(path.delimiter)) if (dir && executable(dir)) return dir;
  let versions: string[] = [];
  try {
    versions = fs.readdirSync(versionsRoot).filter((v) => /^\d+(\.\d+)?$/.test(v));
  } catch {
    // no PostgreSQL packages installed
  }
  versions.sort((a, b) => Number(b) - Number(a));
  for (const v of versions) {
    const dir = path.join(versionsRoot, v, 'bin');
    if (executable(dir)) return dir;
  }
  return null;
}

function pgTool(tool: PgTool): string {
  const dir = findPgBin();
  if (!dir) {
    throw new BackupError('TOOL_MISSING', `${tool} not found on PATH or in /usr/lib/postgresql/*/bin: install the PostgreSQL client programs (Debian/Ubuntu: apt-get install postgresql-client)`);
  }
  const file = path.join(dir, tool);
  if (!fs.existsSync(file)) throw new BackupError('TOOL_MISSING', `${tool} not found in ${dir}: install the PostgreSQL client programs (postgresql-client)`);
  return file;
}

/** libpq connection: the URL without its password, which goes in PGPASSWORD (never on a command line `ps` shows). */
function libpqConnection(location: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const url = new URL(location);
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (url.password) {
    env.PGPASSWORD = decodeURIComponent(url.password);
    url.password = '';
  }
  return { dbname: url.toString(), env };
}

interface ToolRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a client program; stdin may be fed by `feed`. Collects stdout unless it is piped elsewhere. */
function runTool(
  file: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  feed?: (stdin: NodeJS.WritableStream) => Promise<void>,
): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env, stdio: [feed ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
    if (feed) {
      // psql closing its input early (it stopped on an error) is reported through its exit code, not here
      child.stdin!.on('error', () => undefined);
      feed(child.stdin!).catch((e) => {
        child.kill();
        reject(e);
      });
    }
  });
}

/** The first line of a program's complaint, for a one-line reason. */
function firstError(stderr: string): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  return (lines.find((l) => /error|fatal/i.test(l)) ?? lines[0] ?? 'no message').replace(/^(pg_dump|pg_restore|psql): /, '');
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** Refuses to back up a schema that does not exist (opening it would create it empty, and back that up). */
export async function assertSchemaExists(target: DbTarget): Promise<void> {
  if (!target.schema) return;
  const exists = await withClient(target.location, (client) => schemaExists(client, target.schema!));
  if (!exists) throw new BackupError('NO_DATABASE', `no schema ${target.schema} in the database`);
}

/** Dumps the (migrated) database and verifies the dumped state in the dump's own snapshot. */
export async function backupPostgres(db: Db, file: string, options: BackupOptions): Promise<BackupSummary> {
  const started = performance.now();
  const final = path.resolve(file);
  refuseExisting(final, options.force);
  const pgDump = pgTool('pg_dump');
  const pgRestore = pgTool('pg_restore');
  const conn = libpqConnection(db.target.location);
  const schema = db.target.schema;

  const partial = claimPartial(final);
  let copyMs = 0;
  try {
    const verification = await db.kysely
      .transaction()
      .setIsolationLevel('repeatable read')
      .setAccessMode('read only')
      .execute(async (trx) => {
        const { rows } = await sql<{ snapshot: string }>`select pg_export_snapshot() as snapshot`.execute(trx);
        // the exported snapshot lives as long as this transaction: pg_dump must finish inside it
        const dumpStarted = performance.now();
        const dump = runTool(
          pgDump,
          ['--format=custom', `--snapshot=${rows[0].snapshot}`, `--file=${partial}`, '--no-password', ...(schema ? [`--schema=${schema}`] : []), `--dbname=${conn.dbname}`],
          conn.env,
        );
        const checked = await verifyAudit(trx).finally(() => dump.catch(() => undefined));
        const done = await dump;
        copyMs = Math.round(performance.now() - dumpStarted);
        if (done.code !== 0) throw new BackupError('TOOL_FAILED', `pg_dump failed: ${firstError(done.stderr)}`);
        return checked;
      });
    const result = readVerification(verification);
    if (!result.ok) throw new BackupError('BROKEN', `the database fails its check as of the dump, ${result.reason}; nothing was kept (run \`pactwatch audit verify\`)`);
    const listed = await listDump(pgRestore, partial, 'the dump just written');
    if (!listed.schemas.includes(schema ?? 'public')) throw new BackupError('BROKEN', `the dump holds no audit log of schema ${schema ?? 'public'}`);
    fsyncFile(partial);
    publish(partial, final, options.force);
    const bytes = fs.statSync(final).size;
    return { dialect: 'postgres', file: final, bytes, sha256: await sha256File(final), ...result.facts, copy_ms: copyMs, duration_ms: Math.round(performance.now() - started) };
  } finally {
    removeQuietly(partial);
  }
}

interface DumpContents {
  /** the schemas holding a pactwatch audit log with its data (`public` for a database dumped without ?schema=) */
  schemas: string[];
}

/** Reads a dump's table of contents with `pg_restore --list`; refuses a file that is not a pactwatch dump. */
async function listDump(pgRestore: string, file: string, label: string): Promise<DumpContents> {
  const run = await runTool(pgRestore, ['--list', file], process.env);
  if (run.code !== 0) throw new BackupError('NOT_A_BACKUP', `${label} is not a readable pg_dump archive: ${firstError(run.stderr)}`);
  // entries look like `236; 1259 107052 TABLE bkexp_a audit_log postgres`, `3575; 0 107052 TABLE DATA bkexp_a audit_log postgres`
  const entries = run.stdout.split('\n').filter((l) => /^\d+;/.test(l)).map((l) => l.trim().split(/\s+/));
  const tables = new Set(entries.filter((e) => e[3] === 'TABLE' && e[4] !== 'DATA' && e[5] === 'audit_log').map((e) => e[4]));
  const schemas = [...new Set(entries.filter((e) => e[3] === 'TABLE' && e[4] === 'DATA' && e[6] === 'audit_log' && tables.has(e[5])).map((e) => e[5]))];
  if (schemas.length === 0) throw new BackupError('NOT_A_BACKUP', `${label} is not a pactwatch backup (no audit_log table in it)`);
  return { schemas };
}

/** The schema of the dump to restore into `into`: the same name if the dump has it, else its only one, else public. */
function pickSchema(dump: DumpContents, into: string, label: string): string {
  if (dump.schemas.includes(into)) return into;
  if (dump.schemas.length === 1) return dump.schemas[0];
  if (dump.schemas.includes('public')) return 'public';
  throw new BackupError('NOT_A_BACKUP', `${label} holds several pactwatch schemas (${dump.schemas.join(', ')}); restore into one of them with ?schema=`);
}

async function withClient<T>(location: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: location });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const schemaExists = async (client: pg.Client, name: string) => (await client.query('select 1 from pg_namespace where nspname = $1', [name])).rowCount! > 0;

const schemaRelations = async (client: pg.Client, name: string): Promise<number> =>
  Number((await client.query(`select count(*) as n from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = $1 and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')`, [name])).rows[0].n);

/**
 * The statements that give a schema, once replaced, the owner and privileges the old one had (public's owner
 * pg_database_owner and USAGE for everyone, for one); none when the schema is new.
 */
async function schemaPrivileges(client: pg.Client, name: string): Promise<string[]> {
  const owner = await client.query<{ owner: string; mine: boolean }>(
    'select nspowner::regrole::text as owner, nspowner = (select oid from pg_roles where rolname = current_user) as mine from pg_namespace where nspname = $1',
    [name],
  );
  if (owner.rowCount === 0) return [];
  const grants = await client.query<{ grantee: string; privilege: string }>(
    `select case when a.grantee = 0 then 'PUBLIC' else a.grantee::regrole::text end as grantee, a.privilege_type as privilege
       from pg_namespace n, aclexplode(n.nspacl) a where n.nspname = $1 and a.grantee <> n.nspowner`,
    [name],
  );
  const schema = quoteIdent(name);
  return [
    ...(owner.rows[0].mine ? [] : [`alter schema ${schema} owner to ${owner.rows[0].owner}`]),
    ...grants.rows.map((g) => `grant ${g.privilege} on schema ${schema} to ${g.grantee}`),
  ];
}

export async function restorePostgres(target: DbTarget, file: string, options: BackupOptions): Promise<RestoreSummary> {
  const started = performance.now();
  const from = existingBackupFile(file);
  const kind = fileKind(from);
  if (kind === 'sqlite') throw new BackupError('NOT_A_BACKUP', `${from} is a SQLite backup; restore it with --db PATH (a SQLite file)`);
  if (kind !== 'pg_dump') throw new BackupError('NOT_A_BACKUP', `${from} is not a pactwatch backup (not a pg_dump archive)`);
  const pgRestore = pgTool('pg_restore');
  const psql = pgTool('psql');
  const dump = await listDump(pgRestore, from, from);
  const into = target.schema ?? 'public';
  const source = pickSchema(dump, into, from);
  const conn = libpqConnection(target.location);
  const tag = crypto.randomBytes(4).toString('hex');
  const staging = `pactwatch_restore_${tag}`;
  const aside = `pactwatch_aside_${tag}`;

  await withClient(target.location, async (client) => {
    if (!options.force && (await schemaRelations(client, into)) > 0) throw new BackupError('EXISTS', `schema ${into} is not empty; pass --force to replace it`);
  });
  options.log('restore: the server must be stopped while restoring');

  // 1. load the dump under the staging schema, in one transaction
  const sourceExists = await withClient(target.location, (client) => schemaExists(client, source));
  const s = quoteIdent(source);
  // pg_restore --schema leaves out the schema itself: it is created here, under the name the SQL refers to
  const before = ['BEGIN;', ...(sourceExists ? [`ALTER SCHEMA ${s} RENAME TO ${quoteIdent(aside)};`] : []), `CREATE SCHEMA ${s};`];
  const after = [`ALTER SCHEMA ${s} RENAME TO ${quoteIdent(staging)};`, ...(sourceExists ? [`ALTER SCHEMA ${quoteIdent(aside)} RENAME TO ${s};`] : []), 'COMMIT;'];
  const loaded = await runTool(psql, ['--no-psqlrc', '--quiet', '--set=ON_ERROR_STOP=1', `--dbname=${conn.dbname}`], conn.env, (stdin) =>
    feedScript(stdin, pgRestore, from, source, before, after),
  );
  if (loaded.code !== 0) throw new BackupError('TOOL_FAILED', `loading ${from} failed: ${firstError(loaded.stderr)}; nothing was restored`);

  try {
    // 2. migrate and verify it where nothing uses it yet
    const stagingUrl = new URL(target.location);
    stagingUrl.searchParams.set('schema', staging);
    const db = await openDatabase(stagingUrl.toString());
    let applied: string[];
    let facts: AuditFacts;
    try {
      applied = await migrateToLatest(db);
      const result = readVerification(await verifyAudit(db.kysely));
      if (!result.ok) throw new BackupError('BROKEN', `${from} is not a sound backup: ${result.reason}; nothing was restored`);
      facts = result.facts;
    } finally {
      await db.close();
    }

    // 3. swap it in
    await withClient(target.location, async (client) => {
      await client.query('begin');
      try {
        // waits at most this long for a running server's transactions on the old tables
        await client.query(`set local lock_timeout = '10s'`);
        if (!options.force && (await schemaRelations(client, into)) > 0) throw new BackupError('EXISTS', `schema ${into} is not empty; pass --force to replace it`);
        const keep = await schemaPrivileges(client, into);
        await client.query(`drop schema if exists ${quoteIdent(into)} cascade`);
        await client.query(`alter schema ${quoteIdent(staging)} rename to ${quoteIdent(into)}`);
        for (const statement of keep) await client.query(statement);
        await client.query('commit');
      } catch (err) {
        await client.query('rollback');
        if ((err as { code?: string }).code === '55P03') throw new BackupError('IN_USE', `the tables of schema ${into} are in use (is the server running?); stop it, then restore`);
        throw err;
      }
    });
    return { dialect: 'postgres', from, into: `schema ${into}`, ...facts, migrations_applied: applied, duration_ms: Math.round(performance.now() - started) };
  } finally {
    await withClient(target.location, (client) => client.query(`drop schema if exists ${quoteIdent(staging)} cascade`));
  }
}

/** psql's input: our statements, pg_restore's SQL for the schema, our statements; no COMMIT unless all of it came. */
async function feedScript(stdin: NodeJS.WritableStream, pgRestore: string, file: string, schema: string, before: string[], after: string[]): Promise<void> {
  // psql stops reading when it stops on an error: then nothing more is written and pg_restore is ended
  let closed = false;
  stdin.once('close', () => (closed = true));
  const write = (data: string | Buffer) =>
    new Promise<void>((resolve) => {
      if (closed || stdin.write(data)) return resolve();
      const done = () => {
        stdin.off('drain', done);
        stdin.off('close', done);
        resolve();
      };
      stdin.on('drain', done);
      stdin.on('close', done);
    });
  await write(`${before.join('\n')}\n`);
  const child = spawn(pgRestore, ['--no-owner', '--no-acl', `--schema=${schema}`, '--file=-', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const err: Buffer[] = [];
  child.stderr.on('data', (c: Buffer) => err.push(c));
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code ?? 1));
  });
  for await (const chunk of child.stdout) {
    if (closed) {
      child.kill();
      break;
    }
    await write(chunk as Buffer);
  }
  const code = await exited;
  if (code !== 0 && !closed) {
    // psql sees its input end inside the open transaction and rolls it back
    stdin.end();
    throw new BackupError('TOOL_FAILED', `pg_restore could not read ${file}: ${firstError(Buffer.concat(err).toString('utf8'))}`);
  }
  if (!closed) await write(`\n${after.join('\n')}\n`);
  stdin.end();
}
