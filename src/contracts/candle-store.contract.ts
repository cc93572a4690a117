/** One OHLCV candle; `t` is the epoch ms at which its interval starts. */
export interface Candle {
  t: number;
  o: number;
  h: number;
  l: number;
  c: number;
  v: number;
}

/** What one instrument's candles changed by since the last `takeChanges`, for the store. */
export interface SeriesChange {
  token: number;
  upserts: Candle[];
  removed: number[];
  cum?: number;
  completeFrom: number;
}

/** One instrument's candles as a store returns them. */
export interface StoredSeries {
  token: number;
  candles: Candle[];
  cum?: number;
  completeFrom: number;
}

/**
 * Where the candles of a session outlive the process: Redis when there is one
 * (`redis/candle.store.ts`), memory otherwise (`candles/memory-candle-store.ts`). candles/ is given one by
 * injection.
 */
export interface CandleBackend {
  /** Writes the changes of one flush, under the session's date. */
  save(day: string, changes: readonly SeriesChange[]): Promise<void>;
  /** Every instrument's candles of the session. */
  load(day: string): Promise<StoredSeries[]>;
}
