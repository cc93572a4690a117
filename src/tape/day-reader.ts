import { readSegment, readHeader, emptyStats, type ReadStats } from './segment-reader.js';
import type { SegmentHeader, TapeRecord } from './tape-format.js';
import { segmentsOf } from './tape-files.js';

/** One segment of a day, read whole: its header, its records in file order, and what reading found. */
export interface SegmentRead {
  path: string;
  header: SegmentHeader;
  records: TapeRecord[];
  stats: ReadStats;
}

/** Every segment of `day` under `root`, in start order. A cut or corrupt tail is counted in each `stats`. */
export function readDay(root: string, day: string): SegmentRead[] {
  return segmentsOf(root, day).map((path) => {
    const stats = emptyStats();
    const header = readHeader(path);
    return { path, header, records: [...readSegment(path, stats)], stats };
  });
}

/**
 * A day's records segment after segment, read lazily block by block (a busy day does not fit in
 * memory): for the CLIs. `stats` collects what reading found over every segment.
 */
export function* streamDay(
  root: string,
  day: string,
  stats: ReadStats = emptyStats(),
): Generator<TapeRecord> {
  for (const path of segmentsOf(root, day)) yield* readSegment(path, stats);
}

/**
 * A day's records in receive order across segments. A frame recorded by two tenures (a holder
 * that had not yet learnt it lost the lease) is kept from the higher fencing number only.
 */
export function dayRecords(segments: readonly SegmentRead[]): TapeRecord[] {
  const all = segments.flatMap((s) => s.records.map((r) => ({ r, fencing: s.header.fencing ?? 0 })));
  all.sort((a, b) => a.r.at - b.r.at || a.fencing - b.fencing);
  return all.map((x) => x.r);
}
