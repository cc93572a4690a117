/** India Standard Time is UTC+05:30 all year (no daylight saving): IST arithmetic never reads the machine's zone. */
export const IST_OFFSET_MS = 19_800_000;
export const DAY_MS = 86_400_000;

/** Formats epoch milliseconds as ISO-8601 in IST with milliseconds (`2026-12-01T09:15:00.000+05:30`). */
export function istIso(ms: number): string {
  return new Date(ms + IST_OFFSET_MS).toISOString().slice(0, 23) + '+05:30';
}

/** The IST calendar date (YYYY-MM-DD) of an instant. */
export function istDate(ms: number): string {
  return new Date(ms + IST_OFFSET_MS).toISOString().slice(0, 10);
}

/** Epoch ms of HH:MM IST on an IST date (YYYY-MM-DD). */
export function istInstant(date: string, hhmm: string): number {
  return Date.parse(`${date}T${hhmm}:00.000Z`) - IST_OFFSET_MS;
}

/** The first instant strictly after `after` at which IST clocks read `hour`:`minute` (e.g. the next 06:00 IST). */
export function nextIstTime(after: number, hour: number, minute = 0): number {
  const ist = new Date(after + IST_OFFSET_MS);
  let at = Date.UTC(ist.getUTCFullYear(), ist.getUTCMonth(), ist.getUTCDate(), hour, minute) - IST_OFFSET_MS;
  if (at <= after) at += DAY_MS;
  return at;
}
