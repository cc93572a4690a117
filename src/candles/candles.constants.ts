/** Injection token of the candles' `CandleBackend`: Redis when REDIS_URL is set, else this process's memory. */
export const CANDLE_BACKEND = Symbol('CANDLE_BACKEND');
/** Changed candles go to the store this often (one pipeline per flush). */
export const CANDLE_FLUSH_MS = 1000;
/** A request waits this long for a backfill before answering with what was built. */
export const BACKFILL_WAIT_MS = 5000;
/** Boot waits this long for the stored candles before building without them. */
export const STORE_LOAD_TIMEOUT_MS = 3000;
