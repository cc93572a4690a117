import { closeSync, openSync, writeSync } from 'node:fs';
import { decodeFrame } from '../kite/decode-frame.js';
import { dayMaster, symbolsOf } from './day-master.js';
import { streamDay } from './day-reader.js';
import { RecordKind } from './tape-format.js';
import { TICK_COLUMNS, csvCell, type TickRow } from './tick-columns.js';

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

/** The CSV columns, in order: times, instrument, price and volume fields, then depth in full mode. */
export const CSV_COLUMNS = TICK_COLUMNS.map((c) => c.name);

/** The day's decoded ticks that the options keep, segment after segment (each in receive order). */
export function* tickRows(o: ExportOptions): Generator<TickRow> {
  const symbols = symbolsOf(dayMaster(o.root, o.day));
  for (const r of streamDay(o.root, o.day)) {
    if (r.kind !== RecordKind.frame) continue;
    if ((o.from !== undefined && r.at < o.from) || (o.to !== undefined && r.at >= o.to)) continue;
    for (const tick of decodeFrame(r.payload).ticks) {
      if (o.tokens && o.tokens.size > 0 && !o.tokens.has(tick.instrument_token)) continue;
      yield { at: r.at, tick, symbol: symbols.get(tick.instrument_token) };
    }
  }
}

/** Writes the day's decoded ticks as CSV, one row per tick; returns the row count. */
export function exportCsv(o: ExportOptions): number {
  const fd = openSync(o.out, 'w');
  let rows = 0;
  try {
    let chunk: string[] = [CSV_COLUMNS.join(',')];
    const write = () => {
      writeSync(fd, chunk.join('\n') + '\n');
      chunk = [];
    };
    for (const r of tickRows(o)) {
      chunk.push(TICK_COLUMNS.map((c) => csvCell(c, r)).join(','));
      rows++;
      if (chunk.length >= 10_000) write();
    }
    if (chunk.length > 0) write();
  } finally {
    closeSync(fd);
  }
  return rows;
}
