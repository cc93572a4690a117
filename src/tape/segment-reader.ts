import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { crc32, zstdDecompressSync } from 'node:zlib';
import {
  BLOCK_HEADER,
  BLOCK_MAGIC,
  HEADER_FIXED,
  MAX_BLOCK_BYTES,
  MAX_HEADER_JSON,
  decodeHeader,
  decodeRecords,
  type SegmentHeader,
  type TapeRecord,
} from './tape-format.js';

/** What reading a segment found besides its records. */
export interface ReadStats {
  blocks: number;
  records: number;
  /** Blocks skipped: wrong CRC, undecompressable, or records that do not parse. */
  corruptBlocks: number;
  /** Bytes at the end that do not make a whole block (a crash mid-write), or past an unreadable block header. */
  truncatedBytes: number;
}

export const emptyStats = (): ReadStats => ({ blocks: 0, records: 0, corruptBlocks: 0, truncatedBytes: 0 });

/** Reads a segment's header; throws TapeFormatError (foreign file, newer version) or an I/O error. */
export function readHeader(path: string): SegmentHeader {
  const fd = openSync(path, 'r');
  try {
    return headerOf(fd).header;
  } finally {
    closeSync(fd);
  }
}

function headerOf(fd: number): { header: SegmentHeader; length: number } {
  const fixed = Buffer.alloc(HEADER_FIXED);
  const n = readSync(fd, fixed, 0, HEADER_FIXED, 0);
  const jsonLength = n === HEADER_FIXED ? Math.min(fixed.readUInt32BE(8), MAX_HEADER_JSON + 1) : 0;
  const buf = Buffer.alloc(HEADER_FIXED + jsonLength);
  readSync(fd, buf, 0, buf.length, 0);
  return decodeHeader(buf);
}

/**
 * Every whole block's records, in file order. A corrupt block is skipped; a cut tail ends the read.
 * Neither throws: both are counted in `stats`. A foreign or newer file throws TapeFormatError.
 */
export function* readSegment(path: string, stats: ReadStats = emptyStats()): Generator<TapeRecord> {
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    let pos = headerOf(fd).length;
    const head = Buffer.alloc(BLOCK_HEADER);
    while (pos < size) {
      if (size - pos < BLOCK_HEADER || readSync(fd, head, 0, BLOCK_HEADER, pos) < BLOCK_HEADER) break;
      const compressedLength = head.readUInt32BE(4);
      if (head.readUInt32BE(0) !== BLOCK_MAGIC || compressedLength > MAX_BLOCK_BYTES) break;
      if (pos + BLOCK_HEADER + compressedLength > size) break;
      const body = Buffer.alloc(compressedLength);
      readSync(fd, body, 0, compressedLength, pos + BLOCK_HEADER);
      pos += BLOCK_HEADER + compressedLength;
      const records = decodeBlock(head, body);
      if (!records) {
        stats.corruptBlocks++;
        continue;
      }
      stats.blocks++;
      stats.records += records.length;
      yield* records;
    }
    stats.truncatedBytes += size - pos;
  } finally {
    closeSync(fd);
  }
}

function decodeBlock(head: Buffer, body: Buffer): TapeRecord[] | undefined {
  if (crc32(body) !== head.readUInt32BE(16)) return undefined;
  const rawLength = head.readUInt32BE(8);
  if (rawLength > MAX_BLOCK_BYTES) return undefined;
  try {
    const raw = zstdDecompressSync(body, { maxOutputLength: rawLength + 1 });
    if (raw.length !== rawLength) return undefined;
    return decodeRecords(raw, head.readUInt32BE(12));
  } catch {
    // A zstd error or a TapeFormatError: either way this block's contents are not trustworthy.
    return undefined;
  }
}
