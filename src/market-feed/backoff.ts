import type { FeedTuning } from './market-feed.constants.js';

/**
 * How long to wait before reconnect attempt `attempt` (0-based): full jitter over
 * min(cap, base · 2^attempt), and never less than `tooManyRequestsMs` after Kite answered 429.
 */
export function reconnectDelay(
  attempt: number,
  tuning: Pick<FeedTuning, 'backoffBaseMs' | 'backoffCapMs' | 'tooManyRequestsMs'>,
  httpStatus?: number,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(tuning.backoffCapMs, tuning.backoffBaseMs * 2 ** Math.min(attempt, 30));
  const delay = random() * ceiling;
  return httpStatus === 429 ? Math.max(delay, tuning.tooManyRequestsMs) : delay;
}
