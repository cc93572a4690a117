import { RecordKind } from './tape-format.js';
import type { MetricsService } from '../metrics/metrics.service.js';

/** The recorder's metrics (docs/tape.md). */
export function tapeMetrics(m: MetricsService) {
  return {
    records: m.counter('tape_records_total', 'Records appended to the tape, by kind', ['kind']),
    dropped: m.counter(
      'tape_frames_dropped_total',
      'Upstream frames the tape did not record (queue_full, disk_floor, io_error)',
      ['reason'],
    ),
    bytes: m.counter('tape_bytes_written_total', 'Compressed bytes the recorder wrote to disk'),
    errors: m.counter('tape_write_errors_total', 'I/O errors while writing the tape'),
    segments: m.counter('tape_segments_opened_total', 'Segment files the recorder opened'),
    deleted: m.counter('tape_days_deleted_total', 'Day folders deleted (retention, max_bytes)', ['reason']),
    recording: m.gauge('tape_recording', '1 while a segment is being written'),
    paused: m.gauge(
      'tape_paused',
      '1 while recording is paused because the disk is below RECORD_MIN_FREE_BYTES',
    ),
    free: m.gauge('tape_disk_free_bytes', 'Free bytes on the disk holding RECORD_DIR (last check)'),
  };
}
export type TapeMetrics = ReturnType<typeof tapeMetrics>;

/** Metric label of each record kind. */
export const KIND_NAMES: Record<RecordKind, string> = {
  [RecordKind.frame]: 'frame',
  [RecordKind.text]: 'text',
  [RecordKind.connect]: 'connect',
  [RecordKind.disconnect]: 'disconnect',
  [RecordKind.subscription]: 'subscription',
  [RecordKind.lease]: 'lease',
  [RecordKind.gap]: 'gap',
};
