import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RedisServer } from '../../test/helpers/redis-server.js';
import { clusterKeyFor as keyOf } from '../../test/helpers/cluster-key.js';
import type { CachedQuote } from '../contracts/cached-quote.contract.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { QuoteStore } from './quote.store.js';
import type { RedisClients } from './redis-clients.js';

const full: CachedQuote = {
  as_of: 1_764_750_000_000,
  tick: {
    instrument_token: 408065,
    mode: 'full',
    tradable: true,
    last_price: 1520.5,
    last_quantity: 10,
    average_price: 1519.2,
    volume: 123_456,
    buy_quantity: 1000,
    sell_quantity: 2000,
    ohlc: { open: 1500, high: 1530, low: 1495, close: 1510 },
    change: 0.66,
    change_percent: 0.66,
    last_trade_time: '2026-12-03T09:30:00+05:30',
    timestamp: null,
    oi: 0,
    oi_day_high: 0,
    oi_day_low: 0,
    depth: { buy: [{ quantity: 1, price: 1520.4, orders: 1 }], sell: [] },
    symbol: 'NSE:INFY',
  },
};

describe('QuoteStore on a real redis-server', () => {
  let server: RedisServer;
  let store: QuoteStore;
  let metrics: MetricsService;
  const clients = () =>
    ({ command: server.client, key: (n: string) => `qs:${n}` }) as unknown as RedisClients;
  before(async () => {
    server = await RedisServer.start();
    metrics = new MetricsService();
    store = new QuoteStore(clients(), keyOf('quote-store-spec-0123456789abcdef0123', metrics));
  });
  after(async () => {
    await server?.close();
  });

  it('a batch written is read back as written, per generation, with its TTL', async () => {
    const ltp: CachedQuote = {
      as_of: 1,
      tick: { instrument_token: 5, mode: 'ltp', tradable: false, last_price: 0.05 },
    };
    await store.write(
      3,
      [
        [408065, full],
        [5, ltp],
      ],
      60_000,
    );
    assert.deepEqual(await store.read(3, [408065, 5, 6]), [full, ltp, undefined]);
    assert.deepEqual(await store.read(4, [408065]), [undefined], 'another generation does not see it');
    const ttl = await server.client.pttl('qs:q:3:408065');
    assert.ok(ttl > 59_000 && ttl <= 60_000, `PX set: ${ttl}`);
  });

  it('a quote planted, edited, copied to another instrument or sealed under another key reads as none, counted', async () => {
    await store.write(7, [[408065, full]], 60_000);
    const genuine = (await server.client.get('qs:q:7:408065'))!;
    assert.equal(genuine.slice(44), JSON.stringify(full), 'the JSON after its 43-character MAC and a dot');
    const planted = JSON.stringify({ ...full, tick: { ...full.tick, last_price: 1 } });
    await server.client.set('qs:q:7:1', planted, 'PX', 60_000);
    await server.client.set('qs:q:7:2', genuine.replace('1520.5', '1.5'), 'PX', 60_000);
    await server.client.set('qs:q:7:3', genuine, 'PX', 60_000);
    const other = new QuoteStore(clients(), keyOf('another-deployment-0123456789abcdef0123'));
    await other.write(7, [[4, full]], 60_000);
    assert.deepEqual(await store.read(7, [408065, 1, 2, 3, 4]), [
      full,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
    assert.match(
      await metrics.registry.metrics(),
      /kite_relay_redis_records_refused_total\{kind="quote"\} 4/,
    );
  });
});
