import { DAY_MS } from '../clock/ist.js';

/** One day folder of the tape and its size on disk. */
export interface DayUsage {
  day: string;
  bytes: number;
}

export type DeleteReason = 'retention' | 'max_bytes';

/**
 * Which day folders to delete, oldest first: those older than `retentionDays` days before `today`,
 * then more of the oldest until the rest fits in `maxBytes`. `today` (being written) is never deleted.
 */
export function daysToDelete(
  days: readonly DayUsage[],
  today: string,
  retentionDays: number,
  maxBytes: number,
): { day: string; reason: DeleteReason }[] {
  const oldestKept = new Date(Date.parse(`${today}T00:00:00Z`) - (retentionDays - 1) * DAY_MS)
    .toISOString()
    .slice(0, 10);
  const sorted = [...days].sort((a, b) => a.day.localeCompare(b.day));
  const out: { day: string; reason: DeleteReason }[] = [];
  let total = sorted.reduce((n, d) => n + d.bytes, 0);
  for (const d of sorted) {
    if (d.day === today) continue;
    if (d.day < oldestKept) out.push({ day: d.day, reason: 'retention' });
    else if (total > maxBytes) out.push({ day: d.day, reason: 'max_bytes' });
    else continue;
    total -= d.bytes;
  }
  return out;
}
