/** One-minute OHLCV candle; `minute` counts IST minutes since the epoch (see sim-time.ts). */
export interface Candle {
  minute: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
  oi: number;
}

const STRIDE = 7;

/**
 * The one-minute candles of one instrument's walk, prices kept in whole tick steps so that a
 * full day of 9,000 streamed instruments fits in a few tens of megabytes.
 */
export class MinuteTape {
  private data = new Int32Array(STRIDE * 8);
  private count = 0;

  get length(): number {
    return this.count;
  }

  get lastMinute(): number | undefined {
    return this.count === 0 ? undefined : this.data[(this.count - 1) * STRIDE];
  }

  /** Adds a trade of `qty` at `steps` ticks in `minute`, opening a new candle when the minute changes. */
  record(minute: number, steps: number, qty: number, oi: number): void {
    const d = this.data;
    let o = (this.count - 1) * STRIDE;
    if (this.count === 0 || d[o] !== minute) {
      if ((this.count + 1) * STRIDE > d.length) this.grow();
      o = this.count++ * STRIDE;
      const n = this.data;
      n[o] = minute;
      n[o + 1] = n[o + 2] = n[o + 3] = n[o + 4] = steps;
      n[o + 5] = qty;
      n[o + 6] = oi;
      return;
    }
    if (steps > d[o + 2]) d[o + 2] = steps;
    if (steps < d[o + 3]) d[o + 3] = steps;
    d[o + 4] = steps;
    d[o + 5] += qty;
    d[o + 6] = oi;
  }

  /** Calls `fn` for every candle in order, prices converted back with `price(steps)`. */
  forEach(price: (steps: number) => number, fn: (c: Candle) => void): void {
    const d = this.data;
    for (let i = 0; i < this.count; i++) {
      const o = i * STRIDE;
      fn({
        minute: d[o],
        open: price(d[o + 1]),
        high: price(d[o + 2]),
        low: price(d[o + 3]),
        close: price(d[o + 4]),
        volume: d[o + 5],
        oi: d[o + 6],
      });
    }
  }

  private grow(): void {
    const next = new Int32Array(this.data.length * 2);
    next.set(this.data);
    this.data = next;
  }
}
