/**
 * Instruments waiting for Kite's quote API, one queue per user, served round-robin: each call
 * takes one instrument from each user in turn until it is full, so a user with one instrument
 * is in the next call however much others have queued. An instrument queued by several users
 * leaves every queue when it is taken.
 */
export class FairQueue {
  /** user → instruments in the order asked (a Set keeps the order and dedupes). */
  private readonly queues = new Map<string, Set<number>>();
  /** instrument → the users whose queues hold it. */
  private readonly holders = new Map<number, Set<string>>();
  private turn = 0;

  get users(): number {
    return this.queues.size;
  }

  get size(): number {
    return this.holders.size;
  }

  /** How many instruments `user` has waiting. */
  queued(user: string): number {
    return this.queues.get(user)?.size ?? 0;
  }

  /** Whether any user's queue holds `token`. */
  holds(token: number): boolean {
    return this.holders.has(token);
  }

  has(user: string, token: number): boolean {
    return this.queues.get(user)?.has(token) ?? false;
  }

  add(user: string, token: number): void {
    let q = this.queues.get(user);
    if (!q) this.queues.set(user, (q = new Set()));
    q.add(token);
    let h = this.holders.get(token);
    if (!h) this.holders.set(token, (h = new Set()));
    h.add(user);
  }

  /** Up to `max` distinct instruments, round-robin over the users, starting one user later each call. */
  take(max: number): number[] {
    const out: number[] = [];
    const users = [...this.queues.keys()];
    if (users.length === 0) return out;
    const start = this.turn++ % users.length;
    const order = [...users.slice(start), ...users.slice(0, start)];
    while (out.length < max && this.queues.size > 0) {
      for (const user of order) {
        const first = this.queues.get(user)?.values().next();
        if (!first || first.done) continue;
        out.push(first.value);
        this.remove(first.value);
        if (out.length >= max) break;
      }
    }
    return out;
  }

  /** Every instrument, leaving the queue empty. */
  drain(): number[] {
    const all = [...this.holders.keys()];
    this.queues.clear();
    this.holders.clear();
    return all;
  }

  private remove(token: number): void {
    for (const user of this.holders.get(token) ?? []) {
      const q = this.queues.get(user);
      q?.delete(token);
      if (q?.size === 0) this.queues.delete(user);
    }
    this.holders.delete(token);
  }
}
