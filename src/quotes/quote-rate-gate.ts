/** Kite allows about one quote request a second (of up to 500 instruments). */
export const QUOTE_CALL_GAP_MS = 1000;

/**
 * Paces Kite quote calls. `wait()` resolves when the caller may make its call, and takes that
 * turn; it never rejects. The local gate paces one node; a cluster provides one for all nodes.
 */
export interface QuoteRateGate {
  wait(): Promise<void>;
}

export const QUOTE_RATE_GATE = Symbol('QUOTE_RATE_GATE');

/** One node: at most one Kite quote call every QUOTE_CALL_GAP_MS. */
export class LocalQuoteRateGate implements QuoteRateGate {
  private next = 0;

  async wait(): Promise<void> {
    // Transport pacing, not market time: wall-clock milliseconds.
    const now = Date.now();
    const at = Math.max(now, this.next);
    this.next = at + QUOTE_CALL_GAP_MS;
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
  }
}
