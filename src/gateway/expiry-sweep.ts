/** The sweep's step: how late past its expiry an item can be ended. */
export const SWEEP_STEP_MS = 250;

/**
 * Ends items at their expiry with one timer for all of them instead of one per item: items sit in
 * buckets of SWEEP_STEP_MS by expiry, and each step ends the buckets that are due. A step costs one
 * map lookup per bucket passed, however many items are waiting. Transport timing (Date.now).
 */
export class ExpirySweep<T> {
  private readonly buckets = new Map<number, Set<T>>();
  private readonly at = new Map<T, number>();
  /** The last bucket ended; later items never go at or below it. */
  private done: number;
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly end: (item: T) => void,
    private readonly now: () => number = Date.now,
  ) {
    this.done = Math.floor(this.now() / SWEEP_STEP_MS);
  }

  /** Ends `item` at `expiresAt` (epoch ms), at most one step late; an expiry in the past, at the next step. */
  add(item: T, expiresAt: number): void {
    this.remove(item);
    const key = Math.max(Math.ceil(expiresAt / SWEEP_STEP_MS), this.done + 1);
    let bucket = this.buckets.get(key);
    if (!bucket) this.buckets.set(key, (bucket = new Set()));
    bucket.add(item);
    this.at.set(item, key);
    this.start();
  }

  /** Forgets `item` (it went away on its own). */
  remove(item: T): void {
    const key = this.at.get(item);
    if (key === undefined) return;
    this.at.delete(item);
    const bucket = this.buckets.get(key);
    bucket?.delete(item);
    if (bucket?.size === 0) this.buckets.delete(key);
  }

  /** Items waiting. */
  get size(): number {
    return this.at.size;
  }

  /** Ends every item now due; the timer calls it at each step's boundary while items wait. */
  sweep(): void {
    const due = Math.floor(this.now() / SWEEP_STEP_MS);
    for (let key = this.done + 1; key <= due; key++) {
      const bucket = this.buckets.get(key);
      if (!bucket) continue;
      this.buckets.delete(key);
      for (const item of bucket) {
        this.at.delete(item);
        this.end(item);
      }
    }
    this.done = Math.max(this.done, due);
    if (this.at.size === 0) this.stop();
  }

  close(): void {
    this.stop();
  }

  /** Sets the timer for the next step's boundary, so that an item is never more than a step late. */
  private start(): void {
    if (this.timer) return;
    const wait = Math.max(1, (this.done + 1) * SWEEP_STEP_MS - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.sweep();
      if (this.at.size > 0) this.start();
    }, wait);
    this.timer.unref();
  }

  private stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
