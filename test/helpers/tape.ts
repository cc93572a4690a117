import type { Socket } from 'socket.io-client';
import { decodeFrame } from '../../src/kite/decode-frame.js';
import type { Tick } from '../../src/kite/tick.js';
import { RecordKind, type TapeRecord } from '../../src/tape/tape-format.js';

/** What a user compares between two runs: token, price, volume, exchange time. */
export const tickKey = (t: Tick) =>
  `${t.instrument_token}:${t.last_price}:${t.volume ?? ''}:${t.timestamp ?? ''}`;

/** The ticks of the frame records, decoded, in record order. */
export function tapeTicks(records: readonly TapeRecord[]): Tick[] {
  return records.filter((r) => r.kind === RecordKind.frame).flatMap((r) => decodeFrame(r.payload).ticks);
}

/** Every tick a client receives, with the real time it arrived. */
export function collectTicks(s: Socket): { tick: Tick; at: number }[] {
  const got: { tick: Tick; at: number }[] = [];
  s.on('ticks', (ticks: Tick[]) => got.push(...ticks.map((tick) => ({ tick, at: Date.now() }))));
  return got;
}

/** Per instrument, the sequence of tick keys. */
export function byToken(ticks: readonly Tick[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const t of ticks) {
    const list = out.get(t.instrument_token) ?? [];
    list.push(tickKey(t));
    out.set(t.instrument_token, list);
  }
  return out;
}

/** Whether `part` occurs in `whole` as one contiguous run. */
export function containsRun(whole: readonly string[], part: readonly string[]): boolean {
  if (part.length === 0) return true;
  const sep = '\u0000';
  return `${sep}${whole.join(sep)}${sep}`.includes(`${sep}${part.join(sep)}${sep}`);
}
