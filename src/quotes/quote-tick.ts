import { isIndex } from '../kite/kite.constants.js';
import type { Tick } from '../kite/tick.js';

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

const time = (v: unknown) =>
  typeof v === 'string' && /^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d/.test(v)
    ? `${v.slice(0, 10)}T${v.slice(11, 19)}+05:30`
    : null;

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
