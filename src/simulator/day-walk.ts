import type { Candle } from './minute-tape.js';
import { MINUTES_PER_DAY, SESSION_CLOSE_MINUTE, SESSION_OPEN_MINUTE } from './sim-time.js';
import type { Instrument } from './universe.js';
import { prng } from './universe.js';

/** Where an instrument's day stands after its synthesized minutes (prices in tick steps). */
export interface DayStart {
  close: number;
  open: number;
  high: number;
  low: number;
  last: number;
  volume: number;
  /** Sum of quantity × price in tick steps (the average price is turnover / volume steps). */
  turnover: number;
  lastQty: number;
  buyQty: number;
  sellQty: number;
  oi: number;
  oiHigh: number;
  oiLow: number;
  /** IST minute (sim-time.ts) of the last synthesized trade, or undefined when none. */
  lastMinute?: number;
}

export const SESSION_MINUTES = SESSION_CLOSE_MINUTE - SESSION_OPEN_MINUTE;

/** Whole tick steps of `price` on the instrument's grid (at least one step). */
export function toSteps(inst: Instrument, price: number): number {
  return Math.max(1, Math.round(price / inst.tick_size));
}

export function fromSteps(inst: Instrument, steps: number): number {
  return Number((steps * inst.tick_size).toFixed(4));
}

/** One trade of the walk: -3..+3 ticks, never below one tick. */
export function walkStep(steps: number, rnd: () => number): number {
  return Math.max(1, steps + Math.floor(rnd() * 7) - 3);
}

/** Minutes of the session that have completed by `minuteOfDay` (0 before 09:15, 375 after 15:30). */
export function completedSessionMinutes(minuteOfDay: number): number {
  return Math.min(SESSION_MINUTES, Math.max(0, minuteOfDay - SESSION_OPEN_MINUTE));
}

/**
 * The walk an instrument made on IST `day` from 09:15 for `minutes` minutes, as if the simulator
 * had been streaming it: deterministic in (token, day), so it can be replayed for a historical
 * request instead of stored. Each synthesized minute carries 3..10 trades; `onCandle` sees them.
 */
export function synthesizeDay(
  inst: Instrument,
  day: number,
  minutes: number,
  onCandle?: (c: Candle) => void,
): DayStart {
  const rnd = prng((Math.imul(inst.instrument_token, 0x9e3779b1) ^ Math.imul(day + 1, 0x85ebca6b)) >>> 0);
  for (let i = 0; i < 4; i++) rnd();
  const index = inst.segment === 'INDICES';
  const fut = inst.instrument_type === 'FUT';
  const close = toSteps(inst, inst.last_price);
  const gapOpen = toSteps(inst, inst.last_price * (1 + (rnd() - 0.5) * 0.01));
  const d: DayStart = {
    close,
    open: gapOpen,
    high: gapOpen,
    low: gapOpen,
    last: gapOpen,
    volume: 0,
    turnover: 0,
    lastQty: 0,
    buyQty: Math.floor(rnd() * 500000),
    sellQty: Math.floor(rnd() * 500000),
    oi: fut ? 100000 : 0,
    oiHigh: fut ? 100000 : 0,
    oiLow: fut ? 100000 : 0,
  };
  const price = (steps: number) => fromSteps(inst, steps);
  const first = day * MINUTES_PER_DAY + SESSION_OPEN_MINUTE;
  for (let m = 0; m < Math.min(minutes, SESSION_MINUTES); m++) {
    const trades = 3 + Math.floor(rnd() * 8);
    let open = 0;
    let high = 0;
    let low = Infinity;
    let volume = 0;
    for (let t = 0; t < trades; t++) {
      d.last = walkStep(d.last, rnd);
      if (t === 0) open = d.last;
      if (d.last > high) high = d.last;
      if (d.last < low) low = d.last;
      if (index) continue;
      d.lastQty = 1 + Math.floor(rnd() * 200);
      volume += d.lastQty;
      d.turnover += d.lastQty * d.last;
      if (fut) d.oi = Math.max(1, d.oi + Math.floor((rnd() - 0.5) * 100));
    }
    if (m === 0) d.open = d.high = d.low = open;
    d.high = Math.max(d.high, high);
    d.low = Math.min(d.low, low);
    d.volume += volume;
    d.oiHigh = Math.max(d.oiHigh, d.oi);
    d.oiLow = Math.min(d.oiLow, d.oi);
    d.lastMinute = first + m;
    onCandle?.({
      minute: first + m,
      open: price(open),
      high: price(high),
      low: price(low),
      close: price(d.last),
      volume,
      oi: d.oi,
    });
  }
  return d;
}
