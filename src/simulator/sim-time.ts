import { IST_OFFSET_MS } from '../kite/kite.constants.js';

/** Minutes since midnight IST at which NSE's normal market opens (09:15) and closes (15:30). */
export const SESSION_OPEN_MINUTE = 9 * 60 + 15;
export const SESSION_CLOSE_MINUTE = 15 * 60 + 30;
export const MINUTES_PER_DAY = 1440;

/** Minutes since the epoch on the IST wall clock: day = floor(m / 1440), minute of day = m mod 1440. */
export function istMinute(ms: number): number {
  return Math.floor((ms + IST_OFFSET_MS) / 60_000);
}

export function istDay(ms: number): number {
  return Math.floor(istMinute(ms) / MINUTES_PER_DAY);
}

/** Epoch ms at which an IST minute (as `istMinute` counts them) begins. */
export function minuteStartMs(minute: number): number {
  return minute * 60_000 - IST_OFFSET_MS;
}

/** Kite's candle timestamp: `2026-12-01T09:15:00+0530`. */
export function candleTime(minute: number): string {
  return new Date(minute * 60_000).toISOString().slice(0, 19) + '+0530';
}

/** Kite's REST wall-clock text in IST: `2026-12-01 11:00:30`. */
export function istWallText(ms: number): string {
  const iso = new Date(ms + IST_OFFSET_MS).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/**
 * Epoch ms of an IST wall time `YYYY-MM-DD HH:MM:SS` (or `YYYY-MM-DD`, midnight), as Kite's
 * historical API takes `from`/`to`; undefined for anything else.
 */
export function parseIstWall(text: string): number | undefined {
  const m = /^(\d{4})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d))?)?$/.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1).map((v) => Number(v ?? 0));
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  const utc = Date.UTC(y, mo - 1, d, h, mi, s);
  if (new Date(utc).getUTCDate() !== d) return undefined;
  return utc - IST_OFFSET_MS;
}
