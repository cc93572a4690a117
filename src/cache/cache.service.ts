import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { createCache, memoryStore, type Cache } from 'cache-manager';
import { redisInsStore } from 'cache-manager-ioredis-yet';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { Clock } from '../clock/clock.js';
import { AppConfigService } from '../config/app-config.service.js';
import type { Tick } from '../kite/tick.js';
import { MetricsService } from '../metrics/metrics.service.js';
import {
  CACHE_KEY_PREFIX,
  FLUSH_INTERVAL_MS,
  INSTRUMENTS_TTL_MS,
  REDIS_COMMAND_TIMEOUT_MS,
} from './cache.constants.js';
import { createRedisConnection } from './redis-connection.js';

/** A quote as stored: the tick and the instant it was received. */
export interface CachedQuote {
  tick: Tick;
  as_of: number;
}

export type CacheMode = 'redis' | 'memory' | 'fallback';

/**
 * The one cache of the application: latest quote per instrument (TTL CACHE_TTL_MS), the encrypted
 * Kite session and the instrument master. Redis when REDIS_URL is set, memory otherwise, and memory
 * while Redis is down.
 */
@Injectable()
export class CacheService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(CacheService.name);
  private readonly ttl: number;
  private readonly memory: Cache = createCache(memoryStore({ max: 200_000, ttl: 0 }));
  private redis?: Redis;
  private redisCache?: Cache;
  private usingRedis = false;
  private generation = randomUUID().slice(0, 8);
  private readonly pending = new Map<number, CachedQuote>();
  private flushTimer?: NodeJS.Timeout;
  private flushing = false;
  private closed = false;
  private readonly hits;
  private readonly misses;
  private readonly fallbacks;

  constructor(
    private readonly config: AppConfigService,
    private readonly clock: Clock,
    metrics: MetricsService,
    @Inject(CACHE_KEY_PREFIX) private readonly prefix: string,
  ) {
    this.ttl = config.values.cacheTtlMs;
    this.hits = metrics.counter('cache_hits_total', 'Quote reads answered by the cache');
    this.misses = metrics.counter('cache_misses_total', 'Quote reads the cache could not answer fresh');
    this.fallbacks = metrics.counter('cache_fallbacks_total', 'Switches from Redis to the in-memory store');
    this.redisActive = metrics.gauge('cache_redis_active', 'Whether Redis is the active store (0 = memory)');
  }
  private readonly redisActive;

  async onModuleInit(): Promise<void> {
    const url = this.config.values.redisUrl;
    if (!url) return;
    const redis = createRedisConnection(url);
    this.redis = redis;
    this.redisCache = createCache(redisInsStore(redis, { ttl: this.ttl }));
    redis.on('error', () => this.fallBack('connection error'));
    redis.on('close', () => this.fallBack('connection closed'));
    redis.on('ready', () => void this.recover());
    try {
      await redis.connect();
      await this.recover();
    } catch {
      this.fallBack('not reachable at boot');
    }
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    clearTimeout(this.flushTimer);
    await this.flush();
    this.redis?.disconnect();
  }

  get mode(): CacheMode {
    if (!this.redis) return 'memory';
    return this.usingRedis ? 'redis' : 'fallback';
  }

  private fallBack(reason: string): void {
    if (!this.usingRedis && this.fallbackLogged) return;
    this.usingRedis = false;
    this.redisActive.set(0);
    if (this.closed) return;
    this.fallbackLogged = true;
    this.fallbacks.inc();
    this.logger.warn(`cache: Redis unavailable (${reason}); serving from memory until it answers again`);
  }
  private fallbackLogged = false;

  private async recover(): Promise<void> {
    try {
      await this.redis!.ping();
    } catch {
      return;
    }
    // The session is mirrored in memory; a Redis that comes back without it (restarted without
    // persistence, or written while it was away) gets it back, so nothing already stored is lost.
    const session = await this.memory.get<string>(this.key('session'));
    if (session !== undefined && session !== null) {
      const inRedis = await this.redisCache!.get<string>(this.key('session')).catch(() => undefined);
      if (inRedis === undefined || inRedis === null) {
        await this.redisCache!.set(this.key('session'), session, 0).catch(() => undefined);
      }
    }
    if (!this.usingRedis && this.fallbackLogged) this.logger.log('cache: Redis answers again; back to Redis');
    this.usingRedis = true;
    this.redisActive.set(1);
    this.fallbackLogged = false;
  }

  private key(name: string): string {
    return this.prefix + name;
  }

  private quoteKey(token: number): string {
    return `${this.prefix}q:${this.generation}:${token}`;
  }

  /** Runs `op` on the active store; a Redis failure or timeout switches to memory and retries there. */
  private async run<T>(op: (store: Cache) => Promise<T>): Promise<T> {
    if (this.usingRedis && this.redisCache) {
      try {
        return await withTimeout(op(this.redisCache), REDIS_COMMAND_TIMEOUT_MS);
      } catch (err) {
        this.fallBack((err as Error).message);
      }
    }
    return op(this.memory);
  }

  // ---- quotes ------------------------------------------------------------------------------

  /** Records the latest ticks; never waits on Redis (writes are batched). */
  putTicks(ticks: readonly Tick[], receivedAt = this.clock.now()): void {
    for (const tick of ticks) this.pending.set(tick.instrument_token, { tick, as_of: receivedAt });
    if (!this.flushTimer && !this.closed) {
      this.flushTimer = setTimeout(() => {
        this.flushTimer = undefined;
        void this.flush();
      }, FLUSH_INTERVAL_MS);
      this.flushTimer.unref();
    }
  }

  /** Writes the latest value per instrument since the last flush in one round trip. */
  async flush(): Promise<void> {
    if (this.flushing || this.pending.size === 0) return;
    this.flushing = true;
    const batch = [...this.pending].map(([token, q]) => [this.quoteKey(token), q] as [string, unknown]);
    const written = new Map(this.pending);
    try {
      await this.run((s) => s.store.mset(batch, this.ttl));
      for (const [token, q] of written) if (this.pending.get(token) === q) this.pending.delete(token);
    } catch (err) {
      this.logger.warn(`cache: flush failed: ${(err as Error).message}`);
    } finally {
      this.flushing = false;
    }
  }

  private fresh(q: CachedQuote | undefined | null): CachedQuote | undefined {
    return q && this.clock.now() - q.as_of <= this.ttl ? q : undefined;
  }

  /** Fresh quotes (younger than CACHE_TTL_MS) for the given tokens; absent ones are left out. */
  async getQuotes(tokens: readonly number[], countAsRead = true): Promise<Map<number, CachedQuote>> {
    const out = new Map<number, CachedQuote>();
    const missing: number[] = [];
    for (const t of tokens) {
      const q = this.fresh(this.pending.get(t));
      if (q) out.set(t, q);
      else missing.push(t);
    }
    if (missing.length > 0) {
      const values = await this.run((s) => s.store.mget(...missing.map((t) => this.quoteKey(t)))).catch(
        () => [],
      );
      missing.forEach((t, i) => {
        const q = this.fresh(values[i] as CachedQuote | undefined);
        if (q) out.set(t, q);
      });
    }
    if (countAsRead) {
      this.hits.inc(out.size);
      this.misses.inc(tokens.length - out.size);
    }
    return out;
  }

  /** Drops every quote at once (a new key generation): nothing from the previous session survives. */
  invalidateQuotes(): void {
    this.generation = randomUUID().slice(0, 8);
    this.pending.clear();
  }

  // ---- session and instrument master ----------------------------------------------------------

  async getSession(): Promise<string | undefined> {
    return (await this.run((s) => s.get<string>(this.key('session')))) ?? undefined;
  }

  async setSession(blob: string): Promise<void> {
    // Always mirrored in memory (recover() writes it back to a Redis that lost it); Redis too when up.
    await this.memory.set(this.key('session'), blob, 0);
    if (this.usingRedis) await this.run((s) => s.set(this.key('session'), blob, 0));
  }

  async deleteSession(): Promise<void> {
    await this.memory.del(this.key('session'));
    await this.run((s) => s.del(this.key('session')));
  }

  async getInstruments<T>(): Promise<T[] | undefined> {
    return (await this.run((s) => s.get<T[]>(this.key('instruments')))) ?? undefined;
  }

  async setInstruments<T>(rows: T[]): Promise<void> {
    await this.run((s) => s.set(this.key('instruments'), rows, INSTRUMENTS_TTL_MS));
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
