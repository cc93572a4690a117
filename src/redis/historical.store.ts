import { Injectable } from '@nestjs/common';
import { ttlMs as validTtl } from './expiry.js';
import { takeFairSlot } from './call-slot.js';
import { RedisClients } from './redis-clients.js';

/**
 * Kite's historical candles in Redis: the cluster's call slot, and answers whose candles are all
 * completed, under their request's key. I/O only: what is cacheable and for how long is the
 * caller's policy.
 */
@Injectable()
export class HistoricalStore {
  constructor(private readonly redis: RedisClients) {}

  /** 0 when this caller may call Kite's historical API now (the slot is its for `ms`), else the ms until it frees. */
  async takeCallSlot(nodeId: string, ms: number): Promise<number> {
    return takeFairSlot(this.client(), this.redis.prefix, 'historical', nodeId, ms);
  }

  async read(key: string): Promise<string | undefined> {
    return (await this.client().get(this.redis.key(`historical:${key}`))) ?? undefined;
  }

  async write(key: string, value: string, ttlMs: number): Promise<void> {
    await this.client().set(this.redis.key(`historical:${key}`), value, 'PX', validTtl(ttlMs));
  }

  private client() {
    if (!this.redis.command) throw new Error('Redis is not configured');
    return this.redis.command;
  }
}
