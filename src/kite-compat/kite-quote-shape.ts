import type { DepthEntry } from '../kite/tick.js';
import type { Quote } from '../quotes/quotes.service.js';

/** Which of Kite's three quote routes: `/quote` (full), `/quote/ohlc`, `/quote/ltp`. */
export type KiteQuoteRoute = 'quote' | 'ohlc' | 'ltp';

/** Kite's per-call instrument limits: 500 for a full quote, 1,000 for ohlc and ltp. */
export const KITE_QUOTE_LIMITS: Readonly<Record<KiteQuoteRoute, number>> = {
  quote: 500,
  ohlc: 1000,
  ltp: 1000,
};

/** IST ISO-8601 (`2026-12-01T10:15:02+05:30`, how ticks carry time) as Kite's `2026-12-01 10:15:02`. */
function kiteTime(iso: string | null | undefined): string | null {
  return iso ? `${iso.slice(0, 10)} ${iso.slice(11, 19)}` : null;
}

const EMPTY_LEVEL: DepthEntry = { price: 0, quantity: 0, orders: 0 };
const emptySide = () => Array.from({ length: 5 }, () => ({ ...EMPTY_LEVEL }));

/**
 * One instrument of Kite's quote answers, from a quote kite-relay holds. Fields Kite sends and a
 * tick does not carry: `lower_circuit_limit`/`upper_circuit_limit` are null (unknown, never a made-up
 * number), `net_change` is 0 as Kite itself sends it; an index's missing quantities are 0 and its
 * depth is five empty levels a side, as Kite answers for indices.
 */
export function kiteQuote(q: Quote, route: KiteQuoteRoute): Record<string, unknown> {
  if (route === 'ltp') return { instrument_token: q.instrument_token, last_price: q.last_price };
  if (route === 'ohlc') {
    return { instrument_token: q.instrument_token, last_price: q.last_price, ohlc: q.ohlc };
  }
  return {
    instrument_token: q.instrument_token,
    timestamp: kiteTime(q.timestamp),
    last_trade_time: kiteTime(q.last_trade_time),
    last_price: q.last_price,
    last_quantity: q.last_quantity ?? 0,
    buy_quantity: q.buy_quantity ?? 0,
    sell_quantity: q.sell_quantity ?? 0,
    volume: q.volume ?? 0,
    average_price: q.average_price ?? 0,
    oi: q.oi ?? 0,
    oi_day_high: q.oi_day_high ?? 0,
    oi_day_low: q.oi_day_low ?? 0,
    net_change: 0,
    lower_circuit_limit: null,
    upper_circuit_limit: null,
    ohlc: q.ohlc,
    depth: q.depth ?? { buy: emptySide(), sell: emptySide() },
  };
}
