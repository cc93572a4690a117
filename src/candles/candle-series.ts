import { MAX_CANDLES, type Candle } from './candle.js';

const FIELDS = 6; // t, o, h, l, c, v
const INITIAL = 32;

/**
 * One instrument's one-minute candles of the day, in time order, in one growable Float64Array
 * (48 bytes a candle) and bounded to MAX_CANDLES: the oldest goes when a new one would pass it.
 */
export class CandleSeries {
  data = new Float64Array(INITIAL * FIELDS);
  count = 0;
  /** Last cumulative day volume seen (NaN: no baseline yet). */
  cum = NaN;
  /** It left the upstream: its next tick starts over (baseline, completeness). */
  detached = false;
  /** Epoch ms from which the candles are complete. */
  completeFrom: number;
  /** Index of the first candle changed since the last `takeChanges` (count: none). */
  dirtyFrom = 0;
  /** Candle times dropped (bound, or replaced by a backfill) since the last `takeChanges`. */
  removed: number[] = [];

  constructor(completeFrom: number) {
    this.completeFrom = completeFrom;
  }

  get lastTime(): number {
    return this.count === 0 ? -Infinity : this.data[(this.count - 1) * FIELDS];
  }

  get firstTime(): number {
    return this.count === 0 ? Infinity : this.data[0];
  }

  /** Opens a candle at `t` with its first price and volume. */
  open(t: number, price: number, volume: number): void {
    if (this.count === MAX_CANDLES) {
      this.removed.push(this.data[0]);
      this.data.copyWithin(0, FIELDS, this.count * FIELDS);
      this.count--;
      this.dirtyFrom = Math.max(0, this.dirtyFrom - 1);
    } else if ((this.count + 1) * FIELDS > this.data.length) {
      const grown = new Float64Array(Math.min(MAX_CANDLES, (this.data.length / FIELDS) * 2) * FIELDS);
      grown.set(this.data);
      this.data = grown;
    }
    const i = this.count * FIELDS;
    const d = this.data;
    d[i] = t;
    d[i + 1] = d[i + 2] = d[i + 3] = d[i + 4] = price;
    d[i + 5] = volume;
    if (this.dirtyFrom > this.count) this.dirtyFrom = this.count;
    this.count++;
  }

  /** Adds a price and volume to the last candle. */
  update(price: number, volume: number): void {
    const i = (this.count - 1) * FIELDS;
    const d = this.data;
    if (price > d[i + 2]) d[i + 2] = price;
    if (price < d[i + 3]) d[i + 3] = price;
    d[i + 4] = price;
    d[i + 5] += volume;
    if (this.dirtyFrom > this.count - 1) this.dirtyFrom = this.count - 1;
  }

  at(index: number): Candle {
    const i = index * FIELDS;
    const d = this.data;
    return { t: d[i], o: d[i + 1], h: d[i + 2], l: d[i + 3], c: d[i + 4], v: d[i + 5] };
  }

  all(): Candle[] {
    return Array.from({ length: this.count }, (_, i) => this.at(i));
  }

  /** Replaces every candle (time order assumed), keeping the latest MAX_CANDLES. */
  replace(candles: readonly Candle[]): void {
    const keep = candles.slice(-MAX_CANDLES);
    const kept = new Set(keep.map((c) => c.t));
    for (let i = 0; i < this.count; i++) {
      if (!kept.has(this.data[i * FIELDS])) this.removed.push(this.data[i * FIELDS]);
    }
    this.data = new Float64Array(Math.max(INITIAL, keep.length) * FIELDS);
    this.count = 0;
    for (const c of keep) {
      const i = this.count++ * FIELDS;
      this.data.set([c.t, c.o, c.h, c.l, c.c, c.v], i);
    }
    this.dirtyFrom = 0;
  }

  /** The candles changed and the times removed since the last call. */
  takeChanges(): { upserts: Candle[]; removed: number[] } {
    const upserts: Candle[] = [];
    for (let i = this.dirtyFrom; i < this.count; i++) upserts.push(this.at(i));
    const removed = this.removed;
    this.removed = [];
    this.dirtyFrom = this.count;
    return { upserts, removed };
  }

  get dirty(): boolean {
    return this.dirtyFrom < this.count || this.removed.length > 0;
  }
}
