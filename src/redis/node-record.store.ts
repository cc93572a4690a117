import { Injectable } from '@nestjs/common';
import { ClusterKey } from './cluster-key.js';
import { ttlMs as validTtl } from './expiry.js';
import { RedisClients } from './redis-clients.js';

/**
 * Each node's record in Redis (`node:<id>`, JSON), expiring unless refreshed: how the cluster knows
 * who is alive. I/O only. Sealed with the cluster key together with its id and when it was written:
 * a planted, edited, moved or replayed record (older than its TTL) is not read back.
 */
@Injectable()
export class NodeRecordStore {
  constructor(
    private readonly redis: RedisClients,
    private readonly clusterKey: ClusterKey,
  ) {}

  private key(id: string): string {
    return this.redis.key(`node:${id}`);
  }

  async write(id: string, json: string, ttlMs: number, nowMs = Date.now()): Promise<void> {
    const px = validTtl(ttlMs);
    const text = JSON.stringify({ at: nowMs, ttl: px, json });
    await this.client().set(this.key(id), this.clusterKey.seal('node-record', id, text), 'PX', px);
  }

  async delete(id: string): Promise<void> {
    await this.client().del(this.key(id));
  }

  /** Every live node's record (its JSON), by id; records that do not open, or outlived their TTL, are left out. */
  async readAll(nowMs = Date.now()): Promise<Map<string, string>> {
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
      const id = k.slice(prefix.length);
      const json = values[i] && this.open(id, values[i], nowMs);
      if (json) out.set(id, json);
    });
    return out;
  }

  private open(id: string, sealed: string, nowMs: number): string | undefined {
    const text = this.clusterKey.open('node-record', id, sealed);
    if (!text) return undefined;
    const { at, ttl, json } = JSON.parse(text) as { at: number; ttl: number; json: string };
    // Clocks of two nodes differ a little; a record far older than its own TTL is a replay.
    return nowMs - at <= ttl + 5000 ? json : undefined;
  }

  private client() {
    if (!this.redis.command) throw new Error('Redis is not configured');
    return this.redis.command;
  }
}
