/** The longest expiry kite-relay ever asks Redis for (invites are kept 30 days + 7 after use). */
export const MAX_EXPIRY_MS = 400 * 86_400_000;

/** An expiry no Redis command should carry: not a number, not finite, in the past, or absurdly far. */
export class InvalidExpiryError extends Error {
  constructor(what: string, value: number) {
    super(`refusing to write ${what} ${String(value)} to Redis: an expiry must be a finite time ahead`);
    this.name = 'InvalidExpiryError';
  }
}

/**
 * A relative expiry (`PX`, `PEXPIRE`, a script's TTL argument) in whole ms, at least 1. Every Redis
 * write path goes through this or {@link expireAtMs}: an `Infinity` or a `NaN` sent to Redis is an
 * error reply, and a past expiry silently deletes the key.
 */
export function ttlMs(ms: number): number {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms <= 0 || ms > MAX_EXPIRY_MS) {
    throw new InvalidExpiryError('the TTL', ms);
  }
  return Math.max(1, Math.round(ms));
}

/** An absolute expiry (`PXAT`, `PEXPIREAT`, a score that stands for one) in whole epoch ms, after `nowMs`. */
export function expireAtMs(atMs: number, nowMs = Date.now()): number {
  if (typeof atMs !== 'number' || !Number.isFinite(atMs) || atMs <= nowMs || atMs - nowMs > MAX_EXPIRY_MS) {
    throw new InvalidExpiryError('the expiry time', atMs);
  }
  return Math.round(atMs);
}
