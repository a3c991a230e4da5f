// The database a benchmark run works on: the generated data set, cached (keyed by size, seed, report months, data
// set version and the list of migrations) so a second run skips generation, and a fresh working copy per run, so
// what a run writes (POSTs, imports, reports) never reaches the cache. SQLite: files in the temp folder;
// PostgreSQL: databases on the server named by --pg, the copy made with CREATE DATABASE … TEMPLATE.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migrations } from '../migrations/index';
import { openDatabase } from '../src/db/connect';
import { DATASET_VERSION } from './dataset';
import { generateDatabase, type GenerateSummary } from './generate';
import { progress } from './harness';

export const CACHE_DIR = path.join(os.tmpdir(), 'pactwatch-bench-cache');

export interface WorkDb {
  dialect: 'sqlite' | 'postgres';
  /** DATABASE_URL of the working copy */
  url: string;
  summary: GenerateSummary;
  /** true: the data set came from the cache (summary.seconds is when it was generated) */
  cached: boolean;
  /** seconds to copy the cached data set into the working copy */
  copySeconds: number;
  /** bytes of the data set (SQLite file; PostgreSQL database size) */
  bytes: number;
  drop(): Promise<void>;
}

export interface DatasetKey {
  findings: number;
  seed: number;
  reportMonths: number;
}

function cacheKey(k: DatasetKey): string {
  const schema = crypto.createHash('sha256').update(Object.keys(migrations).join('\n')).digest('hex').slice(0, 8);
  return `f${k.findings}_s${k.seed}_r${k.reportMonths}_v${DATASET_VERSION}_m${schema}`;
}

function removeSqlite(file: string) {
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(file + suffix, { force: true });
}

export async function sqliteWorkDb(key: DatasetKey, runDir: string, options: { fresh: boolean }): Promise<WorkDb> {
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const name = cacheKey(key);
  const cached = path.join(CACHE_DIR, `${name}.db`);
  const summaryFile = path.join(CACHE_DIR, `${name}.json`);
  let fromCache = fs.existsSync(cached) && fs.existsSync(summaryFile) && !options.fresh;
  if (!fromCache) {
    const tmp = path.join(CACHE_DIR, `${name}.${process.pid}.tmp.db`);
    removeSqlite(tmp);
    progress(`generating the SQLite data set (${key.findings} findings, seed ${key.seed}) into ${tmp}`);
    const db = await openDatabase(tmp);
    let summary: GenerateSummary;
    try {
      summary = await generateDatabase(db, key);
    } finally {
      await db.close();
    }
    removeSqlite(cached);
    fs.renameSync(tmp, cached);
    removeSqlite(tmp);
    fs.writeFileSync(summaryFile, JSON.stringify(summary, null, 2));
    fromCache = false;
  } else {
    progress(`reusing the cached SQLite data set ${cached}`);
  }
  const summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as GenerateSummary;
  const work = path.join(runDir, 'work.db');
  const t0 = Date.now();
  fs.copyFileSync(cached, work);
  return {
    dialect: 'sqlite',
    url: work,
    summary,
    cached: fromCache,
    copySeconds: (Date.now() - t0) / 1000,
    bytes: fs.statSync(cached).size,
    drop: async () => removeSqlite(work),
  };
}

function withDatabase(adminUrl: string, database: string): string {
  const u = new URL(adminUrl);
  u.pathname = `/${database}`;
  return u.toString();
}

async function adminQuery<T extends pg.QueryResultRow>(adminUrl: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** `adminUrl`: a PostgreSQL URL whose user may create databases (its database is only used to connect). */
export async function postgresWorkDb(key: DatasetKey, adminUrl: string, options: { fresh: boolean }): Promise<WorkDb> {
  fs.mkdirSync(CACHE_DIR, { recursive: true });
  const name = `pwbench_${cacheKey(key)}`.toLowerCase();
  const summaryFile = path.join(CACHE_DIR, `${name}.pg.json`);
  const exists = (await adminQuery(adminUrl, 'select 1 from pg_database where datname = $1', [name])).length > 0;
  let fromCache = exists && fs.existsSync(summaryFile) && !options.fresh;
  if (!fromCache) {
    const tmp = `${name}_tmp${process.pid}`;
    await adminQuery(adminUrl, `drop database if exists "${tmp}"`);
    await adminQuery(adminUrl, `create database "${tmp}"`);
    progress(`generating the PostgreSQL data set (${key.findings} findings, seed ${key.seed}) into database ${tmp}`);
    const db = await openDatabase(withDatabase(adminUrl, tmp));
    let summary: GenerateSummary;
    try {
      summary = await generateDatabase(db, key);
    } finally {
      await db.close();
    }
    await adminQuery(adminUrl, `drop database if exists "${name}" with (force)`);
    await adminQuery(adminUrl, `alter database "${tmp}" rename to "${name}"`);
    fs.writeFileSync(summaryFile, JSON.stringify(summary, null, 2));
    fromCache = false;
  } else {
    progress(`reusing the cached PostgreSQL data set (database ${name})`);
  }
  const summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8')) as GenerateSummary;
  const work = `pwbench_run_${process.pid}`;
  const t0 = Date.now();
  await adminQuery(adminUrl, `drop database if exists "${work}" with (force)`);
  await adminQuery(adminUrl, `create database "${work}" template "${name}"`);
  const copySeconds = (Date.now() - t0) / 1000;
  const size = await adminQuery<{ bytes: string }>(adminUrl, 'select pg_database_size($1)::text as bytes', [name]);
  return {
    dialect: 'postgres',
    url: withDatabase(adminUrl, work),
    summary,
    cached: fromCache,
    copySeconds,
    bytes: Number(size[0]?.bytes ?? 0),
    drop: async () => {
      await adminQuery(adminUrl, `drop database if exists "${work}" with (force)`);
    },
  };
}
