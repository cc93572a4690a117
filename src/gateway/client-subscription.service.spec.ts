import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AppConfigService } from '../config/app-config.service.js';
import type { InstrumentsService, Resolution } from '../instruments/instruments.service.js';
import type { TickMode } from '../kite/kite.constants.js';
import type { MarketFeedService } from '../market-feed/market-feed.service.js';
import { SubscriptionRegistry } from '../market-feed/subscription-registry.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ClientSubscriptionService } from './client-subscription.service.js';
import type { ClientState } from './client-state.js';
import { TokenBucket } from './rate-limiter.js';

const SYMBOLS: Record<string, number> = { 'NSE:INFY': 408065, 'NSE:TCS': 2953217, 'NSE:FULL': 7 };

function setup(o: { loaded?: boolean; capacity?: number; max?: number } = {}) {
  const registry = new SubscriptionRegistry(o.capacity ?? 3000, 1);
  const released: number[][] = [];
  const instruments = {
    ready: async () => undefined,
    resolve: (input: unknown): Resolution => {
      if (typeof input === 'number') return { ok: true, token: input };
      if (o.loaded === false) return { ok: false, reason: 'instruments_not_loaded' };
      const token = SYMBOLS[String(input)];
      return token ? { ok: true, token, symbol: String(input) } : { ok: false, reason: 'unknown_instrument' };
    },
    symbolOf: (t: number) => Object.keys(SYMBOLS).find((k) => SYMBOLS[k] === t),
  } as unknown as InstrumentsService;
  const feed = {
    acquire: async (client: string, items: { token: number; mode: TickMode }[]) =>
      registry.acquire(client, items),
    release: (client: string, tokens?: number[]) => {
      released.push([...(tokens ?? [])]);
      return registry.release(client, tokens);
    },
  } as unknown as MarketFeedService;
  const config = { values: { maxSubscriptionsPerClient: o.max ?? 500 } } as AppConfigService;
  const sut = new ClientSubscriptionService(config, instruments, feed, new MetricsService());
  const state: ClientState = {
    principal: { sub: 'u', role: 'viewer', exp: 0 },
    subs: new Map(),
    bucket: new TokenBucket(20, 10),
  };
  return { sut, state, registry, released };
}

describe('ClientSubscriptionService', () => {
  it('resolves, acquires and acks as SPEC shows; unknown symbols are rejected by name', async () => {
    const { sut, state } = setup();
    const out = await sut.subscribe('s1', state, {
      instruments: ['NSE:INFY', 'NSE:NOPE', 408065],
      mode: 'full',
    });
    assert.deepEqual(out.ack, {
      ok: true,
      subscribed: [{ instrument_token: 408065, symbol: 'NSE:INFY', mode: 'full' }],
      rejected: [{ instrument: 'NSE:NOPE', reason: 'unknown_instrument' }],
    });
    assert.deepEqual(out.join, ['408065:full']);
    assert.deepEqual(out.fresh, [408065]);
  });

  it('before a master is loaded: a symbol is instruments_not_loaded, a token is accepted', async () => {
    const { sut, state } = setup({ loaded: false });
    const out = await sut.subscribe('s1', state, { instruments: ['NSE:INFY', 408065] });
    assert.ok(out.ack.ok);
    assert.deepEqual(out.ack.rejected, [{ instrument: 'NSE:INFY', reason: 'instruments_not_loaded' }]);
    assert.deepEqual(
      out.ack.subscribed.map((s) => s.instrument_token),
      [408065],
    );
  });

  it('a new mode moves the client from the old room to the new one, and snapshots it', async () => {
    const { sut, state } = setup();
    await sut.subscribe('s1', state, { instruments: [7], mode: 'quote' });
    const again = await sut.subscribe('s1', state, { instruments: [7], mode: 'quote' });
    assert.deepEqual(again.fresh, [], 'same mode: nothing new to snapshot');
    const out = await sut.subscribe('s1', state, { instruments: [7], mode: 'ltp' });
    assert.deepEqual(out.leave, ['7:quote']);
    assert.deepEqual(out.join, ['7:ltp']);
    assert.deepEqual(out.fresh, [7]);
  });

  it('past the per-client limit the whole request is refused with subscription_limit', async () => {
    const { sut, state } = setup({ max: 2 });
    await sut.subscribe('s1', state, { instruments: [1, 2] });
    const out = await sut.subscribe('s1', state, { instruments: [3] });
    assert.equal(out.ack.ok, false);
    assert.equal(!out.ack.ok && out.ack.error.code, 'subscription_limit');
    assert.equal(state.subs.size, 2);
  });

  it('capacity refusals from the feed come back per instrument', async () => {
    const { sut, state } = setup({ capacity: 1 });
    const out = await sut.subscribe('s1', state, { instruments: [1, 2] });
    assert.ok(out.ack.ok);
    assert.deepEqual(out.ack.rejected, [{ instrument: 2, reason: 'capacity' }]);
  });

  it('more than 20 events in a burst are answered rate_limited', async () => {
    const { sut, state } = setup();
    const codes: string[] = [];
    for (let i = 0; i < 25; i++) {
      const out = await sut.subscribe('s1', state, { instruments: [1] });
      codes.push(out.ack.ok ? 'ok' : out.ack.error.code);
    }
    assert.equal(codes.filter((c) => c === 'ok').length, 20);
    assert.equal(codes.filter((c) => c === 'rate_limited').length, 5);
  });

  it('unsubscribe releases only what the client held, and a malformed payload changes nothing', async () => {
    const { sut, state, released } = setup();
    await sut.subscribe('s1', state, { instruments: ['NSE:INFY', 'NSE:TCS'] });
    const bad = sut.unsubscribe('s1', state, { instruments: 'NSE:INFY' });
    assert.equal(bad.ack.ok, false);
    const out = sut.unsubscribe('s1', state, { instruments: ['NSE:INFY', 'NSE:FULL'] });
    assert.deepEqual(out.ack, { ok: true, unsubscribed: [{ instrument_token: 408065, symbol: 'NSE:INFY' }] });
    assert.deepEqual(out.leave, ['408065:quote']);
    assert.deepEqual(released.at(-1), [408065]);
    assert.deepEqual([...state.subs.keys()], [2953217]);
  });
});
