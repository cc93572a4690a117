import { crc32 } from 'node:zlib';

/**
 * The tape's file format, version 1 (docs/tape.md). A segment file is
 *   header:  "KRTAPE" (6 bytes) · uint16 version · uint32 n · n bytes of JSON (SegmentHeader)
 *   blocks:  "KRBK" (4 bytes) · uint32 compressed length · uint32 raw length · uint32 records ·
 *            uint32 CRC-32 of the compressed bytes · the zstd-compressed records
 * and a record is
 *   uint8 kind · float64 receive time (epoch ms) · uint8 shard · uint32 n · n bytes of payload.
 * All integers big-endian. Blocks are only appended, so a file cut anywhere reads up to its last
 * whole block; a block whose CRC or contents are wrong is skipped and counted.
 */
export const TAPE_MAGIC = Buffer.from('KRTAPE', 'latin1');
export const BLOCK_MAGIC = 0x4b52424b; // "KRBK"
export const TAPE_VERSION = 1;
export const HEADER_FIXED = 12;
export const BLOCK_HEADER = 20;
export const RECORD_HEADER = 14;
/** Upper bounds a reader enforces so that a corrupt length cannot make it allocate gigabytes. */
export const MAX_HEADER_JSON = 64 * 1024;
export const MAX_BLOCK_BYTES = 64 * 1024 * 1024;

/** What each record is; the numbers are the file's and never change meaning. */
export const RecordKind = {
  /** One binary ticker frame exactly as Kite sent it. */
  frame: 1,
  /** A Kite text frame (`message`, `error`; `order` only with RECORD_ORDERS). */
  text: 2,
  /** A ticker connection opened (payload JSON `{}` or details). */
  connect: 3,
  /** A ticker connection closed or was lost (`{reason}`). */
  disconnect: 4,
  /** The upstream subscription changed (`{subscribe?, unsubscribe?, mode?}` with token lists). */
  subscription: 5,
  /** Who holds the upstream changed (`{role, holder, fencing}`). */
  lease: 6,
  /** Nothing was recorded between `from` and `to` (`{from, to, reason, dropped?}`). */
  gap: 7,
} as const;
export type RecordKind = (typeof RecordKind)[keyof typeof RecordKind];
const KINDS = new Set<number>(Object.values(RecordKind));

/** The JSON of a segment's header. */
export interface SegmentHeader {
  format: 'kite-relay tape';
  version: number;
  /** The IST trading date the segment belongs to (YYYY-MM-DD). */
  day: string;
  node: string;
  /** The fencing number of the tenure that wrote every record of this segment (null standalone). */
  fencing: number | null;
  started_at: number;
  codec: 'zstd';
}

export interface TapeRecord {
  kind: RecordKind;
  /** Receive time, epoch ms (the gateway clock). */
  at: number;
  shard: number;
  payload: Buffer;
}

export function encodeHeader(h: SegmentHeader): Buffer {
  const json = Buffer.from(JSON.stringify(h), 'utf8');
  const fixed = Buffer.alloc(HEADER_FIXED);
  TAPE_MAGIC.copy(fixed, 0);
  fixed.writeUInt16BE(h.version, 6);
  fixed.writeUInt32BE(json.length, 8);
  return Buffer.concat([fixed, json]);
}

export class TapeFormatError extends Error {}

/** Parses the header at the start of `buf`; throws TapeFormatError on a foreign, newer or cut header. */
export function decodeHeader(buf: Buffer): { header: SegmentHeader; length: number } {
  if (buf.length < HEADER_FIXED || !buf.subarray(0, 6).equals(TAPE_MAGIC)) {
    throw new TapeFormatError('not a kite-relay tape segment');
  }
  const version = buf.readUInt16BE(6);
  if (version > TAPE_VERSION || version < 1) {
    throw new TapeFormatError(
      `tape format version ${version} is not supported (this reader: 1..${TAPE_VERSION})`,
    );
  }
  const n = buf.readUInt32BE(8);
  if (n > MAX_HEADER_JSON) throw new TapeFormatError('segment header is too long');
  if (buf.length < HEADER_FIXED + n) throw new TapeFormatError('segment header is cut short');
  let header: SegmentHeader;
  try {
    header = JSON.parse(buf.subarray(HEADER_FIXED, HEADER_FIXED + n).toString('utf8')) as SegmentHeader;
  } catch {
    throw new TapeFormatError('segment header is not JSON');
  }
  if (header.format !== 'kite-relay tape' || typeof header.day !== 'string') {
    throw new TapeFormatError('segment header is malformed');
  }
  return { header, length: HEADER_FIXED + n };
}

/** Serializes records into one uncompressed block body. */
export function encodeRecords(records: readonly TapeRecord[]): Buffer {
  let size = 0;
  for (const r of records) size += RECORD_HEADER + r.payload.length;
  const out = Buffer.allocUnsafe(size);
  let o = 0;
  for (const r of records) {
    out.writeUInt8(r.kind, o);
    out.writeDoubleBE(r.at, o + 1);
    out.writeUInt8(r.shard & 0xff, o + 9);
    out.writeUInt32BE(r.payload.length, o + 10);
    o += RECORD_HEADER;
    o += r.payload.copy(out, o);
  }
  return out;
}

/** The inverse of encodeRecords; throws TapeFormatError when the body does not parse exactly. */
export function decodeRecords(body: Buffer, expected: number): TapeRecord[] {
  const out: TapeRecord[] = [];
  let o = 0;
  while (o < body.length) {
    if (o + RECORD_HEADER > body.length) throw new TapeFormatError('record header cut short');
    const kind = body.readUInt8(o);
    if (!KINDS.has(kind)) throw new TapeFormatError(`unknown record kind ${kind}`);
    const n = body.readUInt32BE(o + 10);
    if (o + RECORD_HEADER + n > body.length) throw new TapeFormatError('record payload cut short');
    out.push({
      kind: kind as RecordKind,
      at: body.readDoubleBE(o + 1),
      shard: body.readUInt8(o + 9),
      payload: body.subarray(o + RECORD_HEADER, o + RECORD_HEADER + n),
    });
    o += RECORD_HEADER + n;
  }
  if (out.length !== expected) throw new TapeFormatError('block record count does not match');
  return out;
}

/** The 20-byte header of a block whose compressed bytes are `compressed`. */
export function blockHeader(compressed: Buffer, rawLength: number, records: number): Buffer {
  const h = Buffer.allocUnsafe(BLOCK_HEADER);
  h.writeUInt32BE(BLOCK_MAGIC, 0);
  h.writeUInt32BE(compressed.length, 4);
  h.writeUInt32BE(rawLength, 8);
  h.writeUInt32BE(records, 12);
  h.writeUInt32BE(crc32(compressed), 16);
  return h;
}

/** A JSON record payload. */
export const jsonPayload = (v: unknown): Buffer => Buffer.from(JSON.stringify(v), 'utf8');
