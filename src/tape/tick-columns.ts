import { istIso } from '../clock/ist.js';
import type { DepthEntry, Tick } from '../kite/tick.js';

/** How a column is typed in Parquet; CSV writes every kind as text. */
export type ColumnKind = 'time' | 'int' | 'price' | 'text';

/** One decoded tick with what the export knows about it: its receive time (epoch ms) and the day's symbol. */
export interface TickRow {
  at: number;
  tick: Tick;
  symbol: string | undefined;
}

export interface TickColumn {
  name: string;
  kind: ColumnKind;
  /** The value in the tick, or undefined where this mode has none. A `time` is epoch ms or Kite's IST text. */
  get(r: TickRow): string | number | undefined;
}

const col = (name: string, kind: ColumnKind, get: TickColumn['get']): TickColumn => ({ name, kind, get });
const field = <K extends keyof Tick>(name: K, kind: ColumnKind) =>
  col(name, kind, (r) => r.tick[name] as number | undefined);
const ohlc = (k: 'open' | 'high' | 'low' | 'close') => col(k, 'price', (r) => r.tick.ohlc?.[k]);
const depth = (side: 'bid' | 'ask'): TickColumn[] =>
  [1, 2, 3, 4, 5].flatMap((level) => {
    const entry = (r: TickRow): DepthEntry | undefined =>
      r.tick.depth?.[side === 'bid' ? 'buy' : 'sell'][level - 1];
    return [
      col(`${side}_price_${level}`, 'price', (r) => entry(r)?.price),
      col(`${side}_quantity_${level}`, 'int', (r) => entry(r)?.quantity),
      col(`${side}_orders_${level}`, 'int', (r) => entry(r)?.orders),
    ];
  });

/**
 * The export's columns, in order, for every format: times, instrument, price and volume fields,
 * then depth (filled in full mode only). The exchange's times are Kite's (whole seconds, IST).
 */
export const TICK_COLUMNS: readonly TickColumn[] = [
  col('receive_time', 'time', (r) => r.at),
  col('exchange_timestamp', 'time', (r) => r.tick.timestamp ?? undefined),
  field('instrument_token', 'int'),
  col('symbol', 'text', (r) => r.symbol),
  field('mode', 'text'),
  field('last_price', 'price'),
  field('last_quantity', 'int'),
  field('average_price', 'price'),
  field('volume', 'int'),
  field('buy_quantity', 'int'),
  field('sell_quantity', 'int'),
  ...(['open', 'high', 'low', 'close'] as const).map(ohlc),
  field('change', 'price'),
  col('last_trade_time', 'time', (r) => r.tick.last_trade_time ?? undefined),
  field('oi', 'int'),
  field('oi_day_high', 'int'),
  field('oi_day_low', 'int'),
  ...depth('bid'),
  ...depth('ask'),
];

/** A CSV cell: the receive time in IST with milliseconds, Kite's times as Kite wrote them, absent values empty. */
export function csvCell(c: TickColumn, r: TickRow): string {
  const v = c.get(r);
  if (v === undefined || v === null) return '';
  const s = typeof v === 'number' && c.kind === 'time' ? istIso(v) : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}
