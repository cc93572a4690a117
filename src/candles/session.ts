import type { MarketCalendar } from '../market-status/calendar.js';
import { dayPlan } from '../market-status/market-status.js';
import { IST_OFFSET_MS } from './candle.js';

/** One trading day's session: it starts with its first window (PRE_OPEN), trades from `open` to `close`. */
export interface TradingSession {
  date: string;
  start: number;
  open: number;
  close: number;
}

const DAY = 86_400_000;
const LOOK_BACK_DAYS = 21;

const instant = (date: string, hhmm: string) => Date.parse(`${date}T${hhmm}:00.000Z`) - IST_OFFSET_MS;

/**
 * The session whose candles are current at `now`: the latest one that has started, so a day's
 * candles stay until the next session begins (weekends and holidays included).
 */
export function sessionAt(now: number, cal: MarketCalendar): TradingSession | undefined {
  const today = Date.parse(new Date(now + IST_OFFSET_MS).toISOString().slice(0, 10) + 'T00:00:00Z');
  for (let i = 0; i <= LOOK_BACK_DAYS; i++) {
    const date = new Date(today - i * DAY).toISOString().slice(0, 10);
    const windows = [...dayPlan(date, cal).windows].sort((a, b) => a.start.localeCompare(b.start));
    if (windows.length === 0) continue;
    const start = instant(date, windows[0].start);
    if (start > now) continue;
    const live = windows.filter((w) => w.status === 'LIVE');
    const open = live.length ? instant(date, live[0].start) : start;
    const close = live.length ? instant(date, live[live.length - 1].end) : instant(date, windows.at(-1)!.end);
    return { date, start, open, close };
  }
  return undefined;
}
