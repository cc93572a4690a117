/** Key prefix of everything kite-relay stores in Redis (overridable so test runs do not collide). */
export const REDIS_KEY_PREFIX = Symbol('REDIS_KEY_PREFIX');
export const DEFAULT_KEY_PREFIX = 'kite-relay:';

/** While Redis is marked down, a PING this often tells when it answers again. */
export const PROBE_INTERVAL_MS = 250;
