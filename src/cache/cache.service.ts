import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { createCache, memoryStore, type Cache } from 'cache-manager';
import { Clock } from '../clock/clock.js';
import { errorText } from '../common/error-text.js';
import { AppConfigService } from '../config/app-config.service.js';
import { RelayEvents } from '../events/relay-events.js';
import type { Tick } from '../kite/tick.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { QuoteStore } from '../redis/quote.store.js';
import { RedisClients } from '../redis/redis-clients.js';
import { FLUSH_INTERVAL_MS, REDIS_COMMAND_TIMEOUT_MS } from './cache.constants.js';
import type { CachedQuote } from '../contracts/cached-quote.contract.js';

export type CacheMode = 'redis' | 'memory' | 'fallback';

/**
 * The one quote cache: the latest quote per instrument, never returned older than CACHE_TTL_MS.
 * Policy only: freshness on read, writes batched from the tick path, and the in-memory store while
 * Redis is down (or not configured). Redis I/O is QuoteStore's.
 * Never rejects: a Redis failure switches to memory and the call is answered from there.
 */
@Injectable()
export class CacheService implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(CacheService.name);
  private readonly ttl: number;
  private memory: Cache = CacheService.memoryCache();
  /** The quote key generation: a number, shared through Redis (see QuoteStore). */
  private generation = 0;
  private readonly pending = new Map<number, CachedQuote>();
  /** Quotes another node writes to Redis (a follower's, from the holder's frames): kept here only. */
  private readonly local = new Map<number, CachedQuote>();
  private flushTimer?: NodeJS.Timeout;
  private flushing = false;
  private closed = false;
  private readonly unsubscribe: (() => void)[] = [];
  private readonly m;
  private readonly nodeId: string;

  constructor(
    config: AppConfigService,
    private readonly clock: Clock,
    private readonly store: QuoteStore,
    private readonly redis: RedisClients,
    private readonly events: RelayEvents,
    metrics: MetricsService,
  ) {
    this.ttl = config.values.cacheTtlMs;
    this.nodeId = config.values.nodeId;
    this.m = {
      hits: metrics.counter('cache_hits_total', 'Quote reads answered by the cache'),
      misses: metrics.counter('cache_misses_total', 'Quote reads the cache could not answer fresh'),
      fallbacks: metrics.counter('cache_fallbacks_total', 'Switches from Redis to the in-memory store'),
      redisActive: metrics.gauge('cache_redis_active', 'Whether Redis is the active store (0 = memory)'),
      mode: metrics.gauge('cache_mode', 'The store the cache uses (1 for the current mode)', ['mode']),
    };
  }

  private static memoryCache(): Cache {
    // No deep copy per write (lodash.clonedeep was 12 % of a Redis-less node's busy time with the
    // feed at 2,000 ticks/s): a cached quote holds the decoded tick, which nothing changes after
    // decoding (modes are projected into new objects), and reads were never copied either.
    return createCache(memoryStore({ max: 200_000, ttl: 0, shouldCloneBeforeSet: false }));
  }

  onModuleInit(): void {
    this.unsubscribe.push(
      this.events.on('redis.availability', ({ up }) => {
        if (!up) this.m.fallbacks.inc();
        if (up) void this.syncGeneration();
        this.updateMode();
      }),
      // A new, changed or ended Kite session leaves nothing of the previous one behind. The node
      // where it happened starts a new key generation; the others adopt it from quotes.invalidated.
      this.events.on('session.changed', (e) => {
        if (e.fresh) this.onSession(e.origin);
      }),
      this.events.on('session.expired', (e) => this.onSession(e.origin)),
      this.events.on('session.cleared', (e) => this.onSession(e.origin)),
      this.events.on('quotes.invalidated', (e) => {
        if (e.origin !== this.nodeId) this.adoptGeneration(e.generation);
      }),
    );
    this.updateMode();
    if (this.redis.up) void this.syncGeneration();
  }

  async onApplicationShutdown(): Promise<void> {
    this.closed = true;
    for (const u of this.unsubscribe) u();
    clearTimeout(this.flushTimer);
    await this.flush();
  }

  get mode(): CacheMode {
    if (!this.redis.configured) return 'memory';
    return this.redis.up ? 'redis' : 'fallback';
  }

  private updateMode(): void {
    const mode = this.mode;
    for (const m of ['redis', 'memory', 'fallback'] as const) {
      this.m.mode.set({ mode: m }, m === mode ? 1 : 0);
    }
    this.m.redisActive.set(mode === 'redis' ? 1 : 0);
  }

  /** Runs `op` against Redis when it answers; a failure or a timeout marks it down and answers from memory. */
  private async run<T>(redisOp: () => Promise<T>, memoryOp: () => Promise<T>): Promise<T> {
    if (this.redis.up) {
      try {
        return await withTimeout(redisOp(), REDIS_COMMAND_TIMEOUT_MS);
      } catch (err) {
        this.redis.reportFailure(errorText(err));
      }
    }
    return memoryOp();
  }

  /**
   * Records the latest ticks; never waits on Redis (writes are batched). `shared`: another node
   * writes the same ticks to Redis (the holder, for a follower's bus frames), so they are kept on
   * this node only: one write per tick for the cluster, not one per node.
   */
  putTicks(ticks: readonly Tick[], receivedAt = this.clock.now(), shared = false): void {
    const into = shared ? this.local : this.pending;
    for (const tick of ticks) into.set(tick.instrument_token, { tick, as_of: receivedAt });
    if (shared) return;
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
    const written = new Map(this.pending);
    const batch = [...written];
    const generation = this.generation;
    await this.run(
      () => this.store.write(generation, batch, this.ttl),
      () =>
        this.memory.store.mset(
          batch.map(([token, q]) => [String(token), q]),
          this.ttl,
        ),
    );
    for (const [token, q] of written) if (this.pending.get(token) === q) this.pending.delete(token);
    this.flushing = false;
  }

  private fresh(q: CachedQuote | undefined | null): CachedQuote | undefined {
    return q && this.clock.now() - q.as_of <= this.ttl ? q : undefined;
  }

  /** Fresh quotes (younger than CACHE_TTL_MS) for the given tokens; absent ones are left out. */
  async getQuotes(tokens: readonly number[], countAsRead = true): Promise<Map<number, CachedQuote>> {
    const out = new Map<number, CachedQuote>();
    const missing: number[] = [];
    for (const t of tokens) {
      const q = this.fresh(newer(this.pending.get(t), this.local.get(t)));
      if (q) out.set(t, q);
      else missing.push(t);
    }
    if (missing.length > 0) {
      const generation = this.generation;
      const values = await this.run(
        () => this.store.read(generation, missing),
        async () => (await this.memory.store.mget(...missing.map(String))) as (CachedQuote | undefined)[],
      );
      missing.forEach((t, i) => {
        const q = this.fresh(values[i]);
        if (q) out.set(t, q);
      });
    }
    if (countAsRead) {
      this.m.hits.inc(out.size);
      this.m.misses.inc(tokens.length - out.size);
    }
    return out;
  }

  private onSession(origin: string): void {
    this.dropLocal();
    if (origin === this.nodeId) void this.invalidateQuotes();
  }

  private dropLocal(): void {
    this.pending.clear();
    this.local.clear();
    this.memory = CacheService.memoryCache();
  }

  /** Starts a new key generation for every node: no quote stored so far is served again. */
  private async invalidateQuotes(): Promise<void> {
    // Without Redis the next number is local; a Redis that answers again is raised to it (syncGeneration).
    let generation = this.generation + 1;
    if (this.redis.up) {
      try {
        generation = await withTimeout(this.store.nextGeneration(), REDIS_COMMAND_TIMEOUT_MS);
      } catch (err) {
        this.redis.reportFailure(errorText(err));
      }
    }
    this.generation = Math.max(this.generation + 1, generation);
    this.events.emit('quotes.invalidated', { origin: this.nodeId, generation: this.generation });
  }

  /** Moves to a newer generation heard from another node or read from Redis; an older one is ignored. */
  private adoptGeneration(generation: number): void {
    if (!(generation > this.generation)) return;
    this.generation = generation;
    this.dropLocal();
  }

  /** After Redis (re)connects: every node ends on the highest generation any of them used. */
  private async syncGeneration(): Promise<void> {
    try {
      this.adoptGeneration(
        await withTimeout(this.store.raiseGeneration(this.generation), REDIS_COMMAND_TIMEOUT_MS),
      );
    } catch (err) {
      this.redis.reportFailure(errorText(err));
    }
  }
}

function newer(a?: CachedQuote, b?: CachedQuote): CachedQuote | undefined {
  return !b || (a && a.as_of >= b.as_of) ? a : b;
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
