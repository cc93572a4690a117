import type { InstrumentInfo } from '../instruments/instrument.js';
import type { ReplayFrame, ReplayOptions } from '../simulator/replay-player.js';
import type { Instrument } from '../simulator/universe.js';
import { dayMaster } from './day-master.js';
import { readSegment } from './segment-reader.js';
import { RecordKind } from './tape-format.js';
import { segmentsOf } from './tape-files.js';

/** A recorded day as the simulator's replay mode takes it: its frames, its clock start and its master. */
export interface ReplaySource {
  open: ReplayOptions['open'];
  startsAt: number;
  segments: number;
  /** The day's instrument master as Kite's `/instruments` rows; undefined when the day has none. */
  universe?: Instrument[];
}

/**
 * The frames of `day` in time order, segment after segment (a segment starts when a tenure or a
 * restart does). A frame older than one already given (an old holder's last frames after its
 * successor started) is left out, so the replay never goes back in time. Read lazily, block by block.
 */
function* frames(root: string, day: string, from: number, to: number): Generator<ReplayFrame> {
  let last = -Infinity;
  for (const path of segmentsOf(root, day)) {
    for (const r of readSegment(path)) {
      if (r.kind !== RecordKind.frame || r.at < from || r.at >= to || r.at < last) continue;
      last = r.at;
      yield { at: r.at, data: Buffer.from(r.payload) };
    }
  }
}

/** A master row as Kite's `/instruments` serves it; a master stored before its other columns were kept gets the built-in defaults. */
const toInstrument = (r: InstrumentInfo): Instrument => ({
  instrument_token: r.instrument_token,
  exchange_token: r.exchange_token ?? r.instrument_token >> 8,
  tradingsymbol: r.tradingsymbol,
  name: r.name,
  last_price: r.last_price ?? 0,
  expiry: r.expiry ?? '',
  strike: r.strike ?? 0,
  tick_size: r.tick_size,
  lot_size: r.lot_size ?? 1,
  instrument_type: r.instrument_type,
  segment: r.segment,
  exchange: r.exchange,
});

/** Opens `day` under `root` for replay between `from` and `to` (epoch ms); throws when it holds no frame. */
export function openReplay(root: string, day: string, o: { from?: number; to?: number } = {}): ReplaySource {
  const from = o.from ?? -Infinity;
  const to = o.to ?? Infinity;
  // Only up to the first frame: a whole day is not read before the replay starts.
  const probe = frames(root, day, from, to);
  const head = probe.next();
  probe.return(undefined); // closes the segment file it opened
  const first = head.done ? undefined : head.value.at;
  if (first === undefined) throw new Error(`no frames recorded on ${day} in ${root} in that time range`);
  const master = dayMaster(root, day);
  return {
    open: () => frames(root, day, from, to),
    startsAt: o.from ?? first,
    segments: segmentsOf(root, day).length,
    universe: master.length > 0 ? master.map(toInstrument) : undefined,
  };
}
