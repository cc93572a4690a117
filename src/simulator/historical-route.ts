import type { ServerResponse } from 'node:http';
import { sendJson, sendKiteError } from './http-util.js';
import type { Candle } from './minute-tape.js';
import type { SimState } from './sim-state.js';
import { candleTime, MINUTES_PER_DAY, parseIstWall, SESSION_OPEN_MINUTE } from './sim-time.js';

/** Kite's intervals: minutes per candle, or 'day'. Buckets start at 09:15 IST, as Kite's do. */
const INTERVALS: Readonly<Record<string, number | 'day'>> = {
  minute: 1,
  '3minute': 3,
  '5minute': 5,
  '10minute': 10,
  '15minute': 15,
  '30minute': 30,
  '60minute': 60,
  day: 'day',
};

/**
 * `GET /instruments/historical/{token}/{interval}?from=…&to=…&continuous=0&oi=0`: today's
 * completed minutes of the model's walk within [from, to], grouped by `interval`.
 */
export function historical(state: SimState, rest: string, url: URL, res: ServerResponse): void {
  if (!state.historical) {
    return sendKiteError(res, 403, 'PermissionException', 'Insufficient permission for that call.');
  }
  const [tokenText, interval, extra] = rest.split('/');
  if (extra !== undefined || !interval) return sendKiteError(res, 404, 'GeneralException', 'Route not found');
  const size = Object.hasOwn(INTERVALS, interval) ? INTERVALS[interval] : undefined;
  if (size === undefined) return sendKiteError(res, 400, 'InputException', 'invalid interval');
  const token = /^\d{1,10}$/.test(tokenText) ? Number(tokenText) : NaN;
  if (!state.model.has(token)) return sendKiteError(res, 400, 'InputException', 'invalid token');
  const from = parseIstWall(url.searchParams.get('from') ?? '');
  const to = parseIstWall(url.searchParams.get('to') ?? '');
  if (from === undefined) return sendKiteError(res, 400, 'InputException', 'invalid from date');
  if (to === undefined) return sendKiteError(res, 400, 'InputException', 'invalid to date');
  if (from > to) return sendKiteError(res, 400, 'InputException', 'from date is after to date');
  const withOi = url.searchParams.get('oi') === '1';
  const minutes = state.model.candles(token, state.now(), from, to) ?? [];
  const candles = group(minutes, size).map((c) => {
    const row: (string | number)[] = [candleTime(c.minute), c.open, c.high, c.low, c.close, c.volume];
    if (withOi) row.push(c.oi);
    return row;
  });
  sendJson(res, 200, { status: 'success', data: { candles } });
}

/** The IST minute a candle of `size` containing `minute` starts at. */
function bucketOf(minute: number, size: number | 'day'): number {
  const day = Math.floor(minute / MINUTES_PER_DAY) * MINUTES_PER_DAY;
  if (size === 'day') return day;
  const sinceOpen = minute - day - SESSION_OPEN_MINUTE;
  return day + SESSION_OPEN_MINUTE + Math.floor(sinceOpen / size) * size;
}

/** Groups ordered one-minute candles into candles of `size`: first open, extremes, last close, summed volume. */
export function group(minutes: readonly Candle[], size: number | 'day'): Candle[] {
  if (size === 1) return [...minutes];
  const out: Candle[] = [];
  for (const c of minutes) {
    const start = bucketOf(c.minute, size);
    const last = out.at(-1);
    if (last && last.minute === start) {
      last.high = Math.max(last.high, c.high);
      last.low = Math.min(last.low, c.low);
      last.close = c.close;
      last.volume += c.volume;
      last.oi = c.oi;
    } else out.push({ ...c, minute: start });
  }
  return out;
}
