import type { Tick } from '../kite/tick.js';
import { completedSessionMinutes, fromSteps, synthesizeDay, walkStep, type DayStart } from './day-walk.js';
import { MinuteTape, type Candle } from './minute-tape.js';
import { istDay, istMinute, MINUTES_PER_DAY, minuteStartMs, SESSION_OPEN_MINUTE } from './sim-time.js';
import type { Instrument } from './universe.js';
import { prng } from './universe.js';

/** An instrument's day; prices (open, high, low, close, last) are in whole tick steps. */
interface State extends DayStart {
  inst: Instrument;
  index: boolean;
  day: number;
  synthMinutes: number;
  /** First IST minute a live trade may be recorded in: 09:15, or the one after the synthesized minutes. */
  liveFrom: number;
  traded: boolean;
  /** Live candles, created on the first live trade (most quoted instruments never stream). */
  tape?: MinuteTape;
  lastTradeSec: number;
  lastStepMs: number;
}

/**
 * A random walk on each instrument's tick size. Volume only grows, high/low bracket every price,
 * the average price is the volume-weighted mean of the walk, and depth sits around the last price.
 * Each walk starts on first touch in an IST day with that day's synthesized minutes from 09:15
 * (day-walk.ts), then records every live trade in one-minute candles, so history and stream join.
 */
export class MarketModel {
  private readonly instruments: ReadonlyMap<number, Instrument>;
  private readonly states = new Map<number, State>();
  private readonly rnd = prng(7);

  constructor(instruments: readonly Instrument[] | ReadonlyMap<number, Instrument>) {
    this.instruments =
      instruments instanceof Map
        ? (instruments as ReadonlyMap<number, Instrument>)
        : new Map((instruments as readonly Instrument[]).map((i) => [i.instrument_token, i]));
  }

  has(token: number): boolean {
    return this.instruments.has(token);
  }

  instrument(token: number): Instrument | undefined {
    return this.instruments.get(token);
  }

  /** Moves one instrument by a trade and returns its full tick at `nowMs`. */
  step(token: number, nowMs: number): Tick | undefined {
    const s = this.touch(token, nowMs);
    if (!s) return undefined;
    s.last = walkStep(s.last, this.rnd);
    if (!s.traded) {
      // The day's first trade is its open, as the first candle's open.
      s.open = s.high = s.low = s.last;
      s.traded = true;
    }
    s.high = Math.max(s.high, s.last);
    s.low = Math.min(s.low, s.last);
    if (!s.index) {
      s.lastQty = 1 + Math.floor(this.rnd() * 200);
      s.volume += s.lastQty;
      s.turnover += s.lastQty * s.last;
      s.buyQty = Math.max(0, s.buyQty + Math.floor((this.rnd() - 0.5) * 2000));
      s.sellQty = Math.max(0, s.sellQty + Math.floor((this.rnd() - 0.5) * 2000));
      if (s.oi > 0) {
        s.oi = Math.max(1, s.oi + Math.floor((this.rnd() - 0.5) * 100));
        s.oiHigh = Math.max(s.oiHigh, s.oi);
        s.oiLow = Math.min(s.oiLow, s.oi);
      }
    }
    s.tape ??= new MinuteTape();
    // Trades before 09:15 land in the 09:15 candle (as pre-open auction trades do); a clock moved back records in order.
    const minute = Math.max(istMinute(nowMs), s.liveFrom, s.tape.lastMinute ?? 0);
    s.tape.record(minute, s.last, s.index ? 0 : s.lastQty, s.oi);
    s.lastTradeSec = Math.floor(nowMs / 1000);
    s.lastStepMs = nowMs;
    return this.tick(s, nowMs);
  }

  /**
   * The tick a quote request sees at `nowMs`: an instrument that nobody streams still trades,
   * so one that has not moved for `quietMs` takes a step first (the stream and the REST API
   * always show the same walk).
   */
  quoteAt(token: number, nowMs: number, quietMs = 250): Tick | undefined {
    const s = this.touch(token, nowMs);
    if (!s) return undefined;
    return nowMs - s.lastStepMs >= quietMs ? this.step(token, nowMs) : this.tick(s, nowMs);
  }

