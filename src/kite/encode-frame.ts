import {
  DEPTH_ENTRY,
  DEPTH_LEVELS,
  DEPTH_OFFSET,
  PACKET_FULL,
  PACKET_INDEX_FULL,
  PACKET_INDEX_QUOTE,
  PACKET_LTP,
  PACKET_QUOTE,
  divisorOf,
  isIndex,
  type TickMode,
} from './kite.constants.js';
import type { Tick } from './tick.js';

/** Packet length Kite uses for an instrument in a mode (indices have their own quote/full layouts). */
export function packetLength(token: number, mode: TickMode): number {
  const index = isIndex(token);
  if (mode === 'ltp') return PACKET_LTP;
  if (mode === 'quote') return index ? PACKET_INDEX_QUOTE : PACKET_QUOTE;
  return index ? PACKET_INDEX_FULL : PACKET_FULL;
}

const seconds = (t: string | number | null | undefined): number =>
  t === null || t === undefined ? 0 : typeof t === 'number' ? t : Math.round(Date.parse(t) / 1000);

/** Writes one packet for `tick` in `mode` at `o`; returns its length. */
export function encodePacket(tick: Tick, mode: TickMode, v: DataView, o: number): number {
  const token = tick.instrument_token;
  const d = divisorOf(token);
  const price = (x: number | undefined) => Math.round((x ?? 0) * d);
  const length = packetLength(token, mode);
  v.setUint32(o, token);
  v.setInt32(o + 4, price(tick.last_price));
  if (length === PACKET_LTP) return length;
  const ohlc = tick.ohlc ?? { open: 0, high: 0, low: 0, close: 0 };
  if (length === PACKET_INDEX_QUOTE || length === PACKET_INDEX_FULL) {
    v.setInt32(o + 8, price(ohlc.high));
    v.setInt32(o + 12, price(ohlc.low));
    v.setInt32(o + 16, price(ohlc.open));
    v.setInt32(o + 20, price(ohlc.close));
    v.setInt32(o + 24, price(tick.last_price - ohlc.close));
    if (length === PACKET_INDEX_FULL) v.setUint32(o + 28, seconds(tick.timestamp));
    return length;
  }
  v.setUint32(o + 8, tick.last_quantity ?? 0);
  v.setInt32(o + 12, price(tick.average_price));
  v.setUint32(o + 16, tick.volume ?? 0);
  v.setUint32(o + 20, tick.buy_quantity ?? 0);
  v.setUint32(o + 24, tick.sell_quantity ?? 0);
  v.setInt32(o + 28, price(ohlc.open));
  v.setInt32(o + 32, price(ohlc.high));
  v.setInt32(o + 36, price(ohlc.low));
  v.setInt32(o + 40, price(ohlc.close));
  if (length === PACKET_QUOTE) return length;
  v.setUint32(o + 44, seconds(tick.last_trade_time));
  v.setUint32(o + 48, tick.oi ?? 0);
  v.setUint32(o + 52, tick.oi_day_high ?? 0);
  v.setUint32(o + 56, tick.oi_day_low ?? 0);
  v.setUint32(o + 60, seconds(tick.timestamp));
  for (let i = 0; i < 2 * DEPTH_LEVELS; i++) {
    const e = (i < DEPTH_LEVELS ? tick.depth?.buy : tick.depth?.sell)?.[i % DEPTH_LEVELS];
    const p = o + DEPTH_OFFSET + i * DEPTH_ENTRY;
    v.setUint32(p, e?.quantity ?? 0);
    v.setInt32(p + 4, price(e?.price));
    v.setUint16(p + 8, e?.orders ?? 0);
    v.setUint16(p + 10, 0);
  }
  return length;
}

/** Encodes ticks, each in the given mode (or its own), into one binary frame. */
export function encodeFrame(items: readonly { tick: Tick; mode?: TickMode }[]): Buffer {
  let size = 2;
  for (const it of items) size += 2 + packetLength(it.tick.instrument_token, it.mode ?? it.tick.mode);
  const buf = Buffer.alloc(size);
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  v.setUint16(0, items.length);
  let o = 2;
  for (const it of items) {
    const length = encodePacket(it.tick, it.mode ?? it.tick.mode, v, o + 2);
    v.setUint16(o, length);
    o += 2 + length;
  }
  return buf;
}

/** Kite's heartbeat: a single byte. */
export function encodeHeartbeat(): Buffer {
  return Buffer.from([0]);
}
