export { QUOTE_CALL_GAP_MS } from '../kite/kite.constants.js';

/**
 * Paces Kite quote calls. `wait()` resolves when the caller may make its call, and takes that
 * turn; it never rejects. ClusterQuoteGate paces the whole cluster (or one node, standalone).
 */
export interface QuoteRateGate {
  wait(): Promise<void>;
}

export const QUOTE_RATE_GATE = Symbol('QUOTE_RATE_GATE');
