import { Injectable } from '@nestjs/common';
import { ttlMs as validTtl } from './expiry.js';
import { RedisClients } from './redis-clients.js';

/** Each node's record in Redis (`node:<id>`, JSON), expiring unless refreshed: how the cluster knows who is alive. I/O only. */
@Injectable()
export class NodeRecordStore {
  constructor(private readonly redis: RedisClients) {}

  private key(id: string): string {
    return this.redis.key(`node:${id}`);
  }

  async write(id: string, json: string, ttlMs: number): Promise<void> {
    const px = validTtl(ttlMs);
    await this.client().set(this.key(id), json, 'PX', px);
  }

  async delete(id: string): Promise<void> {
    await this.client().del(this.key(id));
  }

  /** Every live node's record, by id. */
  async readAll(): Promise<Map<string, string>> {
    const client = this.client();
    const prefix = this.redis.key('node:');
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await client.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 200);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== '0');
    if (keys.length === 0) return new Map();
    const values = await client.mget(...keys);
    const out = new Map<string, string>();
    keys.forEach((k, i) => {
      const v = values[i];
      if (v) out.set(k.slice(prefix.length), v);
    });
    return out;
  }

  private client() {
    if (!this.redis.command) throw new Error('Redis is not configured');
    return this.redis.command;
  }
}
