/** Key prefix of everything kite-relay stores in Redis (overridable so test runs do not collide). */
export const CACHE_KEY_PREFIX = Symbol('CACHE_KEY_PREFIX');
export const DEFAULT_KEY_PREFIX = 'kite-relay:';

/** Redis writes from the tick path are batched and flushed this often. */
export const FLUSH_INTERVAL_MS = 100;
/** A Redis command slower than this counts as a failure and switches to the memory store. */
export const REDIS_COMMAND_TIMEOUT_MS = 500;
export const INSTRUMENTS_TTL_MS = 24 * 3600_000;
