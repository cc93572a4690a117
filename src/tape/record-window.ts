import { DAY_MS, istDate, istInstant } from '../clock/ist.js';
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

/** `isRecordingTime` and the IST date, remembered per date: the recorder asks on every frame. */
export class RecordingCalendar {
  private day?: { date: string; from: number; to: number; window?: { start: number; end: number } };

  constructor(private readonly cal: MarketCalendar) {}

  /** The IST date of `now` and whether it is inside that date's recording window. */
  at(now: number): { date: string; recording: boolean } {
    let d = this.day;
    if (!d || now < d.from || now >= d.to) {
      const date = istDate(now);
      const from = istInstant(date, '00:00');
      d = this.day = { date, from, to: from + DAY_MS, window: recordWindow(date, this.cal) };
    }
    const w = d.window;
    return { date: d.date, recording: !!w && now >= w.start && now < w.end };
  }
}
