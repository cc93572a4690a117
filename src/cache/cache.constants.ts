/** Redis writes from the tick path are batched and flushed this often. */
export const FLUSH_INTERVAL_MS = 100;
/** A Redis command slower than this counts as a failure and switches to the memory store. */
export const REDIS_COMMAND_TIMEOUT_MS = 500;
