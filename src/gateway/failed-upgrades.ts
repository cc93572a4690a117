/**
 * Upgrades refused for a bad token, per client address, each remembered for `windowMs`: the
 * `/kite/ws` share of an address's unauthenticated connections. A Socket.IO connection may stay
 * unauthenticated up to its handshake timeout; a `/kite/ws` upgrade is authenticated at once, so
 * one that fails holds its place for as long instead. An address flooding bad tokens is then
 * refused before any of its tokens is verified.
 */
export class FailedUpgrades {
  /** Failure times per address, the Map ordered by each address's latest failure (oldest first). */
  private readonly byAddress = new Map<string, number[]>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  record(address: string): void {
    const now = this.now();
    this.sweep(now);
    const times = this.recent(address, now) ?? [];
    times.push(now);
    this.byAddress.delete(address);
    this.byAddress.set(address, times);
  }

  /** Failures from `address` within the window. */
  count(address: string): number {
    const now = this.now();
    this.sweep(now);
    return this.recent(address, now)?.length ?? 0;
  }

  /** Addresses remembered (tests and diagnostics). */
  get size(): number {
    return this.byAddress.size;
  }

  private recent(address: string, now: number): number[] | undefined {
    const times = this.byAddress.get(address);
    if (!times) return undefined;
    while (times.length > 0 && times[0] <= now - this.windowMs) times.shift();
    return times;
  }

  /** Forgets the addresses whose latest failure is past the window: amortised O(1) per call. */
  private sweep(now: number): void {
    for (const [address, times] of this.byAddress) {
      if (times[times.length - 1] > now - this.windowMs) return;
      this.byAddress.delete(address);
    }
  }
}
