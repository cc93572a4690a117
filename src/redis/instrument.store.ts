import { Injectable } from '@nestjs/common';
import { ttlMs as validTtl } from './expiry.js';
import { RedisClients } from './redis-clients.js';

/** The instrument master in Redis, shared by every node: one compressed blob (see instrument-master codec). I/O only. */
@Injectable()
export class InstrumentStore {
  constructor(private readonly redis: RedisClients) {}

  private get key(): string {
    return this.redis.key('instruments');
  }

  async read(): Promise<Buffer | undefined> {
    return (await this.client().getBuffer(this.key)) ?? undefined;
  }

  async write(blob: Buffer, ttlMs: number): Promise<void> {
    const px = validTtl(ttlMs);
    await this.client().set(this.key, blob, 'PX', px);
  }

  private client() {
    if (!this.redis.command) throw new Error('Redis is not configured');
    return this.redis.command;
  }
}
