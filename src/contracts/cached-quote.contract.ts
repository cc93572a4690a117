import type { Tick } from '../kite/tick.js';

/** A quote as stored: the tick and the instant it was received (clock time, epoch ms). */
export interface CachedQuote {
  tick: Tick;
  as_of: number;
}
