import { Injectable } from '@nestjs/common';
import { ClusterKey } from './cluster-key.js';
import { ttlMs as validTtl } from './expiry.js';
import { takeFairSlot } from './call-slot.js';
import { RedisClients } from './redis-clients.js';

const KIND = 'historical';

/**
 * Kite's historical candles in Redis: the cluster's call slot, and answers whose candles are all
 * completed, under their request's key, sealed with the cluster key and bound to that key: an
 * answer someone wrote into Redis reads as none (redis_records_refused_total{kind="historical"})
 * and is asked of Kite again. I/O only: what is cacheable and for how long is the caller's policy.
 */
@Injectable()
export class HistoricalStore {
  constructor(
    private readonly redis: RedisClients,
    private readonly clusterKey: ClusterKey,
  ) {}

  /** 0 when this caller may call Kite's historical API now (the slot is its for `ms`), else the ms until it frees. */
  async takeCallSlot(nodeId: string, ms: number): Promise<number> {
    return takeFairSlot(this.client(), this.redis.prefix, 'historical', nodeId, ms);
  }

  async read(key: string): Promise<string | undefined> {
    const k = this.redis.key(`historical:${key}`);
    const sealed = await this.client().get(k);
    return sealed === null ? undefined : this.clusterKey.open(KIND, k, sealed);
  }

  async write(key: string, value: string, ttlMs: number): Promise<void> {
    const k = this.redis.key(`historical:${key}`);
    await this.client().set(k, this.clusterKey.seal(KIND, k, value), 'PX', validTtl(ttlMs));
  }

  private client() {
    if (!this.redis.command) throw new Error('Redis is not configured');
    return this.redis.command;
  }
}
