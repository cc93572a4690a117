import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { FakeClock } from '../clock/clock.js';
import type { AppConfigService } from '../config/app-config.service.js';
import { RelayEvents } from '../events/relay-events.js';
import type { Tick } from '../kite/tick.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { QuoteStore } from '../redis/quote.store.js';
import type { RedisClients } from '../redis/redis-clients.js';
import { CacheService } from './cache.service.js';
import type { CachedQuote } from '../contracts/cached-quote.contract.js';

const TTL = 5000;

/** QuoteStore with Redis' behaviour for what the cache uses, and a switch that makes it fail. */
class FakeStore {
  data = new Map<string, CachedQuote>();
  generationInRedis = 0;
  fail = false;
  writes = 0;
  private check() {
    if (this.fail) return Promise.reject(new Error('Connection is closed.'));
    return Promise.resolve();
  }
  async write(generation: number, batch: [number, CachedQuote][]) {
    await this.check();
    this.writes++;
    for (const [t, q] of batch) this.data.set(`${generation}:${t}`, q);
  }
  async read(generation: number, tokens: number[]) {
    await this.check();
    return tokens.map((t) => this.data.get(`${generation}:${t}`));
  }
  async nextGeneration() {
    await this.check();
    return ++this.generationInRedis;
  }
  async raiseGeneration(g: number) {
    await this.check();
    this.generationInRedis = Math.max(this.generationInRedis, g);
    return this.generationInRedis;
  }
}

class FakeRedis {
  configured = true;
  up = true;
  constructor(private readonly events: RelayEvents) {}
  reportFailure() {
    if (!this.up) return;
    this.up = false;
    this.events.emit('redis.availability', { up: false });
  }
  back() {
    this.up = true;
    this.events.emit('redis.availability', { up: true });
  }
}

const tick = (token: number, last_price: number): Tick => ({
  instrument_token: token,
  mode: 'ltp',
  tradable: true,
  last_price,
});

describe('CacheService: one short TTL, memory while Redis is down, nothing of an old session', () => {
  let clock: FakeClock;
  let store: FakeStore;
  let events: RelayEvents;
  let redis: FakeRedis;
  let cache: CacheService;
  const make = (nodeId = 'node-a') => {
    const config = { values: { cacheTtlMs: TTL, nodeId } } as unknown as AppConfigService;
    const c = new CacheService(
      config,
      clock,
      store as unknown as QuoteStore,
      redis as unknown as RedisClients,
      events,
      new MetricsService(),
    );
    c.onModuleInit();
    return c;
  };
  beforeEach(() => {
    clock = new FakeClock('2026-12-01T10:00:00+05:30');
    store = new FakeStore();
    events = new RelayEvents();
    redis = new FakeRedis(events);
    cache = make();
  });
  afterEach(async () => {
    await cache.onApplicationShutdown();
  });

  it('a quote is served until it is CACHE_TTL_MS old, never after', async () => {
    cache.putTicks([tick(1, 100)]);
    await cache.flush();
    assert.equal(store.writes, 1, 'written to Redis in one batch');
    clock.advance(TTL);
    assert.equal((await cache.getQuotes([1])).get(1)?.tick.last_price, 100);
    clock.advance(1);
    assert.equal((await cache.getQuotes([1])).size, 0, 'stale: not served');
  });

  it("a follower's ticks (the holder writes them): served on this node, never written to Redis by it", async () => {
    cache.putTicks([tick(8, 800)], clock.now(), true);
    await cache.flush();
    assert.equal(store.writes, 0, 'the holder writes these; a follower adds no Redis write');
    assert.equal((await cache.getQuotes([8])).get(8)?.tick.last_price, 800, 'served from this node');
    clock.advance(10);
    cache.putTicks([tick(8, 801)]);
    assert.equal((await cache.getQuotes([8])).get(8)?.tick.last_price, 801, 'the newer quote wins');
    clock.advance(TTL + 1);
    assert.equal((await cache.getQuotes([8])).size, 0, 'the TTL holds for them too');
    cache.putTicks([tick(9, 900)], clock.now(), true);
    events.emit('session.expired', { origin: 'node-a', reason: 'token refused' });
    assert.equal((await cache.getQuotes([9])).size, 0, 'a new session drops them');
  });

  it('writes are batched: many ticks of one instrument make one write of the latest', async () => {
    for (let p = 1; p <= 50; p++) cache.putTicks([tick(7, p)]);
    await cache.flush();
    assert.equal(store.writes, 1);
    assert.equal([...store.data.values()][0].tick.last_price, 50);
  });

  it('Redis down: answered from memory at once, mode "fallback"; back up: Redis again', async () => {
    store.fail = true;
    cache.putTicks([tick(2, 200)]);
    await cache.flush();
    assert.equal(cache.mode, 'fallback');
    assert.equal((await cache.getQuotes([2])).get(2)?.tick.last_price, 200, 'from memory');
    store.fail = false;
    redis.back();
    assert.equal(cache.mode, 'redis');
    cache.putTicks([tick(3, 300)]);
    await cache.flush();
    assert.equal((await cache.getQuotes([3])).get(3)?.tick.last_price, 300);
  });

  it('a memory quote is no fresher than a Redis one: the TTL holds in the fallback too', async () => {
    store.fail = true;
    cache.putTicks([tick(4, 400)]);
    await cache.flush();
    clock.advance(TTL + 1);
    assert.equal((await cache.getQuotes([4])).size, 0);
  });

  it('a new Kite session on this node: nothing stored before is served again, on any node', async () => {
    const other = make('node-b');
    cache.putTicks([tick(5, 500)]);
    await cache.flush();
    assert.equal((await other.getQuotes([5])).size, 1, 'the other node reads it from Redis');
    events.emit('session.changed', { origin: 'node-a', fresh: true } as never);
    await new Promise((r) => setImmediate(r));
    assert.equal((await cache.getQuotes([5])).size, 0, 'not here');
    assert.equal((await other.getQuotes([5])).size, 0, 'nor on the node that heard quotes.invalidated');
    await other.onApplicationShutdown();
  });
});
