// Measures the candle builder (not a test, not part of `npm run bench`): memory per instrument of
// a full day (375 one-minute candles) and CPU per tick. Run after `tsc -p tsconfig.json`:
//   node --expose-gc .build/test/bench/candles.measure.js
import { CandleBuilder } from '../../src/candles/candle-builder.js';
import { MAX_CANDLES } from '../../src/candles/candle.js';

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');
const OPEN = Date.parse('2026-12-01T09:15:00+05:30');

function memory(): { heap: number; buffers: number } {
  gc!();
  gc!();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, buffers: m.arrayBuffers };
}

function memoryPerInstrument(instruments: number): void {
  const before = memory();
  const sut = new CandleBuilder();
  for (let minute = 0; minute < MAX_CANDLES; minute++) {
    const at = OPEN + minute * 60_000 + 1000;
    for (let i = 0; i < instruments; i++) sut.onTick(1000 + i * 256, 100 + (minute % 7), minute * 10, at);
  }
  sut.takeChanges();
  const after = memory();
  const heap = (after.heap - before.heap) / instruments;
  const buffers = (after.buffers - before.buffers) / instruments;
  console.log(
    `memory per instrument (${instruments} instruments × ${MAX_CANDLES} candles): ` +
      `${Math.round(heap + buffers)} bytes (${Math.round(buffers)} candle array + ${Math.round(heap)} heap); ` +
      `candle arrays ${sut.bytes() / instruments} bytes`,
  );
}

function cpuPerTick(ticks: number, instruments: number): void {
  const sut = new CandleBuilder();
  let at = OPEN;
  let price = 100;
  const run = (n: number) => {
    for (let i = 0; i < n; i++) {
      // 2,000 ticks a second across the instruments; a new minute every 120,000 ticks.
      if (i % 2 === 0) at += 1;
      price += i & 1 ? 0.05 : -0.05;
      sut.onTick(1000 + (i % instruments) * 256, price, i, at);
    }
  };
  run(200_000); // warm up
  const start = process.hrtime.bigint();
  run(ticks);
  const ns = Number(process.hrtime.bigint() - start);
  console.log(
    `cpu per tick (${(ticks / 1e6).toFixed(1)} M ticks over ${instruments} instruments): ${(ns / ticks).toFixed(1)} ns`,
  );
}

memoryPerInstrument(2000);
cpuPerTick(5_000_000, 500);
cpuPerTick(5_000_000, 5000);
