/** How many recent order updates are remembered: a busy account's day, in about 1 MB at most. */
export const DEFAULT_ORDER_MEMORY = 10_000;

/**
 * Remembers the keys of the last `capacity` order updates (oldest forgotten first), so that one
 * Kite sends on several shard connections, or that two nodes publish, is delivered once.
 */
export class OrderRepeatFilter {
  private readonly keys = new Set<string>();

  constructor(private readonly capacity = DEFAULT_ORDER_MEMORY) {}

  /** True the first time `key` is seen (and records it); false for a repeat. */
  admit(key: string): boolean {
    if (this.keys.has(key)) return false;
    this.keys.add(key);
    if (this.keys.size > this.capacity) {
      const oldest = this.keys.values().next();
      if (!oldest.done) this.keys.delete(oldest.value);
    }
    return true;
  }

  get size(): number {
    return this.keys.size;
  }
}
