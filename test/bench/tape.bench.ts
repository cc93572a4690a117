import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeFrame } from '../../src/kite/encode-frame.js';
import { framePackets } from '../../src/kite/frame-packets.js';
import type { TickMode } from '../../src/kite/kite.constants.js';
import { MarketModel } from '../../src/simulator/market-model.js';
import { ReplayPlayer, type ReplayFrame } from '../../src/simulator/replay-player.js';
import { buildUniverse } from '../../src/simulator/universe.js';
import { SegmentWriter } from '../../src/tape/segment-writer.js';
import { RecordKind, TAPE_VERSION } from '../../src/tape/tape-format.js';

export interface TapeResult {
  /** Bytes on disk per instrument for a 6 h 30 min session at one tick a second (extrapolated from the sample). */
  bytes_per_instrument_day: number;
  /** The same ticks as Kite sent them, without the tape (the frames' bytes). */
  raw_bytes_per_instrument_day: number;
  ratio: number;
  /** Main-thread CPU to append one frame (µs), and the whole cost including compression on the pool. */
  append_us_per_frame: number;
  total_us_per_frame: number;
}

const SESSION_S = 6.5 * 3600;

/**
 * A sample of `seconds` of `instruments` instruments ticking once a second each (the MySQL recorder's
 * rate), in `mode`, one frame per second holding every instrument, written through SegmentWriter;
 * bytes and CPU extrapolated to a whole session.
 */
export async function benchTapeBytes(mode: TickMode, instruments = 100, seconds = 600): Promise<TapeResult> {
  const universe = buildUniverse()
    .filter((i) => i.segment === 'NSE')
    .slice(0, instruments);
  const model = new MarketModel(universe);
  const dir = mkdtempSync(join(tmpdir(), 'kr-bench-tape-'));
  const path = join(dir, 'bench.ktape');
  const t0 = Date.parse('2026-12-01T09:15:00+05:30');
  const header = {
    format: 'kite-relay tape' as const,
    version: TAPE_VERSION,
    day: '2026-12-01',
    node: 'bench',
  };
  const w = new SegmentWriter(path, { ...header, fencing: 1, started_at: t0, codec: 'zstd' }, (e) => {
    throw e;
  });
  const frames: Buffer[] = [];
  for (let s = 0; s < seconds; s++) {
    const at = t0 + s * 1000;
    frames.push(encodeFrame(universe.map((i) => ({ tick: model.step(i.instrument_token, at)!, mode }))));
  }
  const raw = frames.reduce((n, f) => n + f.length, 0);
  const cpu0 = process.cpuUsage();
  let appendUs = 0;
  for (let s = 0; s < frames.length; s++) {
    const a = performance.now();
    w.append({ kind: RecordKind.frame, at: t0 + s * 1000, shard: 0, payload: frames[s] });
    appendUs += (performance.now() - a) * 1000;
    if (s % 60 === 59) await w.flush();
  }
  await w.close();
  const cpu = process.cpuUsage(cpu0);
  const onDisk = statSync(path).size;
  rmSync(dir, { recursive: true, force: true });
  const scale = SESSION_S / seconds / instruments;
  return {
    bytes_per_instrument_day: Math.round(onDisk * scale),
    raw_bytes_per_instrument_day: Math.round(raw * scale),
    ratio: raw / onDisk,
    append_us_per_frame: appendUs / frames.length,
    total_us_per_frame: (cpu.user + cpu.system) / frames.length,
  };
}

/** Frames per second the replay hands out and cuts for one connection (half its instruments, in quote) at maximum speed. */
export function benchReplay(frames = 20_000): { frames_per_s: number } {
  const universe = buildUniverse()
    .filter((i) => i.segment === 'NSE')
    .slice(0, 50);
  const model = new MarketModel(universe);
  const t0 = Date.parse('2026-12-01T09:15:00+05:30');
  const tape: ReplayFrame[] = Array.from({ length: 1000 }, (_, s) => ({
    at: t0 + s,
    data: encodeFrame(universe.map((i) => ({ tick: model.step(i.instrument_token, t0 + s)!, mode: 'full' }))),
  }));
  const modes = new Map<number, TickMode>(universe.slice(0, 25).map((i) => [i.instrument_token, 'quote']));
  let played = 0;
  const a = performance.now();
  while (played < frames) {
    const player = new ReplayPlayer({ open: () => tape.values(), startsAt: t0, speed: 1e9, startNow: true });
    for (const f of player.due()) {
      ReplayPlayer.slice(f, framePackets(f), modes);
      played++;
    }
  }
  return { frames_per_s: Math.round(played / ((performance.now() - a) / 1000)) };
}
