// Dates and instants as the whole product uses them: days are YYYY-MM-DD (UTC), instants ISO-8601 UTC with ms.

export type Clock = () => Date;
export const systemClock: Clock = () => new Date();

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date written YYYY-MM-DD. */
export function isIsoDate(s: string): boolean {
  const m = DATE_RE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

export const todayUtc = (clock: Clock = systemClock) => clock().toISOString().slice(0, 10);
export const nowIso = (clock: Clock = systemClock) => clock().toISOString();

/** A known-at date means the end of that day, UTC. */
export const endOfDayUtc = (date: string) => `${date}T23:59:59.999Z`;
