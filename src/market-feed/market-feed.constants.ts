/** Timing of the upstream connection; a provider so e2e tests can shorten the waits. */
export interface FeedTuning {
  /** No frame (tick or heartbeat) for this long means the connection is dead. */
  watchdogMs: number;
  /** Backoff: full jitter over min(cap, base · 2^attempt). */
  backoffBaseMs: number;
  backoffCapMs: number;
  /** Kite answered 429: wait at least this long. */
  tooManyRequestsMs: number;
  /** Subscription changes within this window go upstream together. */
  coalesceMs: number;
}

export const FEED_TUNING = Symbol('FEED_TUNING');
export const DEFAULT_FEED_TUNING: FeedTuning = {
  watchdogMs: 5000,
  backoffBaseMs: 1000,
  backoffCapMs: 30_000,
  tooManyRequestsMs: 10_000,
  coalesceMs: 25,
};

/** Kite accepts long token lists; we send at most this many per message. */
export const TOKENS_PER_MESSAGE = 500;

export type { FeedState, FeedStatus } from '../contracts/feed-status.contract.js';

/** DI token of the factory that opens one ticker WebSocket (KiteConnection; tests may substitute). */
export const LINK_FACTORY = Symbol('LINK_FACTORY');
/** DI token of the registry of this node's clients' interest (socket id → instrument → mode). */
export const CLIENT_REGISTRY = Symbol('CLIENT_REGISTRY');
