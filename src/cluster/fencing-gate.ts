/**
 * Which upstream tenure's frames a node uses: the fencing number of the lease as this node last read
 * it from Redis. A frame of a lower number (a holder that lost its lease and has not noticed yet) is
 * stale; a frame of a higher one is unconfirmed, and not used until the lease, read again, says so
 * (a frame's number alone never moves the gate: one forged or buggy `1e300` would silence the real
 * holder). Right after a takeover, a tick the old holder already delivered may come again from the
 * new one, so the caller drops repeats for a short window (`inSwitchWindow`).
 */
export class FencingGate {
  private current = -Infinity;
  private switchedAt = -Infinity;

  constructor(private readonly windowMs = 2000) {}

  /** The fencing number in force (-Infinity before the lease was read). */
  get fencing(): number {
    return this.current;
  }

  /** Decides for a frame of `fencing`. */
  admit(fencing: number): 'accept' | 'stale' | 'unconfirmed' {
    if (fencing < this.current) return 'stale';
    return fencing === this.current ? 'accept' : 'unconfirmed';
  }

  /** The lease, read from Redis, names `fencing`: it is in force from now on (a lower one never lowers it). */
  observe(fencing: number, now: number): void {
    if (fencing > this.current) {
      if (this.current !== -Infinity) this.switchedAt = now;
      this.current = fencing;
    }
  }

  /** Whether repeats should still be dropped after the last takeover. */
  inSwitchWindow(now: number): boolean {
    return now - this.switchedAt < this.windowMs;
  }
}
