import type { CandleBackend, SeriesChange, StoredSeries } from '../contracts/candle-store.contract.js';

/** Keeps the candles in this process only (no REDIS_URL): a restart starts empty. */
export class MemoryCandleStore implements CandleBackend {
  private days = new Map<string, Map<number, StoredSeries>>();

  async save(day: string, changes: readonly SeriesChange[]): Promise<void> {
    // Only the current session is kept.
    if (!this.days.has(day)) this.days = new Map([[day, new Map<number, StoredSeries>()]]);
    const series = this.days.get(day)!;
    for (const c of changes) {
      const s = series.get(c.token) ?? { token: c.token, candles: [], completeFrom: c.completeFrom };
      const byTime = new Map(s.candles.map((x) => [x.t, x]));
      for (const t of c.removed) byTime.delete(t);
      for (const x of c.upserts) byTime.set(x.t, { ...x });
      series.set(c.token, {
        token: c.token,
        candles: [...byTime.values()].sort((a, b) => a.t - b.t),
        cum: c.cum,
        completeFrom: c.completeFrom,
      });
    }
  }

  async load(day: string): Promise<StoredSeries[]> {
    return [...(this.days.get(day)?.values() ?? [])].map((s) => ({
      ...s,
      candles: s.candles.map((c) => ({ ...c })),
    }));
  }
}
