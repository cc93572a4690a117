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
} from './kite.constants.js';
import { istFromUnixSeconds } from './ist-time.js';
import type { DepthEntry, Tick } from './tick.js';

export type FrameErrorCode = 'empty_frame' | 'short_frame' | 'packet_overrun' | 'trailing_bytes';

/** What one binary frame held. Malformed parts are reported, never thrown. */
export interface DecodedFrame {
  heartbeat: boolean;
  ticks: Tick[];
  /** Packets skipped because their length is not one Kite defines. */
  skipped: number;
  /** Set when the frame itself is malformed; `ticks` then holds what was decoded before the fault. */
  error?: FrameErrorCode;
}

const HEARTBEAT: DecodedFrame = Object.freeze({ heartbeat: true, ticks: [], skipped: 0 });

/**
 * Decodes a Kite ticker binary frame: `[uint16 count]` then `[uint16 length][packet]` per packet,
 * big-endian. Never reads past the buffer and never throws.
 */
export function decodeFrame(data: Uint8Array): DecodedFrame {
  const size = data.byteLength;
  if (size === 1) return HEARTBEAT;
  if (size === 0) return { heartbeat: false, ticks: [], skipped: 0, error: 'empty_frame' };
  if (size < 2) return { heartbeat: false, ticks: [], skipped: 0, error: 'short_frame' };
  const view = new DataView(data.buffer, data.byteOffset, size);
  const count = view.getUint16(0);
  const ticks: Tick[] = [];
  let skipped = 0;
  let offset = 2;
  for (let i = 0; i < count; i++) {
    if (offset + 2 > size) return { heartbeat: false, ticks, skipped, error: 'packet_overrun' };
    const length = view.getUint16(offset);
    offset += 2;
    if (offset + length > size) return { heartbeat: false, ticks, skipped, error: 'packet_overrun' };
    const tick = decodePacket(view, offset, length);
    if (tick) ticks.push(tick);
    else skipped++;
    offset += length;
  }
  if (offset !== size) return { heartbeat: false, ticks, skipped, error: 'trailing_bytes' };
  return { heartbeat: false, ticks, skipped };
}

/** Decodes one packet of `length` bytes at `o`; undefined for a length Kite does not define. */
export function decodePacket(v: DataView, o: number, length: number): Tick | undefined {
  switch (length) {
    case PACKET_LTP:
      return decodeLtp(v, o);
    case PACKET_INDEX_QUOTE:
    case PACKET_INDEX_FULL:
      return decodeIndex(v, o, length === PACKET_INDEX_FULL);
    case PACKET_QUOTE:
    case PACKET_FULL:
      return decodeQuote(v, o, length === PACKET_FULL);
    default:
      return undefined;
  }
}

function decodeLtp(v: DataView, o: number): Tick {
  const token = v.getUint32(o);
  return {
    mode: 'ltp',
    tradable: !isIndex(token),
    instrument_token: token,
    last_price: v.getInt32(o + 4) / divisorOf(token),
  };
}

function decodeIndex(v: DataView, o: number, full: boolean): Tick {
  const token = v.getUint32(o);
  const d = divisorOf(token);
  const last = v.getInt32(o + 4) / d;
  const close = v.getInt32(o + 20) / d;
  const change = last - close;
  const tick: Tick = {
    mode: full ? 'full' : 'quote',
    tradable: !isIndex(token),
    instrument_token: token,
    last_price: last,
    ohlc: { open: v.getInt32(o + 16) / d, high: v.getInt32(o + 8) / d, low: v.getInt32(o + 12) / d, close },
    change,
    change_percent: close === 0 ? 0 : (change * 100) / close,
  };
  if (full) tick.timestamp = istFromUnixSeconds(v.getUint32(o + 28));
  return tick;
}

function decodeQuote(v: DataView, o: number, full: boolean): Tick {
  const token = v.getUint32(o);
  const d = divisorOf(token);
  const last = v.getInt32(o + 4) / d;
  const close = v.getInt32(o + 40) / d;
  const change = last - close;
  const tick: Tick = {
    mode: full ? 'full' : 'quote',
    tradable: !isIndex(token),
    instrument_token: token,
    last_price: last,
    last_quantity: v.getUint32(o + 8),
    average_price: v.getInt32(o + 12) / d,
    volume: v.getUint32(o + 16),
    buy_quantity: v.getUint32(o + 20),
    sell_quantity: v.getUint32(o + 24),
    ohlc: {
      open: v.getInt32(o + 28) / d,
      high: v.getInt32(o + 32) / d,
      low: v.getInt32(o + 36) / d,
      close,
    },
    change,
    change_percent: close === 0 ? 0 : (change * 100) / close,
  };
  if (full) {
    tick.last_trade_time = istFromUnixSeconds(v.getUint32(o + 44));
    tick.oi = v.getUint32(o + 48);
    tick.oi_day_high = v.getUint32(o + 52);
    tick.oi_day_low = v.getUint32(o + 56);
    tick.timestamp = istFromUnixSeconds(v.getUint32(o + 60));
    tick.depth = {
      buy: depthSide(v, o + DEPTH_OFFSET, d),
      sell: depthSide(v, o + DEPTH_OFFSET + DEPTH_LEVELS * DEPTH_ENTRY, d),
    };
  }
  return tick;
}

function depthSide(v: DataView, o: number, d: number): DepthEntry[] {
  const side: DepthEntry[] = new Array<DepthEntry>(DEPTH_LEVELS);
  for (let i = 0; i < DEPTH_LEVELS; i++) {
    const p = o + i * DEPTH_ENTRY;
    side[i] = { price: v.getInt32(p + 4) / d, quantity: v.getUint32(p), orders: v.getUint16(p + 8) };
  }
  return side;
}
