/**
 * Which upstream tenure's frames a node uses: the highest fencing number it has seen. A frame of a
 * lower number (a holder that lost its lease and has not noticed yet) is stale and dropped; a
 * higher number takes over. Right after a takeover, a tick the old holder already delivered may
 * come again from the new one, so the caller drops repeats for a short window (`inSwitchWindow`).
 */
export class FencingGate {
  private current = -Infinity;
  private switchedAt = -Infinity;

  constructor(private readonly windowMs = 2000) {}

  /** The fencing number in force (-Infinity before any). */
  get fencing(): number {
    return this.current;
  }

  /** Decides for a frame of `fencing` at `now` (transport time). */
  admit(fencing: number, now: number): 'accept' | 'stale' | 'switch' {
    if (fencing < this.current) return 'stale';
    if (fencing === this.current) return 'accept';
    const first = this.current === -Infinity;
    this.current = fencing;
    if (first) return 'accept';
    this.switchedAt = now;
    return 'switch';
  }

  /** Raises the number in force without a frame (the lease says who holds it now). */
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
