import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CacheService } from '../../src/cache/cache.service.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { TestApp } from '../helpers/test-app.js';
import { RedisServer } from '../helpers/redis-server.js';
import { sleep, waitFor } from '../helpers/wait.js';

const TTL = 1000;

describe('cache: one layer, a few seconds of truth, Redis with an in-memory fallback', () => {
  let redis: RedisServer;
  let t: TestApp;
  let viewer: string;
  const quoteCalls = async (): Promise<number> => (await t.simStats()).rest_calls['/quote'] ?? 0;
  const quote = (...symbols: string[]) =>
    t.http(`/api/quotes?${symbols.map((s) => `i=${encodeURIComponent(s)}`).join('&')}`, { token: viewer });
  const health = async () => (await t.http('/health')).body;

  before(async () => {
    redis = await RedisServer.start();
    t = await TestApp.start({ env: { REDIS_URL: redis.url, CACHE_TTL_MS: String(TTL) } });
    viewer = t.token('viewer');
    await t.login();
    await waitFor(async () => (await health())?.info?.cache?.mode === 'redis', 'cache on Redis');
  });
  after(async () => {
    await t.close();
    await redis.close();
  });

  it('a quote fetched now is served from Redis now, is gone after the TTL, and the next read goes to Kite', async () => {
    const before = await quoteCalls();
    const first = await quote('NSE:INFY');
    assert.equal(first.status, 200);
    assert.equal(await quoteCalls(), before + 1);
    await t.get(CacheService).flush();
    const keys = await redis.client.keys(`${t.cacheKeyPrefix}q:*`);
    assert.equal(keys.length, 1, 'one quote key in Redis');
    const pttl = await redis.client.pttl(keys[0]);
    assert.ok(pttl > 0 && pttl <= TTL, `Redis holds it with the TTL (${pttl} ms)`);

    const again = await quote('NSE:INFY');
    assert.deepEqual(again.body.data['NSE:INFY'], first.body.data['NSE:INFY'], 'the same cached quote');
    assert.equal(await quoteCalls(), before + 1, 'no Kite call for a fresh hit');

    await waitFor(async () => (await redis.client.exists(keys[0])) === 0, 'expired in Redis', TTL + 2000);
    const later = await quote('NSE:INFY');
    assert.equal(later.status, 200);
    assert.equal(await quoteCalls(), before + 2, 'after the TTL the read goes to Kite');
    assert.notEqual(later.body.data['NSE:INFY'].as_of, first.body.data['NSE:INFY'].as_of);
  });

  it('ten concurrent misses make one Kite request', async () => {
    // Nothing of the test before is cached any more.
    await waitFor(
      async () => (await redis.client.keys(`${t.cacheKeyPrefix}q:*`)).length === 0,
      'earlier quotes expired',
      TTL + 2000,
    );
    const before = await quoteCalls();
    const answers = await Promise.all(Array.from({ length: 10 }, () => quote('NSE:TCS', 'NSE:HDFCBANK')));
    assert.ok(answers.every((a) => a.status === 200 && a.body.missing.length === 0));
    assert.equal(new Set(answers.map((a) => a.body.data['NSE:TCS'].as_of)).size, 1);
    assert.equal(await quoteCalls(), before + 1);
  });

  it('a quote planted or edited in Redis is not served: the read goes to Kite, and the refusal is counted', async () => {
    const first = await quote('NSE:INFY');
    assert.equal(first.status, 200);
    await t.get(CacheService).flush();
    const before = await quoteCalls();
    const token = (first.body.data['NSE:INFY'] as { instrument_token: number }).instrument_token;
    const [key, ...more] = await redis.client.keys(`${t.cacheKeyPrefix}q:*:${token}`);
    assert.equal(more.length, 0, 'one generation');
    const stored = (await redis.client.get(key))!;
    assert.equal(stored[43], '.', 'sealed: a MAC, a dot, the JSON');
    const edited = JSON.parse(stored.slice(44)) as { tick: { last_price: number } };
    edited.tick.last_price = 0.05;
    // Unsealed, and then with the genuine seal over the edited JSON.
    for (const value of [JSON.stringify(edited), `${stored.slice(0, 44)}${JSON.stringify(edited)}`]) {
      await redis.client.set(key, value, 'PX', TTL);
      const served = await quote('NSE:INFY');
      assert.equal(served.status, 200);
      assert.notEqual(served.body.data['NSE:INFY'].last_price, 0.05, 'the planted price is not served');
      await t.get(CacheService).flush(); // Kite's answer goes to Redis: the next read is Redis'
    }
    assert.equal(await quoteCalls(), before + 2, 'each refused quote was asked of Kite again');
    assert.match(
      await t.get(MetricsService).registry.metrics(),
      /kite_relay_redis_records_refused_total\{kind="quote"\} 2/,
    );
  });

  it('a session change empties the quotes', async () => {
    const before = await quoteCalls();
    await quote('NSE:RELIANCE');
    assert.equal(await quoteCalls(), before + 1);
    await quote('NSE:RELIANCE');
    assert.equal(await quoteCalls(), before + 1, 'cached');
    await t.login(); // a new Kite session
    await quote('NSE:RELIANCE');
    assert.equal(await quoteCalls(), before + 2, 'the previous session left nothing behind');
  });

  it('Redis stopped under a stream of ticks and reads: no error reaches a caller, health degrades and recovers, nothing older than the TTL', async (ctx) => {
    const client = t.client({ token: viewer });
    await t.connected(client);
    const ack = await client.timeout(5000).emitWithAck('subscribe', {
      instruments: ['NSE:INFY', 'NSE:TCS', 'NSE:RELIANCE', 'NSE:HDFCBANK'],
      mode: 'quote',
    });
    assert.equal(ack.ok, true);
    let ticks = 0;
    client.on('ticks', (batch) => (ticks += batch.length));
    await waitFor(() => ticks > 10, 'ticks flowing');

    const failures: string[] = [];
    let reads = 0;
    let stale = 0;
    let running = true;
    const reader = (async () => {
      while (running) {
        const r = await quote('NSE:INFY', 'NSE:TCS');
        reads++;
        if (r.status !== 200) failures.push(`${r.status} ${r.text}`);
        for (const q of Object.values<{ as_of: string }>(r.body?.data ?? {})) {
          if (Date.now() - Date.parse(q.as_of) > TTL) stale++;
        }
        await sleep(20); // the reader's pace
      }
    })();

    await waitFor(() => reads >= 5, 'reads under way');
    const stoppedAt = Date.now();
    await redis.stop();
    const degraded = await waitFor(async () => {
      const h = await health();
      return h?.info?.cache?.status === 'degraded' || h?.error?.cache?.status === 'degraded' ? h : undefined;
    }, 'health shows the fallback');
    const detectMs = Date.now() - stoppedAt;
    assert.equal(
      (degraded.info?.cache ?? degraded.error?.cache)?.message,
      'degraded (memory fallback)',
      JSON.stringify(degraded),
    );
    assert.equal((await t.http('/health/ready')).status, 200, 'still ready');
    const ticksAtStop = ticks;
    await waitFor(() => ticks > ticksAtStop + 5, 'ticks keep flowing while Redis is down', 3000);
    const readsWhileDown = reads;
    await waitFor(() => reads >= readsWhileDown + 5, 'reads answered while Redis is down', 3000);

    const restartedAt = Date.now();
    await redis.start();
    await waitFor(async () => (await health())?.info?.cache?.mode === 'redis', 'back to Redis', 10_000);
    const recoverMs = Date.now() - restartedAt;
    const readsAtRecovery = reads;
    await waitFor(() => reads >= readsAtRecovery + 5, 'reads on Redis again');
    running = false;
    await reader;

    ctx.diagnostic(
      `fallback seen after ${detectMs} ms, back to Redis ${recoverMs} ms after restart, ${reads} reads`,
    );
    assert.deepEqual(failures, [], 'no read failed');
    assert.equal(stale, 0, 'nothing older than the TTL was returned');
    assert.ok(detectMs < 2000, `fallback seen after ${detectMs} ms`);
    assert.ok(recoverMs < 5000, `back to Redis after ${recoverMs} ms`);
    // The session written while Redis was away is back in Redis, so a restart keeps it.
    assert.equal(await redis.client.exists(`${t.cacheKeyPrefix}session`), 1);
    const warnings = t.logs.filter((l) => l.includes('Redis unavailable'));
    assert.equal(warnings.length, 1, 'the outage is logged once');
    const metrics = (await t.http('/metrics')).text;
    assert.match(metrics, /kite_relay_cache_fallbacks_total 1\b/);
    assert.match(metrics, /kite_relay_cache_redis_active 1\b/);
    client.disconnect();
  });
});
