import type { Tick } from '../kite/tick.js';
import type { Instrument } from './universe.js';
import { prng } from './universe.js';

interface State {
  inst: Instrument;
  index: boolean;
  last: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  turnover: number;
  lastQty: number;
  buyQty: number;
  sellQty: number;
  oi: number;
  oiHigh: number;
  oiLow: number;
  lastTradeSec: number;
  lastStepMs: number;
}

/**
 * A random walk on each instrument's tick size. Volume only grows, high/low bracket every price,
 * the average price is the volume-weighted mean of the walk, and depth sits around the last price.
 */
export class MarketModel {
  private readonly states = new Map<number, State>();
  private readonly rnd = prng(7);

  constructor(instruments: readonly Instrument[]) {
    for (const inst of instruments) {
      const close = inst.last_price;
      const open = this.round(inst, close * (1 + (this.rnd() - 0.5) * 0.01));
      this.states.set(inst.instrument_token, {
        inst,
        index: inst.segment === 'INDICES',
        last: open,
        open,
        high: Math.max(open, close),
        low: Math.min(open, close),
        close,
        volume: 0,
        turnover: 0,
        lastQty: 0,
        buyQty: Math.floor(this.rnd() * 500000),
        sellQty: Math.floor(this.rnd() * 500000),
        oi: inst.instrument_type === 'FUT' ? 100000 : 0,
        oiHigh: inst.instrument_type === 'FUT' ? 100000 : 0,
        oiLow: inst.instrument_type === 'FUT' ? 100000 : 0,
        lastTradeSec: 0,
        lastStepMs: 0,
      });
    }
  }

  has(token: number): boolean {
    return this.states.has(token);
  }

  private round(inst: Instrument, price: number): number {
    const steps = Math.max(1, Math.round(price / inst.tick_size));
    return Number((steps * inst.tick_size).toFixed(4));
  }

  /** Moves one instrument by a trade and returns its full tick at `nowMs`. */
  step(token: number, nowMs: number): Tick | undefined {
    const s = this.states.get(token);
    if (!s) return undefined;
    const moves = Math.floor(this.rnd() * 7) - 3;
    s.last = this.round(s.inst, Math.max(s.inst.tick_size, s.last + moves * s.inst.tick_size));
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
    s.lastTradeSec = Math.floor(nowMs / 1000);
    s.lastStepMs = nowMs;
    return this.tick(s);
  }

  /**
   * The tick a quote request sees at `nowMs`: an instrument that nobody streams still trades,
   * so one that has not moved for `quietMs` takes a step first (the stream and the REST API
   * always show the same walk).
   */
  quoteAt(token: number, nowMs: number, quietMs = 250): Tick | undefined {
    const s = this.states.get(token);
    if (!s) return undefined;
    return nowMs - s.lastStepMs >= quietMs ? this.step(token, nowMs) : this.tick(s);
  }

  /** The current full tick of an instrument without moving it. */
  current(token: number): Tick | undefined {
    const s = this.states.get(token);
    return s && this.tick(s);
  }

  instrument(token: number): Instrument | undefined {
    return this.states.get(token)?.inst;
  }

  private tick(s: State): Tick {
    const t = s.inst.tick_size;
    const change = s.last - s.close;
    const base: Tick = {
      mode: 'full',
      tradable: !s.index,
      instrument_token: s.inst.instrument_token,
      last_price: s.last,
      ohlc: { open: s.open, high: s.high, low: s.low, close: s.close },
      change,
      change_percent: s.close === 0 ? 0 : (change * 100) / s.close,
      timestamp: s.lastTradeSec ? new Date(s.lastTradeSec * 1000).toISOString() : null,
    };
    if (s.index) return base;
    const avg = s.volume ? this.round(s.inst, s.turnover / s.volume) : s.last;
    return {
      ...base,
      last_quantity: s.lastQty,
      average_price: avg,
      volume: s.volume,
      buy_quantity: s.buyQty,
      sell_quantity: s.sellQty,
      last_trade_time: base.timestamp,
      oi: s.oi,
      oi_day_high: s.oiHigh,
      oi_day_low: s.oiLow,
      depth: {
        buy: [0, 1, 2, 3, 4].map((i) => ({
          price: Number((s.last - (i + 1) * t).toFixed(4)),
          quantity: 10 + ((s.volume + i * 37) % 500),
          orders: 1 + ((s.volume + i) % 9),
        })),
        sell: [0, 1, 2, 3, 4].map((i) => ({
          price: Number((s.last + (i + 1) * t).toFixed(4)),
          quantity: 10 + ((s.volume + i * 53) % 500),
          orders: 1 + ((s.volume + 2 * i) % 9),
        })),
      },
    };
  }
}
