import { IST_OFFSET_MS, istIso } from '../clock/ist.js';

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/** Kite's intervals: the candle's length, and the longest span one request may cover (Kite's documented limits). */
export const INTERVALS: Readonly<Record<string, { ms: number; maxDays: number }>> = {
  minute: { ms: MINUTE_MS, maxDays: 60 },
  '3minute': { ms: 3 * MINUTE_MS, maxDays: 100 },
  '5minute': { ms: 5 * MINUTE_MS, maxDays: 100 },
  '10minute': { ms: 10 * MINUTE_MS, maxDays: 100 },
  '15minute': { ms: 15 * MINUTE_MS, maxDays: 200 },
  '30minute': { ms: 30 * MINUTE_MS, maxDays: 200 },
  '60minute': { ms: 60 * MINUTE_MS, maxDays: 400 },
  day: { ms: DAY_MS, maxDays: 2000 },
};

/** A validated historical request, with `from`/`to` as IST wall text and instants. */
export interface HistoricalRequest {
  token: number;
  interval: string;
  /** `YYYY-MM-DD HH:MM:SS`, IST: what Kite is asked with. */
  from: string;
  to: string;
  fromMs: number;
  toMs: number;
  continuous: boolean;
  oi: boolean;
}

/** The request, or the sentence that says what is wrong with it (an InputException's message). */
export type Parsed = { ok: true; req: HistoricalRequest } | { ok: false; message: string };

/** `YYYY-MM-DD` or `YYYY-MM-DD HH:MM[:SS]` (a `T` too), IST wall time, as an instant; undefined if not a real time. */
function istWall(v: unknown): number | undefined {
  if (typeof v !== 'string') return undefined;
  const m = /^(\d{4})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d)(?::(\d\d))?)?$/.exec(v.trim());
  if (!m) return undefined;
  const [y, mo, d, h = '0', mi = '0', s = '0'] = m.slice(1);
  const utc = Date.UTC(+y, +mo - 1, +d, +h, +mi, +s);
  const back = new Date(utc);
  // 2026-02-30 or 25:00 roll over: refused, not silently moved.
  if (back.getUTCDate() !== +d || back.getUTCHours() !== +h || back.getUTCMinutes() !== +mi) return undefined;
  return utc - IST_OFFSET_MS;
}

const wallText = (ms: number) => istIso(ms).slice(0, 19).replace('T', ' ');

function flag(v: unknown, name: string): boolean | string {
  if (v === undefined || v === '' || v === '0' || v === 'false') return false;
  if (v === '1' || v === 'true') return true;
  return `${name} must be 0 or 1`;
}

/** Kite's historical parameters: the path's token and interval, the query's from, to, continuous and oi. */
export function parseHistorical(tokenText: string, interval: string, query: Record<string, unknown>): Parsed {
  if (!/^\d{1,10}$/.test(tokenText) || Number(tokenText) <= 0 || Number(tokenText) > 0xffffffff) {
    return { ok: false, message: `invalid token ${JSON.stringify(tokenText.slice(0, 16))}` };
  }
  const size = Object.hasOwn(INTERVALS, interval) ? INTERVALS[interval] : undefined;
  if (!size) {
    return { ok: false, message: `invalid interval: use one of ${Object.keys(INTERVALS).join(', ')}` };
  }
  const fromMs = istWall(query.from);
  const toMs = istWall(query.to);
  if (fromMs === undefined) return { ok: false, message: 'invalid from date: use YYYY-MM-DD HH:MM:SS (IST)' };
  if (toMs === undefined) return { ok: false, message: 'invalid to date: use YYYY-MM-DD HH:MM:SS (IST)' };
  if (fromMs > toMs) return { ok: false, message: 'from date is after to date' };
  if (toMs - fromMs > size.maxDays * DAY_MS) {
    return { ok: false, message: `interval exceeds max limit: ${size.maxDays} days for ${interval}` };
  }
  const continuous = flag(query.continuous, 'continuous');
  const oi = flag(query.oi, 'oi');
  if (typeof continuous === 'string') return { ok: false, message: continuous };
  if (typeof oi === 'string') return { ok: false, message: oi };
  return {
    ok: true,
    req: {
      token: Number(tokenText),
      interval,
      from: wallText(fromMs),
      to: wallText(toMs),
      fromMs,
      toMs,
      continuous,
      oi,
    },
  };
}

/** The cache key of a request: one per distinct question asked of Kite. */
export const historicalKey = (r: HistoricalRequest) =>
  `${r.token}:${r.interval}:${r.fromMs}:${r.toMs}:${r.continuous ? 1 : 0}:${r.oi ? 1 : 0}`;

/** A minute's grace after a candle's end, for Kite to have it final. */
const SETTLE_MS = MINUTE_MS;

/** Whether every candle the request can return has ended (the last one starts at or before `to`) by `nowMs`. */
export const allCompleted = (r: HistoricalRequest, nowMs: number) =>
  r.toMs + INTERVALS[r.interval].ms + SETTLE_MS <= nowMs;
