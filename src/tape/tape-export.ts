import { closeSync, openSync, writeSync } from 'node:fs';
import { istIso } from '../clock/ist.js';
import { decodeFrame } from '../kite/decode-frame.js';
import type { DepthEntry, Tick } from '../kite/tick.js';
import { dayMaster, symbolsOf } from './day-master.js';
import { streamDay } from './day-reader.js';
import { RecordKind } from './tape-format.js';

export interface ExportOptions {
  root: string;
  day: string;
  out: string;
  /** Instrument tokens to keep (all when empty). */
  tokens?: ReadonlySet<number>;
  /** Receive-time bounds, epoch ms (from inclusive, to exclusive). */
  from?: number;
  to?: number;
}

const LEVELS = [1, 2, 3, 4, 5];
const side = (s: 'bid' | 'ask') =>
  LEVELS.flatMap((i) => [`${s}_price_${i}`, `${s}_quantity_${i}`, `${s}_orders_${i}`]);

/** The CSV columns, in order: times, instrument, price and volume fields, then depth in full mode. */
export const CSV_COLUMNS = [
  ...['receive_time', 'exchange_timestamp', 'instrument_token', 'symbol', 'mode', 'last_price'],
  ...['last_quantity', 'average_price', 'volume', 'buy_quantity', 'sell_quantity'],
  ...['open', 'high', 'low', 'close', 'change', 'last_trade_time', 'oi', 'oi_day_high', 'oi_day_low'],
  ...side('bid'),
  ...side('ask'),
];

const cell = (v: string | number | boolean | null | undefined): string => {
  if (v === undefined || v === null) return '';
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

function row(at: number, t: Tick, symbol: string | undefined): string {
  const depth = (entries: readonly DepthEntry[] | undefined) =>
    LEVELS.flatMap((i) => {
      const e = entries?.[i - 1];
      return [e?.price, e?.quantity, e?.orders];
    });
  const cells = [
    istIso(at),
    t.timestamp,
    t.instrument_token,
    symbol,
    t.mode,
    t.last_price,
    t.last_quantity,
    t.average_price,
    t.volume,
    t.buy_quantity,
    t.sell_quantity,
    t.ohlc?.open,
    t.ohlc?.high,
    t.ohlc?.low,
    t.ohlc?.close,
    t.change,
    t.last_trade_time,
    t.oi,
    t.oi_day_high,
    t.oi_day_low,
    ...depth(t.depth?.buy),
    ...depth(t.depth?.sell),
  ];
  return cells.map(cell).join(',');
}

/** Writes the day's decoded ticks as CSV, one row per tick, segment after segment (each in receive order); returns the row count. */
export function exportCsv(o: ExportOptions): number {
  const symbols = symbolsOf(dayMaster(o.root, o.day));
  const fd = openSync(o.out, 'w');
  let rows = 0;
  try {
    let chunk: string[] = [CSV_COLUMNS.join(',')];
    const write = () => {
      writeSync(fd, chunk.join('\n') + '\n');
      chunk = [];
    };
    for (const r of streamDay(o.root, o.day)) {
      if (r.kind !== RecordKind.frame) continue;
      if ((o.from !== undefined && r.at < o.from) || (o.to !== undefined && r.at >= o.to)) continue;
      for (const t of decodeFrame(r.payload).ticks) {
        if (o.tokens && o.tokens.size > 0 && !o.tokens.has(t.instrument_token)) continue;
        chunk.push(row(r.at, t, symbols.get(t.instrument_token)));
        rows++;
        if (chunk.length >= 10_000) write();
      }
    }
    if (chunk.length > 0) write();
  } finally {
    closeSync(fd);
  }
  return rows;
}
