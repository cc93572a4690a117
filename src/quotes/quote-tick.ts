import { isIndex } from '../kite/kite.constants.js';
import type { Tick } from '../kite/tick.js';
import { istIso } from '../clock/ist.js';

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * A quote time as a tick carries it (ISO-8601 IST, whole seconds), from what the official client
 * hands over: Kite's `YYYY-MM-DD HH:MM:SS` (IST wall text) comes back as a Date parsed in the
 * process' zone, so its local fields are that wall text; an ISO string with a zone is an instant.
 */
function time(v: unknown): string | null {
  if (v instanceof Date) {
    if (Number.isNaN(v.getTime())) return null;
    const wall = `${v.getFullYear()}-${pad(v.getMonth() + 1)}-${pad(v.getDate())}`;
    return `${wall}T${pad(v.getHours())}:${pad(v.getMinutes())}:${pad(v.getSeconds())}+05:30`;
  }
  if (typeof v !== 'string') return null;
  if (/^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d$/.test(v)) return `${v.slice(0, 10)}T${v.slice(11, 19)}+05:30`;
  const ms = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)$/.test(v) ? Date.parse(v) : NaN;
  return Number.isNaN(ms) ? null : `${istIso(Math.floor(ms / 1000) * 1000).slice(0, 19)}+05:30`;
}

/** One instrument of Kite's /quote answer as a full-mode tick; undefined without a usable last price. */
export function quoteToTick(token: number, q: Record<string, unknown>, symbol?: string): Tick | undefined {
  const last = Number(q.last_price);
  if (!Number.isFinite(last)) return undefined;
  const ohlc = q.ohlc as Tick['ohlc'];
  const close = ohlc?.close ?? 0;
  const tick: Tick = {
    instrument_token: token,
    symbol,
    mode: 'full',
    tradable: !isIndex(token),
    last_price: last,
    last_quantity: num(q.last_quantity),
    average_price: num(q.average_price),
    volume: num(q.volume),
    buy_quantity: num(q.buy_quantity),
    sell_quantity: num(q.sell_quantity),
    ohlc,
    change: last - close,
    change_percent: close ? ((last - close) * 100) / close : 0,
    last_trade_time: time(q.last_trade_time),
    timestamp: time(q.timestamp),
    oi: num(q.oi),
    oi_day_high: num(q.oi_day_high),
    oi_day_low: num(q.oi_day_low),
    depth: q.depth as Tick['depth'],
  };
  if (!tick.symbol) delete tick.symbol;
  return tick;
}