  /**
   * The completed one-minute candles (before the minute of `nowMs`) of today's walk whose start
   * lies in [fromMs, toMs]; undefined for an unknown instrument.
   */
  candles(token: number, nowMs: number, fromMs: number, toMs: number): Candle[] | undefined {
    const s = this.touch(token, nowMs);
    if (!s) return undefined;
    const current = istMinute(nowMs);
    const out: Candle[] = [];
    const keep = (c: Candle) => {
      const start = minuteStartMs(c.minute);
      if (c.minute < current && start >= fromMs && start <= toMs) out.push(c);
    };
    const dayStart = minuteStartMs(s.day * MINUTES_PER_DAY);
    const overlaps = fromMs < dayStart + MINUTES_PER_DAY * 60_000 && toMs >= dayStart;
    if (overlaps && s.synthMinutes > 0) synthesizeDay(s.inst, s.day, s.synthMinutes, keep);
    if (overlaps) s.tape?.forEach((steps) => fromSteps(s.inst, steps), keep);
    return out;
  }

  /** The instrument's state for the IST day of `nowMs`, synthesizing the day so far on first touch. */
  private touch(token: number, nowMs: number): State | undefined {
    const day = istDay(nowMs);
    const known = this.states.get(token);
    if (known && known.day === day) return known;
    const inst = this.instruments.get(token);
    if (!inst) return undefined;
    const synthMinutes = completedSessionMinutes(istMinute(nowMs) - day * MINUTES_PER_DAY);
    const start = synthesizeDay(inst, day, synthMinutes);
    const s: State = {
      ...start,
      inst,
      index: inst.segment === 'INDICES',
      day,
      synthMinutes,
      liveFrom: day * MINUTES_PER_DAY + SESSION_OPEN_MINUTE + synthMinutes,
      traded: synthMinutes > 0,
      lastTradeSec: start.lastMinute === undefined ? 0 : minuteStartMs(start.lastMinute) / 1000 + 59,
      lastStepMs: nowMs,
    };
    this.states.set(token, s);
    return s;
  }

  private tick(s: State, nowMs: number): Tick {
    const price = (steps: number) => fromSteps(s.inst, steps);
    const last = price(s.last);
    const close = price(s.close);
    const change = last - close;
    const base: Tick = {
      mode: 'full',
      tradable: !s.index,
      instrument_token: s.inst.instrument_token,
      last_price: last,
      ohlc: { open: price(s.open), high: price(s.high), low: price(s.low), close },
      change,
      change_percent: close === 0 ? 0 : (change * 100) / close,
      timestamp: new Date(Math.floor(nowMs / 1000) * 1000).toISOString(),
    };
    if (s.index) return base;
    const t = s.inst.tick_size;
    const avg = s.volume ? price(Math.round(s.turnover / s.volume)) : last;
    return {
      ...base,
      last_quantity: s.lastQty,
      average_price: avg,
      volume: s.volume,
      buy_quantity: s.buyQty,
      sell_quantity: s.sellQty,
      last_trade_time: s.lastTradeSec ? new Date(s.lastTradeSec * 1000).toISOString() : null,
      oi: s.oi,
      oi_day_high: s.oiHigh,
      oi_day_low: s.oiLow,
      depth: {
        buy: [0, 1, 2, 3, 4].map((i) => ({
          price: Number((last - (i + 1) * t).toFixed(4)),
          quantity: 10 + ((s.volume + i * 37) % 500),
          orders: 1 + ((s.volume + i) % 9),
        })),
        sell: [0, 1, 2, 3, 4].map((i) => ({
          price: Number((last + (i + 1) * t).toFixed(4)),
          quantity: 10 + ((s.volume + i * 53) % 500),
          orders: 1 + ((s.volume + 2 * i) % 9),
        })),
      },
    };
  }
}
