// Report runs left "running" by a process that ended (killed, crashed, the machine restarted) are marked failed
// when an instance starts, so the runs page never shows a run as in progress forever.

import os from 'node:os';
import type { Kysely } from 'kysely';
import type { Database } from '../db/schema';
import type { Clock } from '../time';

/** Runs of another host still "running" after this long are taken to be abandoned (no report takes hours). */
const OTHER_HOST_ABANDONED_MS = 6 * 3_600_000;

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists but belongs to someone else
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Marks abandoned runs failed; returns how many. A run of this host is abandoned when its process is gone. */
export async function failAbandonedRuns(db: Kysely<Database>, clock: Clock): Promise<number> {
  const running = await db.selectFrom('report_runs').select(['id', 'instance', 'started_at']).where('outcome', '=', 'running').execute();
  const now = clock();
  const host = os.hostname();
  const abandoned = running.filter((run) => {
    const [runHost, pidText] = [run.instance.slice(0, run.instance.lastIndexOf(':')), run.instance.slice(run.instance.lastIndexOf(':') + 1)];
    if (runHost === host) return Number(pidText) !== process.pid && !processAlive(Number(pidText));
    return now.getTime() - Date.parse(run.started_at) > OTHER_HOST_ABANDONED_MS;
  });
  for (const run of abandoned) {
    await db
      .updateTable('report_runs')
      .set({ outcome: 'failed', finished_at: now.toISOString(), duration_ms: Math.max(0, now.getTime() - Date.parse(run.started_at)), error: 'the process running it ended before it finished' })
      .where('id', '=', run.id)
      .where('outcome', '=', 'running')
      .execute();
  }
  return abandoned.length;
}
