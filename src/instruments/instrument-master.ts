import { gunzipSync, gzipSync } from 'node:zlib';
import type { InstrumentInfo } from './instrument.js';

/** A stored instrument master: what it holds and when it was fetched from Kite. */
export interface StoredMaster {
  fetchedAt: number;
  rows: InstrumentInfo[];
}

const FORMAT = 'kite-relay instruments v1';

/** Serializes a master for Redis or the data directory: gzip'd JSON (90,000 rows are about 1.5 MB). */
export function encodeMaster(master: StoredMaster): Buffer {
  return gzipSync(JSON.stringify({ format: FORMAT, count: master.rows.length, ...master }));
}

/** The inverse of `encodeMaster`; throws on a truncated, corrupt or foreign blob (the caller refetches). */
export function decodeMaster(blob: Buffer): StoredMaster {
  const v = JSON.parse(gunzipSync(blob).toString('utf8')) as Partial<StoredMaster> & {
    format?: string;
    count?: number;
  };
  if (v.format !== FORMAT) throw new Error('not a kite-relay instrument master');
  if (!Array.isArray(v.rows) || v.rows.length !== v.count || typeof v.fetchedAt !== 'number') {
    throw new Error('the stored master is incomplete');
  }
  for (const r of v.rows) {
    if (
      !Number.isInteger(r.instrument_token) ||
      typeof r.tradingsymbol !== 'string' ||
      typeof r.exchange !== 'string'
    ) {
      throw new Error('the stored master has a malformed row');
    }
  }
  return { fetchedAt: v.fetchedAt, rows: v.rows };
}

const text = (v: unknown): string => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : '');
const num = (v: unknown): number => {
  const n = Number(v);
  return Number.isFinite(n) ? n : 0;
};
/** The client turns a 10-character expiry into a Date (UTC midnight of that day); back to `YYYY-MM-DD`. */
const day = (v: unknown): string =>
  v instanceof Date ? (Number.isNaN(v.getTime()) ? '' : v.toISOString().slice(0, 10)) : text(v);

/** The rows kite-relay keeps from Kite's `/instruments` (the official client leaves numbers as strings). */
export function fromKiteRows(raw: readonly Record<string, unknown>[]): InstrumentInfo[] {
  return raw
    .map((r) => ({
      instrument_token: Number(r.instrument_token),
      exchange: text(r.exchange),
      tradingsymbol: text(r.tradingsymbol),
      name: text(r.name),
      tick_size: Number(r.tick_size),
      instrument_type: text(r.instrument_type),
      segment: text(r.segment),
      exchange_token: num(r.exchange_token),
      last_price: num(r.last_price),
      expiry: day(r.expiry),
      strike: num(r.strike),
      lot_size: num(r.lot_size),
    }))
    .filter((r) => Number.isInteger(r.instrument_token) && r.instrument_token > 0 && r.tradingsymbol);
}
