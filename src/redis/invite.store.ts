import { Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ClusterKey } from './cluster-key.js';
import { expireAtMs } from './expiry.js';
import { RedisClients } from './redis-clients.js';

/** Spends a code: 1 for the one caller that deletes `live`, 2 once spent, 0 without the invite or with another hash. */
const CONSUME = `
local h = redis.call('HGET', KEYS[1], 'hash')
if not h or h ~= ARGV[1] then return 0 end
if redis.call('HDEL', KEYS[1], 'live') == 1 then return 1 end
return 2`;

/** Revokes an existing invite (never creates a key): {1 if this call revoked it, its token id or nil}. */
const REVOKE = `
if redis.call('EXISTS', KEYS[1]) == 0 then return {0, false} end
local first = redis.call('HSETNX', KEYS[1], 'revoked_at', ARGV[1])
redis.call('HDEL', KEYS[1], 'live')
return {first, redis.call('HGET', KEYS[1], 'token_id')}`;

/**
 * Invites in Redis. I/O only. `invite:<id>` is a hash: `record` (JSON, never the code), `hash`
 * (sha256 of the code), `mac` (of the id, record and hash under the cluster key: a planted or
 * edited invite reads as none), `live` (present while the code can be spent), `used_at`,
 * `token_id`, `revoked_at`; it expires some time after the invite. `invites` is a sorted set id →
 * expiry (ms).
 */
@Injectable()
export class InviteStore {
  constructor(
    private readonly redis: RedisClients,
    private readonly clusterKey: ClusterKey,
  ) {}

  private key(id: string): string {
    return this.redis.key(`invite:${id}`);
  }

  private get index(): string {
    return this.redis.key('invites');
  }

  async create(
    id: string,
    record: string,
    hash: string,
    expiresAtMs: number,
    keepUntilMs: number,
  ): Promise<void> {
    const key = this.key(id);
    const now = Date.now();
    const [expires, keepUntil] = [expireAtMs(expiresAtMs, now), expireAtMs(keepUntilMs, now)];
    await this.client()
      .multi()
      .hset(key, { record, hash, mac: this.clusterKey.mac('invite', id, `${record}\n${hash}`), live: '1' })
      .pexpireat(key, keepUntil)
      .zadd(this.index, expires, id)
      .exec();
  }

  /** The invite's fields; empty when there is none, or when its seal does not hold. */
  async read(id: string): Promise<Record<string, string>> {
    return this.sealed(id, await this.client().hgetall(this.key(id)));
  }

  private sealed(id: string, f: Record<string, string>): Record<string, string> {
    if (!f.record && !f.hash) return f;
    return this.clusterKey.verify('invite', id, `${f.record}\n${f.hash}`, f.mac) ? f : {};
  }

  /** The ids of the invites that expire after `nowMs`; forgets the others in the index. */
  async unexpiredIds(nowMs: number): Promise<string[]> {
    const [, [err, ids]] = (await this.client()
      .multi()
      .zremrangebyscore(this.index, '-inf', nowMs)
      .zrangebyscore(this.index, `(${nowMs}`, '+inf')
      .exec())!;
    if (err) throw err;
    return ids as string[];
  }

  /** The fields of several invites, in order. */
  async readMany(ids: readonly string[]): Promise<Record<string, string>[]> {
    if (ids.length === 0) return [];
    const pipe = this.client().pipeline();
    for (const id of ids) pipe.hgetall(this.key(id));
    const out = (await pipe.exec())!;
    return out.map(([err, v], i) => {
      if (err) throw err;
      return this.sealed(ids[i], v as Record<string, string>);
    });
  }

  async consume(id: string, hash: string): Promise<number> {
    return Number(await this.client().eval(CONSUME, 1, this.key(id), hash));
  }

  /** Notes the token a spent code was exchanged for; returns `revoked_at` (null while not revoked). */
  async markUsed(id: string, tokenId: string, atMs: number): Promise<string | null> {
    const key = this.key(id);
    const out = (await this.client()
      .multi()
      .hset(key, { used_at: String(atMs), token_id: tokenId })
      .hget(key, 'revoked_at')
      .exec())!;
    for (const [err] of out) if (err) throw err;
    return out[1][1] as string | null;
  }

  async revoke(id: string, atMs: number): Promise<{ first: boolean; tokenId: string | null }> {
    const [first, tokenId] = (await this.client().eval(REVOKE, 1, this.key(id), String(atMs))) as [
      number,
      string | null,
    ];
    return { first: first === 1, tokenId };
  }

  private client(): Redis {
    if (!this.redis.command) throw new Error('Redis is not configured');
    return this.redis.command;
  }
}
