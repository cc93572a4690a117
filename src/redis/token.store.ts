import { Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ClusterKey } from './cluster-key.js';
import { expireAtMs } from './expiry.js';
import { RedisClients } from './redis-clients.js';

/**
 * Minted tokens and revocations in Redis. I/O only. `tokens` is a hash id → entry (JSON, never the
 * token, sealed with the cluster key and its id: a planted or edited entry reads as an empty one),
 * `tokens:seen` a hash id → last use (ms); expired fields are removed by whoever lists them (a hash
 * field has no TTL before Redis 7.4). `revoked:<id>` lives until the token's own expiry.
 */
@Injectable()
export class TokenStore {
  constructor(
    private readonly redis: RedisClients,
    private readonly clusterKey: ClusterKey,
  ) {}

  private seal(id: string, entry: string): string {
    return this.clusterKey.seal('token', id, entry);
  }

  /** The entry's JSON; '' when its seal does not hold (the caller sees no valid entry, and sweeps it). */
  private open(id: string, sealed: string): string {
    return this.clusterKey.open('token', id, sealed) ?? '';
  }

  private get entries(): string {
    return this.redis.key('tokens');
  }

  private get seenKey(): string {
    return this.redis.key('tokens:seen');
  }

  async write(id: string, entry: string): Promise<void> {
    await this.client().hset(this.entries, id, this.seal(id, entry));
  }

  async read(id: string): Promise<string | undefined> {
    const sealed = await this.client().hget(this.entries, id);
    return sealed === null ? undefined : this.open(id, sealed);
  }

  /** Notes a use; `entry` is written only if the id is not there yet (a token minted elsewhere). */
  async touch(id: string, atMs: number, entry: string): Promise<void> {
    await this.client()
      .multi()
      .hsetnx(this.entries, id, this.seal(id, entry))
      .hset(this.seenKey, id, String(atMs))
      .exec();
  }

  /** Every entry and every last-use time. */
  async all(): Promise<{ entries: Record<string, string>; seen: Record<string, string> }> {
    const [entries, seen] = await Promise.all([
      this.client().hgetall(this.entries),
      this.client().hgetall(this.seenKey),
    ]);
    for (const id of Object.keys(entries)) entries[id] = this.open(id, entries[id]);
    return { entries, seen };
  }

  async remove(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.client()
      .multi()
      .hdel(this.entries, ...ids)
      .hdel(this.seenKey, ...ids)
      .exec();
  }

  /** Marks `id` revoked until `untilMs` (epoch ms), when Redis drops the key by itself. */
  async revoke(id: string, untilMs: number): Promise<void> {
    const at = expireAtMs(untilMs);
    await this.client().set(this.redis.key(`revoked:${id}`), '1', 'PXAT', at);
  }

  /**
   * Every revocation that has not expired yet, id → its expiry (epoch ms) read from the key's PTTL;
   * `POSITIVE_INFINITY` for a key without one (it is kept, and never written back with that expiry).
   */
  async revocations(nowMs = Date.now()): Promise<Map<string, number>> {
    const ids = await this.revokedIds();
    const out = new Map<string, number>();
    for (let i = 0; i < ids.length; i += 500) {
      const part = ids.slice(i, i + 500);
      const pipe = this.client().pipeline();
      for (const id of part) pipe.pttl(this.redis.key(`revoked:${id}`));
      const results = (await pipe.exec()) ?? [];
      results.forEach(([err, pttl], j) => {
        if (err) throw err;
        // -2: expired since the scan; -1: no expiry (written by hand, or by an older version).
        if (pttl === -2) return;
        out.set(part[j], pttl === -1 ? Number.POSITIVE_INFINITY : nowMs + Number(pttl));
      });
    }
    return out;
  }

  /** The ids of every revocation that has not expired yet. */
  async revokedIds(): Promise<string[]> {
    const prefix = this.redis.key('revoked:');
    const match = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    const ids: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await this.client().scan(cursor, 'MATCH', match, 'COUNT', 1000);
      cursor = next;
      for (const k of keys) ids.push(k.slice(prefix.length));
    } while (cursor !== '0');
    return ids;
  }

  private client(): Redis {
    if (!this.redis.command) throw new Error('Redis is not configured');
    return this.redis.command;
  }
}
