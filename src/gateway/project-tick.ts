import { MODE_RANK, type TickMode } from '../kite/kite.constants.js';
import type { Tick } from '../kite/tick.js';

/** The tick as a subscriber of `mode` sees it (a full tick carries more than a quote subscriber asked for). */
export function projectTick(t: Tick, mode: TickMode): Tick {
  if (MODE_RANK[t.mode] <= MODE_RANK[mode]) return t;
  if (mode === 'ltp') {
    const p: Tick = {
      instrument_token: t.instrument_token,
      mode,
      tradable: t.tradable,
      last_price: t.last_price,
    };
    if (t.symbol) p.symbol = t.symbol;
    return p;
  }
  const {
    last_trade_time: _a,
    oi: _b,
    oi_day_high: _c,
    oi_day_low: _d,
    depth: _e,
    timestamp: _f,
    ...quote
  } = t;
  quote.mode = 'quote';
  return quote;
}
