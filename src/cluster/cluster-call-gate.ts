import { errorText } from '../common/error-text.js';
import type { RedisClients } from '../redis/redis-clients.js';

/** A cluster-wide call slot in Redis: 0 when the caller took it for `ms`, else the ms until it frees. */
export interface CallSlot {
  takeCallSlot(nodeId: string, ms: number): Promise<number>;
}

/**
 * Paces one kind of Kite call for the whole cluster: a call takes a slot of `gapMs` in Redis
 * (SET NX PX), and a node that finds it taken waits until it frees. Without Redis (standalone, or
 * while it is away) each node paces itself at one call a gap. Never rejects. The one gate
 * implementation: quotes and historical data are instances with their own slot and gap.
 */
export class ClusterCallGate {
  private nextLocal = 0;
  /** Paced by the cluster's slot in Redis last time (or never paced yet, in a cluster). */
  private shared = true;

  constructor(
    private readonly nodeId: string,
    private readonly redis: RedisClients,
    private readonly slot: CallSlot,
    private readonly gapMs: number,
    /** What the slot is for, in a log line. */
    private readonly what: string,
  ) {}

  async wait(): Promise<void> {
    for (;;) {
      // In a cluster the slot is tried even while Redis counts as down: that flag can be one slow
      // answer old, and pacing locally beside nodes that still share the slot lets two calls go in
      // the same gap. The command connection fails at once while it is really disconnected.
      if (!this.redis.configured) return this.waitLocally(false);
      let wait: number;
      try {
        wait = await this.slot.takeCallSlot(this.nodeId, this.gapMs);
      } catch (err) {
        // A slow or lost answer (1 s command timeout under load): the slot may now be this node's or
        // another's. Count Redis as down until a PING answers, as the cache does, and pace locally.
        this.redis.reportFailure(`${this.what}: ${errorText(err)}`);
        return this.waitLocally(true);
      }
      this.shared = true;
      if (wait <= 0) {
        this.nextLocal = Date.now() + this.gapMs;
        return;
      }
      await sleep(Math.min(this.gapMs, Math.max(5, wait)));
    }
  }

  /**
   * One call a gap on this node. Leaving the shared slot in a cluster, the first call also waits a
   * whole gap: another node may have called just now, or may hold the slot this node's lost answer took.
   */
  private async waitLocally(cluster: boolean): Promise<void> {
    // Transport pacing, not market time: wall-clock milliseconds.
    const now = Date.now();
    if (cluster && this.shared) this.nextLocal = Math.max(this.nextLocal, now + this.gapMs);
    this.shared = false;
    const at = Math.max(now, this.nextLocal);
    this.nextLocal = at + this.gapMs;
    if (at > now) await sleep(at - now);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
