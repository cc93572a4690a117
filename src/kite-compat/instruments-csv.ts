import type { InstrumentInfo } from '../instruments/instrument.js';

/** Kite's instrument master columns, in Kite's order (fixtures/kite/instruments_*.csv). */
export const INSTRUMENTS_CSV_HEADER =
  'instrument_token,exchange_token,tradingsymbol,name,last_price,expiry,strike,tick_size,lot_size,instrument_type,segment,exchange';

/** A float as Kite writes it: `0.0`, `0.05`, `1412.5`. */
const float = (n: number | undefined) => {
  const v = Number.isFinite(n) ? (n as number) : 0;
  return Number.isInteger(v) ? v.toFixed(1) : String(v);
};

/** A text field, quoted (RFC 4180) only when it holds a comma, a quote or a line break. */
const field = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s);

/**
 * One row as Kite writes it. Columns a master stored before they were kept fall back to what they
 * can be derived as (the exchange token is the instrument token's upper 24 bits) or Kite's values
 * for a cash instrument (no expiry, no strike, lot 1).
 */
export function csvLine(r: InstrumentInfo): string {
  return [
    r.instrument_token,
    r.exchange_token ?? Math.floor(r.instrument_token / 256),
    field(r.tradingsymbol),
    field(r.name),
    float(r.last_price),
    r.expiry ?? '',
    float(r.strike),
    float(r.tick_size),
    r.lot_size ?? 1,
    field(r.instrument_type),
    field(r.segment),
    field(r.exchange),
  ].join(',');
}

/** The rows as Kite's CSV: the header, then one line per row, without a trailing newline (as Kite sends it). */
export function instrumentsCsv(rows: readonly InstrumentInfo[]): string {
  return [INSTRUMENTS_CSV_HEADER, ...rows.map(csvLine)].join('\n');
}
