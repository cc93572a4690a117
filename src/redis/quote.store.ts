import { Injectable } from '@nestjs/common';
import { createCache, type Cache } from 'cache-manager';
import { redisInsStore } from 'cache-manager-ioredis-yet';
import type { CachedQuote } from '../contracts/cached-quote.contract.js';
import { ttlMs as validTtl } from './expiry.js';
import { takeFairSlot } from './call-slot.js';
import { RedisClients } from './redis-clients.js';

/**
 * Quotes in Redis (cache-manager over the command connection), under a key generation that is itself
 * a Redis key, so that every node reads and invalidates the same key space. I/O only: freshness,
 * batching and the memory fallback are the cache's policy.
 */
const RAISE = `local c = tonumber(redis.call('get', KEYS[1]) or '0')
local m = tonumber(ARGV[1])
if m > c then redis.call('set', KEYS[1], ARGV[1]) return m end
return c`;

@Injectable()
export class QuoteStore {
  private readonly cache?: Cache;

  constructor(private readonly redis: RedisClients) {
    if (redis.command) this.cache = createCache(redisInsStore(redis.command, { ttl: 0 }));
  }

  private quoteKey(generation: number, token: number): string {
    return this.redis.key(`q:${generation}:${token}`);
  }

  /**
   * One MULTI of `SET key value PX ttl`, as cache-manager's mset writes it, but the value is
   * JSON.stringify's: for a quote (plain data) the same text as cache-manager's telejson, which
   * `read` parses, at a seventh of the CPU (docs/benchmarks.md).
   */
  async write(generation: number, quotes: readonly [number, CachedQuote][], ttlMs: number): Promise<void> {
    const px = validTtl(ttlMs);
    const multi = this.client().multi();
    for (const [token, q] of quotes) multi.set(this.quoteKey(generation, token), JSON.stringify(q), 'PX', px);
    await multi.exec();
  }

  async read(generation: number, tokens: readonly number[]): Promise<(CachedQuote | undefined)[]> {
    const values = await this.store().store.mget(...tokens.map((t) => this.quoteKey(generation, t)));
    return values.map((v) => (v ?? undefined) as CachedQuote | undefined);
  }

  /** Starts a new generation: every quote stored so far is unreachable from now on. */
  async nextGeneration(): Promise<number> {
    return this.client().incr(this.redis.key('quotes:generation'));
  }

  /** Raises the stored generation to at least `atLeast` (a Redis restarted empty forgets it) and returns it. */
  async raiseGeneration(atLeast: number): Promise<number> {
    const v = await this.client().eval(RAISE, 1, this.redis.key('quotes:generation'), String(atLeast));
    return Number(v);
  }

  /** 0 when this caller may call Kite's quote API now (the slot is its for `ms`), else the ms until the slot frees. */
  async takeCallSlot(nodeId: string, ms: number): Promise<number> {
    return takeFairSlot(this.client(), this.redis.prefix, 'quotes', nodeId, ms);
  }

  private store(): Cache {
    if (!this.cache) throw new Error('Redis is not configured');
    return this.cache;
  }

  private client() {
    if (!this.redis.command) throw new Error('Redis is not configured');
    return this.redis.command;
  }
}
