import type { DepthEntry, Tick } from '../kite/tick.js';

/**
 * The compact tick encoding of `/market` (docs/socket-protocol.md, "Compact ticks"): a client that
 * connects with `auth: {token, encoding: 'compact'}` gets `ticks_compact`, each tick a row (an
 * array in the field order below) instead of an object, so that no field name is written per tick.
 * Pure and dependency-free: the gateway encodes with it, clients and tests decode with it.
 */

/** Values of the handshake's `auth.encoding`; absent means `json`. */
export const TICK_ENCODINGS = ['json', 'compact'] as const;
export type TickEncoding = (typeof TICK_ENCODINGS)[number];

/** What a client passes as Socket.IO `auth` on `/market`. */
export interface MarketHandshakeAuth {
  token?: string;
  encoding?: TickEncoding;
}

/** The row's first element: the tick's mode, as a number. */
export const COMPACT_MODE = { ltp: 0, quote: 1, full: 2 } as const;
const MODE_OF = ['ltp', 'quote', 'full'] as const;

/** Field order of each row, by mode; each mode's row starts with the one before it (docs list the same). */
const LTP_FIELDS = ['mode', 'instrument_token', 'symbol', 'tradable', 'last_price'] as const;
const QUOTE_FIELDS = [
  ...LTP_FIELDS,
  'last_quantity',
  'average_price',
  'volume',
  'buy_quantity',
  'sell_quantity',
  'open',
  'high',
  'low',
  'close',
  'change',
  'change_percent',
] as const;
const FULL_FIELDS = [
  ...QUOTE_FIELDS,
  'timestamp',
  'last_trade_time',
  'oi',
  'oi_day_high',
  'oi_day_low',
  'depth',
] as const;
export const COMPACT_FIELDS = { ltp: LTP_FIELDS, quote: QUOTE_FIELDS, full: FULL_FIELDS } as const;

/** `[price, quantity, orders]`, one per depth level. */
export type CompactDepthLevel = [price: number, quantity: number, orders: number];
export type CompactDepth = [buy: CompactDepthLevel[], sell: CompactDepthLevel[]];

type Head = [instrument_token: number, symbol: string | null, tradable: 0 | 1, last_price: number];
/** null where the tick has no such field (an index has no quantities). */
type QuoteBody = [
  ...head: Head,
  last_quantity: number | null,
  average_price: number | null,
  volume: number | null,
  buy_quantity: number | null,
  sell_quantity: number | null,
  open: number | null,
  high: number | null,
  low: number | null,
  close: number | null,
  change: number | null,
  change_percent: number | null,
];
export type CompactLtpRow = [mode: 0, ...head: Head];
export type CompactQuoteRow = [mode: 1, ...body: QuoteBody];
/**
 * A full row; an index's full packet has only a timestamp beyond the quote fields, so its row ends
 * there. Times are null where Kite sent none, as in the tick object.
 */
export type CompactFullRow = [
  mode: 2,
  ...body: QuoteBody,
  timestamp: string | null,
  last_trade_time?: string | null,
  oi?: number | null,
  oi_day_high?: number | null,
  oi_day_low?: number | null,
  depth?: CompactDepth | null,
];
export type CompactTickRow = CompactLtpRow | CompactQuoteRow | CompactFullRow;

/** Where the quote and full rows carry `sell_quantity` (the bench's latency stamp). */
export const COMPACT_SELL_QUANTITY = QUOTE_FIELDS.indexOf('sell_quantity');

const levels = (side: DepthEntry[]): CompactDepthLevel[] => side.map((d) => [d.price, d.quantity, d.orders]);
const entries = (side: CompactDepthLevel[]): DepthEntry[] =>
  side.map(([price, quantity, orders]) => ({ price, quantity, orders }));

function quoteBody(t: Tick): QuoteBody {
  const o = t.ohlc;
  return [
    t.instrument_token,
    t.symbol ?? null,
    t.tradable ? 1 : 0,
    t.last_price,
    t.last_quantity ?? null,
    t.average_price ?? null,
    t.volume ?? null,
    t.buy_quantity ?? null,
    t.sell_quantity ?? null,
    o ? o.open : null,
    o ? o.high : null,
    o ? o.low : null,
    o ? o.close : null,
    t.change ?? null,
    t.change_percent ?? null,
  ];
}

/** The row of one tick, in its mode's field order. */
export function compactRow(t: Tick): CompactTickRow {
  if (t.mode === 'ltp') return [0, t.instrument_token, t.symbol ?? null, t.tradable ? 1 : 0, t.last_price];
  if (t.mode === 'quote') return [1, ...quoteBody(t)];
  const timestamp = t.timestamp ?? null;
  // An index's full tick stops at its timestamp: no trade time, no open interest, no depth.
  if (t.last_trade_time === undefined && t.oi === undefined && t.depth === undefined) {
    return [2, ...quoteBody(t), timestamp];
  }
  const d = t.depth;
  return [
    2,
    ...quoteBody(t),
    timestamp,
    t.last_trade_time ?? null,
    t.oi ?? null,
    t.oi_day_high ?? null,
    t.oi_day_low ?? null,
    d ? [levels(d.buy), levels(d.sell)] : null,
  ];
}

/** Sets `t[key]` when the row holds a value there: null means the tick has no such field. */
function put<K extends keyof Tick>(t: Tick, key: K, v: Tick[K] | null | undefined): void {
  if (v !== null && v !== undefined) t[key] = v;
}

/** The tick object a row stands for: equal to the `ticks` event's object for the same tick. */
export function decodeCompactRow(row: CompactTickRow): Tick {
  const t: Tick = {
    instrument_token: row[1],
    mode: MODE_OF[row[0]],
    tradable: row[3] === 1,
    last_price: row[4],
  };
  put(t, 'symbol', row[2]);
  if (row[0] === 0) return t;
  put(t, 'last_quantity', row[5]);
  put(t, 'average_price', row[6]);
  put(t, 'volume', row[7]);
  put(t, 'buy_quantity', row[8]);
  put(t, 'sell_quantity', row[9]);
  const [open, high, low, close] = [row[10], row[11], row[12], row[13]];
  if (open !== null && high !== null && low !== null && close !== null) t.ohlc = { open, high, low, close };
  put(t, 'change', row[14]);
  put(t, 'change_percent', row[15]);
  if (row[0] === 1) return t;
  t.timestamp = row[16];
  if (row.length === 17) return t;
  t.last_trade_time = row[17] ?? null;
  put(t, 'oi', row[18]);
  put(t, 'oi_day_high', row[19]);
  put(t, 'oi_day_low', row[20]);
  const depth = row[21];
  if (depth) t.depth = { buy: entries(depth[0]), sell: entries(depth[1]) };
  return t;
}
