import { Injectable } from '@nestjs/common';
import { ClusterKey } from './cluster-key.js';
import { ttlMs as validTtl } from './expiry.js';
import { RedisClients } from './redis-clients.js';

const KIND = 'instruments';

/**
 * The instrument master in Redis, shared by every node: one compressed blob (see instrument-master
 * codec), sealed with the cluster key. A master someone wrote into Redis (one that maps a symbol to
 * another instrument) reads as none, counted in redis_records_refused_total{kind="instruments"},
 * and is fetched from Kite again. I/O only.
 */
@Injectable()
export class InstrumentStore {
  constructor(
    private readonly redis: RedisClients,
    private readonly clusterKey: ClusterKey,
  ) {}

  private get key(): string {
    return this.redis.key('instruments');
  }

  async read(): Promise<Buffer | undefined> {
    const sealed = await this.client().getBuffer(this.key);
    return sealed === null ? undefined : this.clusterKey.openBytes(KIND, this.key, sealed);
  }

  async write(blob: Buffer, ttlMs: number): Promise<void> {
    const px = validTtl(ttlMs);
    await this.client().set(this.key, this.clusterKey.sealBytes(KIND, this.key, blob), 'PX', px);
  }

  private client() {
    if (!this.redis.command) throw new Error('Redis is not configured');
    return this.redis.command;
  }
}
