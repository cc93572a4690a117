/** One packet of a binary frame: its instrument token and where its bytes are (without the length prefix). */
export interface PacketSlice {
  token: number;
  offset: number;
  length: number;
}

/**
 * The packets of a Kite binary frame (`[uint16 count]` then `[uint16 length][packet]`), without
 * decoding them; a heartbeat or a malformed frame has none. Never throws.
 */
export function framePackets(frame: Uint8Array): PacketSlice[] {
  if (frame.byteLength < 2) return [];
  const v = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const count = v.getUint16(0);
  const out: PacketSlice[] = [];
  let o = 2;
  for (let i = 0; i < count; i++) {
    if (o + 2 > frame.byteLength) return [];
    const length = v.getUint16(o);
    o += 2;
    if (o + length > frame.byteLength || length < 4) return [];
    out.push({ token: v.getUint32(o), offset: o, length });
    o += length;
  }
  return o === frame.byteLength ? out : [];
}

/**
 * A frame of the given packet byte ranges, each cut to at most `keep` bytes (a lower mode is a byte
 * prefix of a higher one: ltp = 8, quote = 44, index quote = 28). Undefined when nothing is left.
 */
export function buildFrame(
  source: Uint8Array,
  parts: readonly { slice: PacketSlice; keep: number }[],
): Buffer | undefined {
  if (parts.length === 0) return undefined;
  let size = 2;
  for (const p of parts) size += 2 + Math.min(p.keep, p.slice.length);
  const out = Buffer.allocUnsafe(size);
  out.writeUInt16BE(parts.length, 0);
  let o = 2;
  for (const p of parts) {
    const n = Math.min(p.keep, p.slice.length);
    out.writeUInt16BE(n, o);
    out.set(source.subarray(p.slice.offset, p.slice.offset + n), o + 2);
    o += 2 + n;
  }
  return out;
}
