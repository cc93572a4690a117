import { istDate, istInstant } from '../clock/ist.js';
import type { MarketCalendar } from '../market-status/calendar.js';
import { dayPlan } from '../market-status/market-status.js';

/** Recording starts this long before the day's first session (pre-open) and ends this long after its last. */
export const RECORD_MARGIN_MS = 5 * 60_000;

/** The span of one IST date that is recorded: from its first session's start to its last one's end, plus margins. */
export function recordWindow(date: string, cal: MarketCalendar): { start: number; end: number } | undefined {
  const windows = dayPlan(date, cal).windows;
  if (windows.length === 0) return undefined;
  const starts = windows.map((w) => istInstant(date, w.start));
  const ends = windows.map((w) => istInstant(date, w.end));
  return { start: Math.min(...starts) - RECORD_MARGIN_MS, end: Math.max(...ends) + RECORD_MARGIN_MS };
}

/** Whether the calendar says to record at `now`; a day without sessions (weekend, holiday) records nothing. */
export function isRecordingTime(now: number, cal: MarketCalendar): boolean {
  const w = recordWindow(istDate(now), cal);
  return !!w && now >= w.start && now < w.end;
}
