import { basename } from 'node:path';
import type { OpenSegment } from './open-segment.js';

export type TapeState = 'off' | 'waiting' | 'recording' | 'paused' | 'error';

export interface TapeStatusInput {
  enabled: boolean;
  /** Below the free-disk floor. */
  paused: boolean;
  open: OpenSegment | undefined;
  /** The last write error, and until when the recorder waits before it tries again (epoch ms). */
  lastError: string | undefined;
  retryAt: number;
  /** The housekeeping's last error (retention, the free-disk check). */
  upkeepError: string | undefined;
  framesRecorded: number;
  framesDropped: number;
  now: number;
}

/** What /health shows of the recorder: `{state, day?, segment?, frames_recorded, frames_dropped, queued_bytes, last_error?, warning?}`. */
export function tapeStatus(s: TapeStatusInput) {
  const state: TapeState = !s.enabled
    ? 'off'
    : s.paused
      ? 'paused'
      : s.lastError && s.retryAt > s.now
        ? 'error'
        : s.open
          ? 'recording'
          : 'waiting';
  const lastError = s.lastError ?? s.upkeepError;
  return {
    state,
    ...(s.open ? { day: s.open.day, segment: basename(s.open.path) } : {}),
    frames_recorded: s.framesRecorded,
    frames_dropped: s.framesDropped,
    queued_bytes: s.open?.writer.queuedBytes ?? 0,
    ...(lastError ? { last_error: lastError } : {}),
    ...(s.paused ? { warning: `free disk below RECORD_MIN_FREE_BYTES: recording paused` } : {}),
  };
}
