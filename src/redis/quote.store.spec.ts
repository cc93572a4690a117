import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RedisServer } from '../../test/helpers/redis-server.js';
import type { CachedQuote } from '../contracts/cached-quote.contract.js';
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
  before(async () => {
    server = await RedisServer.start();
    store = new QuoteStore({
      command: server.client,
      key: (n: string) => `qs:${n}`,
    } as unknown as RedisClients);
  });
  after(async () => {
    await server?.close();
  });

  it('a batch written is read back through cache-manager (its telejson parse) as written, per generation, with its TTL', async () => {
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
});
