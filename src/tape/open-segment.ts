import { join } from 'node:path';
import { SegmentWriter } from './segment-writer.js';
import { RecordKind, TAPE_VERSION, jsonPayload } from './tape-format.js';
import { segmentFileName } from './tape-files.js';
import { KIND_NAMES, type TapeMetrics } from './tape.metrics.js';

/** The segment being written: one day and tenure, its writer, and the bytes already counted in the metric. */
export class OpenSegment {
  private reported = 0;
  readonly writer: SegmentWriter;

  constructor(
    dayDir: string,
    readonly day: string,
    readonly node: string,
    readonly fencing: number | null,
    at: number,
    private readonly m: TapeMetrics,
    onError: (err: unknown) => void,
  ) {
    const path = join(dayDir, segmentFileName(node, fencing, at));
    const header = { format: 'kite-relay tape' as const, version: TAPE_VERSION, day, node, fencing };
    this.writer = new SegmentWriter(path, { ...header, started_at: at, codec: 'zstd' }, onError);
    m.segments.inc();
  }

  get path(): string {
    return this.writer.path;
  }

  append(kind: RecordKind, at: number, shard: number, payload: Buffer): void {
    this.writer.append({ kind, at, shard, payload });
    this.m.records.inc({ kind: KIND_NAMES[kind] });
  }

  async flush(): Promise<void> {
    await this.writer.flush();
    this.count();
  }

  async close(): Promise<void> {
    await this.writer.close();
    this.count();
  }

  private count(): void {
    this.m.bytes.inc(this.writer.written - this.reported);
    this.reported = this.writer.written;
  }
}

/** Frames that could not be recorded since `from`: written as one gap record before the next record. */
export class GapTracker {
  private gap?: { from: number; reason: string; dropped: number };

  dropped(at: number, reason: string): void {
    this.gap ??= { from: at, reason, dropped: 0 };
    this.gap.dropped++;
  }

  /** Appends the pending gap record, if any, ending at `at`. */
  close(seg: OpenSegment, at: number): void {
    const g = this.gap;
    if (!g) return;
    this.gap = undefined;
    seg.append(RecordKind.gap, at, 0, jsonPayload({ ...g, to: at }));
  }
}
