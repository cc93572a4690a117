// Candle building: CPU per tick, and the memory of a full day (375 one-minute candles) per
// instrument. Part of `npm run bench` (which runs node with --expose-gc for the memory figure).
import { CandleBuilder } from '../../src/candles/candle-builder.js';
import { MAX_CANDLES } from '../../src/candles/candle.js';

const OPEN = Date.parse('2026-12-01T09:15:00+05:30');

function settledMemory(): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc');
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

/** Bytes per instrument of a full day of candles, over `instruments` instruments. */
function memoryPerInstrument(instruments: number): number {
  const before = settledMemory();
  const sut = new CandleBuilder();
  for (let minute = 0; minute < MAX_CANDLES; minute++) {
    const at = OPEN + minute * 60_000 + 1000;
    for (let i = 0; i < instruments; i++) sut.onTick(1000 + i * 256, 100 + (minute % 7), minute * 10, at);
  }
  sut.takeChanges();
  const bytes = (settledMemory() - before) / instruments;
  if (sut.bytes() === 0) throw new Error('nothing was built');
  return Math.round(bytes);
}

/** Nanoseconds per tick over `ticks` ticks spread over `instruments` (a new minute every 120,000 ticks). */
function nsPerTick(ticks: number, instruments: number): number {
  const sut = new CandleBuilder();
  let at = OPEN;
  let price = 100;
  const run = (n: number) => {
    for (let i = 0; i < n; i++) {
      if (i % 2 === 0) at += 1;
      price += i & 1 ? 0.05 : -0.05;
      sut.onTick(1000 + (i % instruments) * 256, price, i, at);
    }
  };
  run(200_000); // warm up
  const start = process.hrtime.bigint();
  run(ticks);
  return Number(process.hrtime.bigint() - start) / ticks;
}

export function benchCandles(): { ns_per_tick: number; bytes_per_instrument: number } {
  return { ns_per_tick: nsPerTick(5_000_000, 500), bytes_per_instrument: memoryPerInstrument(2000) };
}
