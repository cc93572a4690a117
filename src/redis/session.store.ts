import { Injectable } from '@nestjs/common';
import { ttlMs as validTtl } from './expiry.js';
import { RedisClients } from './redis-clients.js';

/** The sealed Kite session in Redis, expiring with the session itself. I/O only. */
@Injectable()
export class SessionStore {
  constructor(private readonly redis: RedisClients) {}

  private get key(): string {
    return this.redis.key('session');
  }

  async read(): Promise<string | undefined> {
    return (await this.client().get(this.key)) ?? undefined;
  }

  /** Stores `sealed` for `ttlMs` (until the session expires; Redis drops it then). */
  async write(sealed: string, ttlMs: number): Promise<void> {
    const px = validTtl(ttlMs);
    await this.client().set(this.key, sealed, 'PX', px);
  }

  async delete(): Promise<void> {
    await this.client().del(this.key);
  }

  private client() {
    if (!this.redis.command) throw new Error('Redis is not configured');
    return this.redis.command;
  }
}
