import { Injectable } from '@nestjs/common';
import { AppConfigService } from '../config/app-config.service.js';
import { QUOTE_CALL_GAP_MS } from '../quotes/quote-rate-gate.js';
import { QuoteStore } from '../redis/quote.store.js';
import { RedisClients } from '../redis/redis-clients.js';

// Kite allows about one quote request a second per API key: for the whole cluster, not per node.
const CALL_GAP_MS = QUOTE_CALL_GAP_MS;

/**
 * Paces Kite quote calls for the whole cluster: a call takes a one-second slot in Redis (SET NX PX),
 * and a node that finds it taken waits until it frees. Without Redis (standalone, or while it is
 * away) each node paces itself at one call a second. Never rejects (the QuoteRateGate contract).
 */
@Injectable()
export class ClusterQuoteGate {
  private nextLocal = 0;
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
      if (!this.redis.up) return this.waitLocally();
      let wait: number;
      try {
        wait = await this.store.takeCallSlot(this.nodeId, CALL_GAP_MS);
      } catch {
        return this.waitLocally();
      }
      if (wait <= 0) {
        this.nextLocal = Date.now() + CALL_GAP_MS;
        return;
      }
      await sleep(Math.min(CALL_GAP_MS, Math.max(5, wait)));
    }
  }

  private async waitLocally(): Promise<void> {
    // Transport pacing, not market time: wall-clock milliseconds.
    const now = Date.now();
    const at = Math.max(now, this.nextLocal);
    this.nextLocal = at + CALL_GAP_MS;
    if (at > now) await sleep(at - now);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
