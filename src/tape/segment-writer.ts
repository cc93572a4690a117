import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { promisify } from 'node:util';
import { constants as z, zstdCompress } from 'node:zlib';
import {
  RECORD_HEADER,
  blockHeader,
  encodeHeader,
  encodeRecords,
  type SegmentHeader,
  type TapeRecord,
} from './tape-format.js';

const compress = promisify(zstdCompress);
/** A block is written once this much is pending, or at the latest at the next flush (every second). */
export const BLOCK_TARGET_BYTES = 512 * 1024;
const ZSTD_LEVEL = 3;

/**
 * One segment file, append-only. Records are collected in memory; `flush()` compresses them into
 * one block off the event loop (zlib's thread pool) and appends it. Writes run one after another;
 * the first I/O error is reported once and the writer stops (the recorder opens another or pauses).
 */
export class SegmentWriter {
  private pending: TapeRecord[] = [];
  private pendingBytes = 0;
  private inflightBytes = 0;
  private chain: Promise<void> = Promise.resolve();
  private fh?: FileHandle;
  private failed = false;
  /** Bytes on disk so far (header and whole blocks). */
  written = 0;

  constructor(
    readonly path: string,
    header: SegmentHeader,
    private readonly onError: (err: unknown) => void,
  ) {
    const head = encodeHeader(header);
    this.chain = this.run(async () => {
      await mkdir(dirname(path), { recursive: true });
      // 'wx': a segment is never reopened; a new tenure or restart writes a new file.
      this.fh = await open(path, 'wx', 0o640);
      await this.fh.write(head);
      this.written += head.length;
    });
  }

  /** Uncompressed bytes waiting in memory or being written. */
  get queuedBytes(): number {
    return this.pendingBytes + this.inflightBytes;
  }

  get ok(): boolean {
    return !this.failed;
  }

  append(r: TapeRecord): void {
    if (this.failed) return;
    this.pending.push(r);
    this.pendingBytes += RECORD_HEADER + r.payload.length;
    if (this.pendingBytes >= BLOCK_TARGET_BYTES) void this.flush();
  }

  /** Starts writing what is pending as one block; resolves when it is on disk (or failed). */
  flush(): Promise<void> {
    if (this.pending.length === 0 || this.failed) return this.chain;
    const records = this.pending;
    const bytes = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    this.inflightBytes += bytes;
    this.chain = this.run(async () => {
      const raw = encodeRecords(records);
      const body = await compress(raw, { params: { [z.ZSTD_c_compressionLevel]: ZSTD_LEVEL } });
      const head = blockHeader(body, raw.length, records.length);
      // One write per block, so a crash leaves whole blocks and at most one cut one at the end.
      await this.fh!.write(Buffer.concat([head, body]));
      this.written += head.length + body.length;
    }).finally(() => {
      this.inflightBytes -= bytes;
    });
    return this.chain;
  }

  async close(): Promise<void> {
    await this.flush();
    await this.chain;
    await this.fh?.close().catch(() => undefined);
    this.fh = undefined;
  }

  private run(step: () => Promise<void>): Promise<void> {
    return this.chain
      .then(() => (this.failed ? undefined : step()))
      .catch((err: unknown) => {
        if (this.failed) return;
        this.failed = true;
        this.pending = [];
        this.pendingBytes = 0;
        this.onError(err);
      });
  }
}
