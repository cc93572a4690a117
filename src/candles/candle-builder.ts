import type { SeriesChange, StoredSeries } from '../contracts/candle-store.contract.js';
import { bucketStart, MINUTE_MS, type Candle } from './candle.js';
import { CandleSeries } from './candle-series.js';

/**
 * Builds one-minute OHLCV candles per instrument from ticks, by receipt time. Pure: no clock, no I/O.
 * Volume is the change of Kite's cumulative day volume within the minute; the first tick of an
 * instrument sets the baseline, and ticks without volume (indices, ltp mode) add none. A minute
 * without ticks gets no candle.
 */
export class CandleBuilder {
  private readonly series = new Map<number, CandleSeries>();

  /** Adds a tick received at `at` (epoch ms). */
  onTick(token: number, price: number, volume: number | undefined, at: number): void {
    if (!Number.isFinite(price)) return;
    const minute = bucketStart(at, MINUTE_MS);
    let s = this.series.get(token);
    if (!s) {
      // Joined mid-minute: this minute is partial, the next one is the first complete.
      s = new CandleSeries(minute + MINUTE_MS);
      this.series.set(token, s);
    }
    if (s.detached) {
      s.detached = false;
      if (minute >= s.completeFrom) s.completeFrom = minute + MINUTE_MS;
    }
    let dv = 0;
    if (volume !== undefined && Number.isFinite(volume)) {
      // A falling cumulative volume (a new day's count, a correction) rebases without a negative bar.
      if (!Number.isNaN(s.cum) && volume > s.cum) dv = volume - s.cum;
      s.cum = volume;
    }
    // A clock stepping back lands in the last candle rather than reordering the series.
    if (minute > s.lastTime) s.open(minute, price, dv);
    else s.update(price, dv);
  }

  /**
   * The instrument stopped streaming: whatever happens until its next tick is unknown, so that tick
   * sets a new volume baseline and the candles are complete only from the minute after it.
   */
  detach(token: number): void {
    const s = this.series.get(token);
    if (!s) return;
    s.cum = NaN;
    s.detached = true;
  }

  /** Drops everything: a new session begins. */
  reset(): void {
    this.series.clear();
  }

  tokens(): IterableIterator<number> {
    return this.series.keys();
  }

  has(token: number): boolean {
    return this.series.has(token);
  }

  candles(token: number): Candle[] {
    return this.series.get(token)?.all() ?? [];
  }

  completeFrom(token: number): number | undefined {
    return this.series.get(token)?.completeFrom;
  }

  /** Takes the stored state of an instrument this builder has not seen yet; false when it has. */
  restore(stored: StoredSeries): boolean {
    if (this.series.has(stored.token)) return false;
    const s = new CandleSeries(stored.completeFrom);
    s.replace([...stored.candles].sort((a, b) => a.t - b.t));
    s.cum = stored.cum ?? NaN;
    s.takeChanges();
    this.series.set(stored.token, s);
    return true;
  }

  /**
   * Merges candles fetched from Kite for the minutes before the instrument's `completeFrom`: each
   * replaces the candle built for its minute (partial); candles from `completeFrom` on stay as built.
   */
  backfill(token: number, fetched: readonly Candle[], completeFrom: number): void {
    let s = this.series.get(token);
    if (!s) {
      // Nothing built yet (streamed, no tick so far): every fetched minute is taken.
      s = new CandleSeries(Infinity);
      this.series.set(token, s);
    }
    const until = s.completeFrom;
    const before = fetched.filter((c) => c.t < until);
    const replaced = new Set(before.map((c) => c.t));
    const kept = s.all().filter((c) => c.t >= until || !replaced.has(c.t));
    s.replace([...before, ...kept].sort((a, b) => a.t - b.t));
    s.completeFrom = Math.min(until, completeFrom);
  }

  /** The changes of every instrument since the last call (what the store must write). */
  takeChanges(): SeriesChange[] {
    const out: SeriesChange[] = [];
    for (const [token, s] of this.series) {
      if (!s.dirty) continue;
      const { upserts, removed } = s.takeChanges();
      out.push({
        token,
        upserts,
        removed,
        cum: Number.isNaN(s.cum) ? undefined : s.cum,
        completeFrom: s.completeFrom,
      });
    }
    return out;
  }

  /** Bytes held by the candle arrays (for the memory figure). */
  bytes(): number {
    let n = 0;
    for (const s of this.series.values()) n += s.data.byteLength;
    return n;
  }
}
