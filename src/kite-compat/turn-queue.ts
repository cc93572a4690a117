/**
 * Work waiting per user, served round-robin: each `take` gives the next user in turn their oldest
 * item, so a user with one request is served after at most one request of every other user. The
 * turn order is the map's: a user just served goes to the back, and so does one who asks again
 * after its queue emptied, behind everyone already waiting.
 */
export class TurnQueue<T> {
  private readonly queues = new Map<string, T[]>();

  get size(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.length;
    return n;
  }

  get users(): number {
    return this.queues.size;
  }

  queued(user: string): number {
    return this.queues.get(user)?.length ?? 0;
  }

  add(user: string, item: T): void {
    const q = this.queues.get(user);
    if (q) q.push(item);
    else this.queues.set(user, [item]);
  }

  /** The oldest item of the next user in turn, or undefined when nothing waits. */
  take(): T | undefined {
    const next = this.queues.entries().next();
    if (next.done) return undefined;
    const [user, q] = next.value;
    const item = q.shift();
    // Off the front; back in at the end if more waits.
    this.queues.delete(user);
    if (q.length > 0) this.queues.set(user, q);
    return item;
  }

  /** Takes `item` out of `user`'s queue; false if it was not there (taken already). */
  remove(user: string, item: T): boolean {
    const q = this.queues.get(user);
    const i = q ? q.indexOf(item) : -1;
    if (!q || i < 0) return false;
    q.splice(i, 1);
    if (q.length === 0) this.queues.delete(user);
    return true;
  }

  /** Every item, leaving the queue empty. */
  drain(): T[] {
    const all = [...this.queues.values()].flat();
    this.queues.clear();
    return all;
  }
}
