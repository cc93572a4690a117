import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AppConfigService } from '../config/app-config.service.js';
import type { InstrumentsService, Resolution } from '../instruments/instruments.service.js';
import type { TickMode } from '../kite/kite.constants.js';
import type { MarketFeedService } from '../market-feed/market-feed.service.js';
import { SubscriptionRegistry } from '../market-feed/subscription-registry.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ClientSubscriptionService } from './client-subscription.service.js';
import { NO_SUBS, type ClientState } from './client-state.js';
import { TokenBucket } from './rate-limiter.js';
import { RelayEvents } from '../events/relay-events.js';
import { StandaloneUsage } from './cluster-usage.js';
import { UserLimitsService } from './user-limits.service.js';

const SYMBOLS: Record<string, number> = { 'NSE:INFY': 408065, 'NSE:TCS': 2953217, 'NSE:FULL': 7 };

function setup(o: { loaded?: boolean; capacity?: number; max?: number; perUser?: number } = {}) {
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
  const config = {
    values: {
      maxSubscriptionsPerClient: o.max ?? 500,
      maxConnectionsPerUser: 20,
      maxInstrumentsPerUser: o.perUser ?? 1000,
    },
  } as AppConfigService;
  const limits = new UserLimitsService(config, new StandaloneUsage(), new RelayEvents());
  const metrics = new MetricsService();
  const sut = new ClientSubscriptionService(config, instruments, feed, limits, metrics);
  const stateOf = (sub: string): ClientState => ({
    principal: { sub, role: 'viewer', exp: 0 },
    // As the gateway makes it: the shared empty map until the first subscription.
    subs: NO_SUBS,
    bucket: new TokenBucket(20, 10),
  });
  return { sut, state: stateOf('u'), stateOf, registry, released, limits, metrics };
}

describe('ClientSubscriptionService', () => {
  it('an idle client shares the one empty map; its first subscription gets it its own, no other client sees it', async () => {
    const { sut, stateOf } = setup();
    const a = stateOf('a');
    const b = stateOf('b');
    assert.equal(a.subs, b.subs);
    await sut.subscribe('sa', a, { instruments: ['NSE:INFY'], mode: 'ltp' });
    assert.notEqual(a.subs, NO_SUBS);
    assert.deepEqual([...a.subs.values()], ['ltp']);
    assert.equal(b.subs.size, 0);
    assert.equal(NO_SUBS.size, 0);
    assert.throws(() => NO_SUBS.set(1, 'ltp'), /NO_SUBS is shared/);
  });

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

  it('past the per-user cap (distinct instruments over all of a user’s sockets) the whole request is refused with user_limit', async () => {
    const { sut, stateOf, limits, registry, metrics } = setup({ perUser: 4 });
    const a1 = stateOf('alice');
    const a2 = stateOf('alice');
    assert.ok((await sut.subscribe('a1', a1, { instruments: [1, 2, 3] })).ack.ok);
    const out = await sut.subscribe('a2', a2, { instruments: [3, 4, 5] });
    assert.equal(out.ack.ok, false);
    assert.equal(!out.ack.ok && out.ack.error.code, 'user_limit');
    assert.match(!out.ack.ok ? out.ack.error.message : '', /MAX_INSTRUMENTS_PER_USER.*holds 3.*adds 2/);
    assert.equal(a2.subs.size, 0, 'nothing of the refused request was taken');
    assert.equal(registry.size, 3, 'nor asked of the feed');
    assert.ok((await sut.subscribe('a2', a2, { instruments: [3, 4] })).ack.ok, 'up to the cap is fine');
    const bob = await sut.subscribe('b1', stateOf('bob'), { instruments: [5, 6, 7, 8] });
    assert.ok(bob.ack.ok && bob.ack.subscribed.length === 4, 'another user is unaffected');
    assert.match(
      await metrics.registry.metrics(),
      /kite_relay_subscribe_rejected_total\{reason="user_limit"\} 2/,
    );
    sut.unsubscribe('a1', a1, { instruments: [1, 2] });
    assert.ok((await sut.subscribe('a2', a2, { instruments: [9, 10] })).ack.ok, 'unsubscribing frees places');
    sut.disconnect('a2');
    assert.deepEqual([...(limits.local().get('alice')?.instruments ?? [])], [3], 'a1 still holds 3');
  });

  it('instruments the feed refuses (capacity) do not count against the user', async () => {
    const { sut, stateOf, limits } = setup({ capacity: 2, perUser: 1000 });
    const out = await sut.subscribe('a1', stateOf('alice'), { instruments: [1, 2, 3] });
    assert.ok(out.ack.ok);
    assert.deepEqual(out.ack.rejected, [{ instrument: 3, reason: 'capacity' }]);
    assert.deepEqual([...(limits.local().get('alice')?.instruments ?? [])].sort(), [1, 2]);
  });
});
