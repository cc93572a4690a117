import { Injectable } from '@nestjs/common';
import { errorText } from '../common/error-text.js';
import { AppConfigService } from '../config/app-config.service.js';
import { QUOTE_CALL_GAP_MS } from '../quotes/quote-rate-gate.js';
import { QuoteStore } from '../redis/quote.store.js';
import { RedisClients } from '../redis/redis-clients.js';

// Kite allows about one quote request a second per API key: for the whole cluster, not per node.
const CALL_GAP_MS = QUOTE_CALL_GAP_MS;

/**
 * Paces Kite quote calls for the whole cluster: a call takes a one-second slot in Redis (SET NX PX),
 * and a node that finds it taken waits until it frees. Without Redis (standalone, or while the slot
 * command fails) each node paces itself at one call a second. Never rejects (the QuoteRateGate contract).
 */
@Injectable()
export class ClusterQuoteGate {
  private nextLocal = 0;
  /** Paced by the cluster's slot in Redis last time (or never paced yet, in a cluster). */
  private shared = true;
  private readonly nodeId: string;

  constructor(
    config: AppConfigService,
    private readonly redis: RedisClients,
    private readonly store: QuoteStore,
  ) {
    this.nodeId = config.values.nodeId;
  }

  async wait(): Promise<void> {
    for (;;) {
      // In a cluster the slot is tried even while Redis counts as down: that flag can be one slow
      // answer old, and pacing locally beside nodes that still share the slot lets two calls go in
      // the same second. The command connection fails at once while it is really disconnected.
      if (!this.redis.configured) return this.waitLocally(false);
      let wait: number;
      try {
        wait = await this.store.takeCallSlot(this.nodeId, CALL_GAP_MS);
      } catch (err) {
        // A slow or lost answer (1 s command timeout under load): the slot may now be this node's or
        // another's. Count Redis as down until a PING answers, as the cache does, and pace locally.
        this.redis.reportFailure(`quote call slot: ${errorText(err)}`);
        return this.waitLocally(true);
      }
      this.shared = true;
      if (wait <= 0) {
        this.nextLocal = Date.now() + CALL_GAP_MS;
        return;
      }
      await sleep(Math.min(CALL_GAP_MS, Math.max(5, wait)));
    }
  }

  /**
   * One call a gap on this node. Leaving the shared slot in a cluster, the first call also waits a
   * whole gap: another node may have called just now, or may hold the slot this node's lost answer took.
   */
  private async waitLocally(cluster: boolean): Promise<void> {
    // Transport pacing, not market time: wall-clock milliseconds.
    const now = Date.now();
    if (cluster && this.shared) this.nextLocal = Math.max(this.nextLocal, now + CALL_GAP_MS);
    this.shared = false;
    const at = Math.max(now, this.nextLocal);
    this.nextLocal = at + CALL_GAP_MS;
    if (at > now) await sleep(at - now);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
