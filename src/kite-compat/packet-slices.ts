import {
  PACKET_FULL,
  PACKET_INDEX_FULL,
  PACKET_INDEX_QUOTE,
  PACKET_LTP,
  PACKET_QUOTE,
  type TickMode,
} from '../kite/kite.constants.js';

/** Kite's heartbeat: one byte, sent when a second passes without data. */
export const HEARTBEAT_FRAME: Buffer = Buffer.from([0]);

/** Where the packets of one upstream frame lie: parallel arrays, `count` long. */
export interface FramePackets {
  count: number;
  tokens: number[];
  /** Offset of each packet's first byte (after its u16 length). */
  starts: number[];
  lengths: number[];
}

/**
 * The packet boundaries of a Kite binary frame `[u16 count]([u16 len][packet])…`. A heartbeat or a
 * malformed frame yields the packets that lie wholly inside it before the fault; never throws.
 * Packets of a length Kite does not define are left out.
 */
export function splitFrame(data: Buffer): FramePackets {
  const out: FramePackets = { count: 0, tokens: [], starts: [], lengths: [] };
  const size = data.length;
  if (size < 2) return out;
  const n = data.readUInt16BE(0);
  let o = 2;
  for (let i = 0; i < n; i++) {
    if (o + 2 > size) break;
    const len = data.readUInt16BE(o);
    o += 2;
    if (o + len > size) break;
    if (isPacketLength(len)) {
      out.tokens.push(data.readUInt32BE(o));
      out.starts.push(o);
      out.lengths.push(len);
      out.count++;
    }
    o += len;
  }
  return out;
}

function isPacketLength(len: number): boolean {
  return (
    len === PACKET_LTP ||
    len === PACKET_INDEX_QUOTE ||
    len === PACKET_INDEX_FULL ||
    len === PACKET_QUOTE ||
    len === PACKET_FULL
  );
}

/**
 * How many leading bytes of a `length`-byte upstream packet serve a client in `mode` (a lower mode
 * is a byte prefix of a higher one); 0 when the packet holds less than the mode needs.
 */
export function sliceLength(mode: TickMode, length: number): number {
  switch (mode) {
    case 'ltp':
      return length >= PACKET_LTP ? PACKET_LTP : 0;
    case 'quote':
      if (length === PACKET_INDEX_QUOTE || length === PACKET_INDEX_FULL) return PACKET_INDEX_QUOTE;
      return length === PACKET_QUOTE || length === PACKET_FULL ? PACKET_QUOTE : 0;
    case 'full':
      return length === PACKET_INDEX_FULL || length === PACKET_FULL ? length : 0;
  }
}

/** One frame of `n` slices of `src` (start, length each): Kite's header, then each slice with its length. */
export function frameOfSlices(
  src: Buffer,
  starts: readonly number[],
  lengths: readonly number[],
  n: number,
): Buffer {
  let size = 2;
  for (let i = 0; i < n; i++) size += 2 + lengths[i];
  const out = Buffer.allocUnsafe(size);
  out.writeUInt16BE(n, 0);
  let o = 2;
  for (let i = 0; i < n; i++) {
    const len = lengths[i];
    out.writeUInt16BE(len, o);
    src.copy(out, o + 2, starts[i], starts[i] + len);
    o += 2 + len;
  }
  return out;
}

/** One frame of whole packets (at most 65,535). */
export function frameOfPackets(packets: readonly Buffer[]): Buffer {
  let size = 2;
  for (const p of packets) size += 2 + p.length;
  const out = Buffer.allocUnsafe(size);
  out.writeUInt16BE(packets.length, 0);
  let o = 2;
  for (const p of packets) {
    out.writeUInt16BE(p.length, o);
    p.copy(out, o + 2);
    o += 2 + p.length;
  }
  return out;
}
