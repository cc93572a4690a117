/** IST is UTC+05:30 all year (no daylight saving); minute and day boundaries are computed from it. */
export const IST_OFFSET_MS = 19_800_000;
export const MINUTE_MS = 60_000;
/** A full NSE session, 09:15–15:30, is 375 one-minute candles; more than that per instrument is dropped. */
export const MAX_CANDLES = 375;

/** One OHLCV candle; `t` is the epoch ms at which its interval starts. */
export type { Candle } from '../contracts/candle-store.contract.js';

export const INTERVALS = { '1m': MINUTE_MS, '5m': 5 * MINUTE_MS, '15m': 15 * MINUTE_MS } as const;
export type Interval = keyof typeof INTERVALS;

export function isInterval(v: unknown): v is Interval {
  return typeof v === 'string' && Object.hasOwn(INTERVALS, v);
}

/** Start of the `size`-ms bucket holding `ms`, aligned to IST clock time (09:15 starts a 1, 5 and 15 m bucket). */
export function bucketStart(ms: number, size: number): number {
  const local = ms + IST_OFFSET_MS;
  return local - (((local % size) + size) % size) - IST_OFFSET_MS;
}

/** The IST calendar date (YYYY-MM-DD) of an instant, by arithmetic. */
export function istDate(ms: number): string {
  return new Date(ms + IST_OFFSET_MS).toISOString().slice(0, 10);
}

/** ISO-8601 in IST without milliseconds: `2026-12-01T09:15:00+05:30`. */
export function istIsoSeconds(ms: number): string {
  return new Date(ms + IST_OFFSET_MS).toISOString().slice(0, 19) + '+05:30';
}
