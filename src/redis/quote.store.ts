import { Injectable } from '@nestjs/common';
import type { CachedQuote } from '../contracts/cached-quote.contract.js';
import { ClusterKey } from './cluster-key.js';
import { ttlMs as validTtl } from './expiry.js';
import { takeFairSlot } from './call-slot.js';
import { RedisClients } from './redis-clients.js';

/** What a sealed quote is bound to, besides its key. */
const KIND = 'quote';

/**
 * Quotes in Redis, under a key generation that is itself a Redis key, so that every node reads and
 * invalidates the same key space. Each value is sealed with the cluster key and bound to its key
 * (generation and instrument): a quote planted or edited by someone who can write to Redis, or
 * copied to another instrument, reads as no quote (counted in redis_records_refused_total{kind="quote"}),
 * so the node asks Kite instead of serving it. I/O only: freshness, batching and the memory
 * fallback are the cache's policy.
 */
const RAISE = `local c = tonumber(redis.call('get', KEYS[1]) or '0')
local m = tonumber(ARGV[1])
if m > c then redis.call('set', KEYS[1], ARGV[1]) return m end
return c`;

@Injectable()
export class QuoteStore {
  constructor(
    private readonly redis: RedisClients,
    private readonly clusterKey: ClusterKey,
  ) {}

  private quoteKey(generation: number, token: number): string {
    return this.redis.key(`q:${generation}:${token}`);
  }

  /** One MULTI of `SET key <sealed JSON> PX ttl` (JSON.stringify: a quote is plain data). */
  async write(generation: number, quotes: readonly [number, CachedQuote][], ttlMs: number): Promise<void> {
    const px = validTtl(ttlMs);
    const multi = this.client().multi();
    for (const [token, q] of quotes) {
      const key = this.quoteKey(generation, token);
      multi.set(key, this.clusterKey.seal(KIND, key, JSON.stringify(q)), 'PX', px);
    }
    await multi.exec();
  }

  /** The quotes of `tokens`, in order; undefined where none is stored or its seal does not hold. */
  async read(generation: number, tokens: readonly number[]): Promise<(CachedQuote | undefined)[]> {
    if (tokens.length === 0) return [];
    const keys = tokens.map((t) => this.quoteKey(generation, t));
    const values = await this.client().mget(...keys);
    return values.map((v, i) => {
      const text = v === null ? undefined : this.clusterKey.open(KIND, keys[i], v);
      return text === undefined ? undefined : (JSON.parse(text) as CachedQuote);
    });
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

  private client() {
    if (!this.redis.command) throw new Error('Redis is not configured');
    return this.redis.command;
  }
}
