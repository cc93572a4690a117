import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RedisServer } from '../../test/helpers/redis-server.js';
import { CandleBuilder } from './candle-builder.js';
import { MAX_CANDLES } from './candle.js';
import { CANDLE_KEY_TTL_MS, RedisCandleStore } from './redis-candle-store.js';

const INFY = 408065;
const DAY = '2026-12-01';
const ist = (hms: string) => Date.parse(`${DAY}T${hms}+05:30`);

describe('RedisCandleStore against a redis-server of its own', () => {
  let server: RedisServer;
  before(async () => {
    server = await RedisServer.start();
  });
  after(async () => {
    await server?.close();
  });

  it('a new builder reading the store continues where the first left off', async () => {
    const sut = new RedisCandleStore(server.client, 'kr-a:');
    const first = new CandleBuilder();
    first.onTick(INFY, 100, 1000, ist('09:15:10'));
    first.onTick(INFY, 102, 1100, ist('09:15:40'));
    first.onTick(INFY, 101, 1150, ist('09:16:05'));
    await sut.save(DAY, first.takeChanges());

    const second = new CandleBuilder();
    for (const s of await sut.load(DAY)) second.restore(s);
    second.onTick(INFY, 104, 1200, ist('09:16:30'));
    assert.deepEqual(second.candles(INFY), [
      { t: ist('09:15:00'), o: 100, h: 102, l: 100, c: 102, v: 100 },
      { t: ist('09:16:00'), o: 101, h: 104, l: 101, c: 104, v: 100 },
    ]);
    assert.equal(second.completeFrom(INFY), ist('09:16:00'));
    const key = `kr-a:candles:${DAY}:${INFY}`;
    const ttl = await server.client.pttl(key);
    assert.ok(ttl > CANDLE_KEY_TTL_MS - 60_000 && ttl <= CANDLE_KEY_TTL_MS, `ttl ${ttl}`);
    assert.deepEqual(await new RedisCandleStore(server.client, 'kr-b:').load(DAY), [], 'prefixes do not mix');
  });

  it('writes only the changed candles, drops those past the bound, skips malformed fields', async () => {
    const sut = new RedisCandleStore(server.client, 'kr-c:');
    const b = new CandleBuilder();
    const t0 = ist('09:00:00');
    for (let i = 0; i < MAX_CANDLES + 5; i++) b.onTick(INFY, 100, 1000 + i, t0 + i * 60_000);
    await sut.save(DAY, b.takeChanges());
    const key = `kr-c:candles:${DAY}:${INFY}`;
    assert.equal(await server.client.hlen(key), MAX_CANDLES + 1, 'the candles and the meta field');
    assert.equal(await server.client.hexists(key, String(t0 / 1000)), 0, 'the oldest went with the bound');
    await server.client.hset(key, '123', 'garbage', 'xyz', '1,2,3,4,5');
    const [s] = await sut.load(DAY);
    assert.equal(s.candles.length, MAX_CANDLES);
    assert.equal(s.candles[0].t, t0 + 5 * 60_000);
    assert.equal(s.cum, 1000 + MAX_CANDLES + 4);
  });
});
