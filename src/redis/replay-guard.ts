/**
 * Refuses a signed bus message that was already delivered or is too old: each sender's sequence
 * (per boot) must grow, and its clock may be at most `windowMs` off ours. A Redis writer can
 * replay what it captured; this is what keeps it from repeating a genuine frame or notice.
 */
export class ReplayGuard {
  private readonly last = new Map<string, { seq: number; at: number }>();
  private prunedAt = 0;

  constructor(private readonly windowMs = 30_000) {}

  check(
    e: { nodeId: string; boot: number; seq: number; sentAt: number },
    now: number,
  ): 'ok' | 'replayed' | 'expired' {
    if (!Number.isFinite(e.sentAt) || Math.abs(now - e.sentAt) > this.windowMs) return 'expired';
    const key = `${e.nodeId}/${e.boot}`;
    const seen = this.last.get(key);
    if (seen && e.seq <= seen.seq) return 'replayed';
    this.last.set(key, { seq: e.seq, at: now });
    if (now - this.prunedAt > this.windowMs) this.prune(now);
    return 'ok';
  }

  // A sequence silent for a whole window can only be replayed outside it, which `expired` refuses.
  private prune(now: number): void {
    this.prunedAt = now;
    for (const [k, v] of this.last) if (now - v.at > 2 * this.windowMs) this.last.delete(k);
  }
}
