import { decodeFrame } from '../../src/kite/decode-frame.js';
import { encodeFrame } from '../../src/kite/encode-frame.js';
import type { TickMode } from '../../src/kite/kite.constants.js';
import { MarketModel } from '../../src/simulator/market-model.js';
import { buildUniverse } from '../../src/simulator/universe.js';
import { KiteTicker } from '../helpers/kite-ticker.js';

export interface DecodeResult {
  packets_per_s: number;
  reference_packets_per_s: number;
  ratio: number;
}

/** Packets per second of our decoder and of KiteTicker.parseBinary on frames of 100 packets. */
export function benchDecode(mode: TickMode, seconds: number): DecodeResult {
  const universe = buildUniverse().filter((i) => i.segment === 'NSE');
  const model = new MarketModel(universe);
  const frame = encodeFrame(
    universe.slice(0, 100).map((i) => ({ tick: model.step(i.instrument_token, Date.now())!, mode })),
  );
  const ab = frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength);
  const ticker = new KiteTicker({ api_key: 'bench', access_token: 'bench' });
  const rate = (fn: () => number) => {
    let packets = 0;
    for (let i = 0; i < 200; i++) fn(); // warm-up
    const end = performance.now() + seconds * 1000;
    const t0 = performance.now();
    while (performance.now() < end) for (let i = 0; i < 50; i++) packets += fn();
    return packets / ((performance.now() - t0) / 1000);
  };
  const ours = rate(() => decodeFrame(frame).ticks.length);
  const ref = rate(() => ticker.parseBinary(ab).length);
  return { packets_per_s: Math.round(ours), reference_packets_per_s: Math.round(ref), ratio: ours / ref };
}
