import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { RedisServer } from '../../test/helpers/redis-server.js';
import { clusterKeyFor, refusedRecords } from '../../test/helpers/cluster-key.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { CANDLE_KEY_TTL_MS, CandleStore } from './candle.store.js';
import type { RedisClients } from './redis-clients.js';

const metrics = new MetricsService();
const clusterKey = clusterKeyFor('candle-store-spec-0123456789abcdef0123', metrics);
/** A stored hash without its seals (each value is `<43-character MAC>.<value>`). */
const unsealed = (hash: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(hash).map(([f, v]) => [f, v[43] === '.' ? v.slice(44) : `unsealed ${v}`]),
  );

const INFY = 408065;
const TCS = 2953217;
const DAY = '2026-12-01';
const ist = (hms: string) => Date.parse(`${DAY}T${hms}+05:30`);
const sec = (hms: string) => String(ist(hms) / 1000);

function store(command: Redis, prefix: string) {
  const failures: string[] = [];
  const clients = {
    command,
    prefix,
    key: (n: string) => prefix + n,
    reportFailure: (r: string) => failures.push(r),
  };
  return { s: new CandleStore(clients as unknown as RedisClients, clusterKey), failures };
}

const refused = () => refusedRecords(metrics, 'candle');

describe('CandleStore against a redis-server of its own', () => {
  let server: RedisServer;
  before(async () => {
    server = await RedisServer.start();
  });
  after(async () => {
    await server?.close();
  });

  it('the layout on Redis: a hash per day and instrument, a field per minute and meta, expiring in a day', async () => {
    const { s } = store(server.client, 'kr-a:');
    await s.save(DAY, [
      {
        token: INFY,
        upserts: [
          { t: ist('09:15:00'), o: 100, h: 102, l: 99.5, c: 101, v: 1500 },
          { t: ist('09:16:00'), o: 101, h: 101, l: 101, c: 101, v: 0 },
        ],
        removed: [],
        cum: 2500,
        completeFrom: ist('09:16:00'),
      },
      {
        token: TCS,
        upserts: [{ t: ist('09:15:00'), o: 1, h: 1, l: 1, c: 1, v: 0 }],
        removed: [],
        completeFrom: 5,
      },
    ]);
    const key = `kr-a:candles:${DAY}:${INFY}`;
    assert.deepEqual(unsealed(await server.client.hgetall(key)), {
      meta: `2500,${ist('09:16:00')}`,
      [sec('09:15:00')]: '100,102,99.5,101,1500',
      [sec('09:16:00')]: '101,101,101,101,0',
    });
    assert.equal(
      (await server.client.hget(`kr-a:candles:${DAY}:${TCS}`, 'meta'))!.slice(44),
      ',5',
      'no cum: empty',
    );
    const ttl = await server.client.pttl(key);
    assert.ok(ttl > CANDLE_KEY_TTL_MS - 60_000 && ttl <= CANDLE_KEY_TTL_MS, `ttl ${ttl}`);
    const loaded = (await s.load(DAY)).sort((a, b) => a.token - b.token);
    assert.deepEqual(loaded, [
      {
        token: INFY,
        candles: [
          { t: ist('09:15:00'), o: 100, h: 102, l: 99.5, c: 101, v: 1500 },
          { t: ist('09:16:00'), o: 101, h: 101, l: 101, c: 101, v: 0 },
        ],
        cum: 2500,
        completeFrom: ist('09:16:00'),
      },
      {
        token: TCS,
        candles: [{ t: ist('09:15:00'), o: 1, h: 1, l: 1, c: 1, v: 0 }],
        cum: undefined,
        completeFrom: 5,
      },
    ]);
    assert.deepEqual(await store(server.client, 'kr-b:').s.load(DAY), [], 'prefixes do not mix');
    assert.deepEqual(await s.load('2026-12-02'), [], 'days do not mix');
  });

  it('a removed minute is deleted; malformed fields are skipped and a hash without meta is ignored', async () => {
    const { s } = store(server.client, 'kr-c:');
    const c = (hms: string, o: number) => ({ t: ist(hms), o, h: o, l: o, c: o, v: 1 });
    await s.save(DAY, [
      { token: INFY, upserts: [c('09:15:00', 1), c('09:16:00', 2)], removed: [], completeFrom: 0 },
    ]);
    await s.save(DAY, [
      { token: INFY, upserts: [c('09:17:00', 3)], removed: [ist('09:15:00')], cum: 9, completeFrom: 0 },
    ]);
    const key = `kr-c:candles:${DAY}:${INFY}`;
    assert.equal(await server.client.hexists(key, sec('09:15:00')), 0);
    await server.client.hset(key, '123', 'garbage', 'xyz', '1,2,3,4,5');
    await server.client.hset(`kr-c:candles:${DAY}:${TCS}`, sec('09:15:00'), '1,1,1,1,1');
    const [only, ...rest] = await s.load(DAY);
    assert.deepEqual(rest, []);
    assert.deepEqual(
      only.candles.map((x) => x.o),
      [2, 3],
    );
    assert.equal(only.cum, 9);
  });

  it('a minute or a meta written into Redis, edited, or copied to another minute or instrument is not loaded, counted', async () => {
    const { s } = store(server.client, 'kr-e:');
    const c = (hms: string, o: number) => ({ t: ist(hms), o, h: o, l: o, c: o, v: 1 });
    await s.save(DAY, [
      { token: INFY, upserts: [c('09:15:00', 1), c('09:16:00', 2)], removed: [], cum: 2, completeFrom: 0 },
    ]);
    const key = `kr-e:candles:${DAY}:${INFY}`;
    const genuine = await server.client.hgetall(key);
    const refusedBefore = await refused();
    await server.client.hset(key, sec('09:17:00'), '500,500,500,500,1'); // planted
    await server.client.hset(key, sec('09:18:00'), genuine[sec('09:16:00')]); // copied to another minute
    await server.client.hset(
      key,
      sec('09:15:00'),
      genuine[sec('09:15:00')].replace(/1,1,1,1,1$/, '9,9,9,9,1'),
    );
    // A planted instrument, with a genuine meta copied from another: no meta that opens, not loaded.
    await server.client.hset(
      `kr-e:candles:${DAY}:${TCS}`,
      'meta',
      genuine.meta,
      sec('09:15:00'),
      '1,1,1,1,1',
    );
    const loaded = await s.load(DAY);
    assert.deepEqual(
      loaded.map((x) => [x.token, x.candles.map((k) => k.o)]),
      [[INFY, [2]]],
    );
    assert.equal((await refused()) - refusedBefore, 5);
  });

  it('a save to a Redis that does not answer is reported to RedisClients and rejected', async () => {
    const dead = new Redis({
      port: 1,
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
    });
    dead.on('error', () => undefined);
    try {
      const { s, failures } = store(dead, 'kr-d:');
      await assert.rejects(s.save(DAY, [{ token: INFY, upserts: [], removed: [], completeFrom: 0 }]));
      await assert.rejects(s.load(DAY));
      assert.equal(failures.length, 2);
      assert.match(failures[0], /^candle store: /);
      assert.deepEqual(await s.save(DAY, []), undefined, 'nothing to write sends nothing');
      assert.equal(failures.length, 2);
    } finally {
      dead.disconnect();
    }
  });
});
