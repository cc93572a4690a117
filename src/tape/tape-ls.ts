import { statSync } from 'node:fs';
import { framePackets } from '../kite/frame-packets.js';
import { streamDay } from './day-reader.js';
import { emptyStats } from './segment-reader.js';
import { RecordKind } from './tape-format.js';
import { daysIn, segmentsOf } from './tape-files.js';

/** One line of `npm run tape -- ls`. */
export interface DayListing {
  day: string;
  segments: number;
  bytes: number;
  frames: number;
  ticks: number;
  instruments: number;
  /** Gap records (frames dropped) plus upstream disconnects: times the tape is known to be incomplete. */
  gaps: number;
  first?: number;
  last?: number;
  /** Blocks skipped as corrupt and bytes of cut tails, over the day's segments. */
  damaged: { corruptBlocks: number; truncatedBytes: number };
}

/** Every day under `root`, oldest first, each read through once, block by block. */
export function listDays(root: string): DayListing[] {
  return daysIn(root).map((day) => {
    const segments = segmentsOf(root, day);
    const tokens = new Set<number>();
    const stats = emptyStats();
    const l: DayListing = {
      day,
      segments: segments.length,
      bytes: segments.reduce((n, path) => n + statSync(path).size, 0),
      frames: 0,
      ticks: 0,
      instruments: 0,
      gaps: 0,
      damaged: { corruptBlocks: 0, truncatedBytes: 0 },
    };
    for (const r of streamDay(root, day, stats)) {
      l.first = Math.min(l.first ?? r.at, r.at);
      l.last = Math.max(l.last ?? r.at, r.at);
      if (r.kind === RecordKind.gap || r.kind === RecordKind.disconnect) l.gaps++;
      if (r.kind !== RecordKind.frame) continue;
      l.frames++;
      for (const p of framePackets(r.payload)) {
        tokens.add(p.token);
        l.ticks++;
      }
    }
    l.instruments = tokens.size;
    l.damaged = { corruptBlocks: stats.corruptBlocks, truncatedBytes: stats.truncatedBytes };
    return l;
  });
}
