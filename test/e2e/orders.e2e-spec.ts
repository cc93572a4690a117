import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KiteSessionService } from '../../src/auth/kite-session.service.js';
import { TokenService } from '../../src/auth/token.service.js';
import { MarketFeedService } from '../../src/market-feed/market-feed.service.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { kiteOrder, OrderProbe } from '../helpers/order-probe.js';
import { TEST_JWT_SECRET, TestApp } from '../helpers/test-app.js';
import { waitFor } from '../helpers/wait.js';

const metric = async (t: TestApp, name: string) =>
  (await t.get(MetricsService).registry.getSingleMetric(`kite_relay_${name}`)?.get())?.values.reduce(
    (a, v) => a + v.value,
    0,
  ) ?? 0;

/** A viewer token with the `orders` scope, minted as an operator would: `npm run token -- --scope orders`. */
function cliOrdersToken(): string {
  const cli = fileURLToPath(new URL('../../src/auth/token-cli.js', import.meta.url));
  const out = spawnSync(
    process.execPath,
    [cli, '--role', 'viewer', '--ttl', '15m', '--sub', 'order-bot', '--scope', 'orders'],
    {
      env: { PATH: process.env.PATH, NODE_ENV: 'development', JWT_SECRET: TEST_JWT_SECRET },
      encoding: 'utf8',
    },
  );
  assert.equal(out.status, 0, out.stderr);
  return out.stdout.trim();
}

describe('order updates to Socket.IO clients (one node, Redis, simulator)', { timeout: 90_000 }, () => {
  let t: TestApp;
  let tokens: Record<'admin' | 'bot' | 'viewer' | 'invite', string>;
  let probes: Record<keyof typeof tokens, OrderProbe>;
  const settled = () => Promise.all(Object.values(probes).map((p) => p.settled()));
  const post = async (order: Record<string, unknown>) => {
    const r = await fetch(`${t.sim.urls.apiRoot}/__sim/orders`, {
      method: 'POST',
      body: JSON.stringify(order),
    });
    assert.equal(r.status, 200);
    return (await r.json()) as { ok: boolean; connections: number };
  };

  before(async () => {
    t = await TestApp.start();
    await t.login();
    await waitFor(() => t.get(MarketFeedService).state.state === 'LIVE', 'LIVE');
    const mint = t.get(TokenService);
    tokens = {
      admin: t.token('admin'),
      bot: cliOrdersToken(),
      viewer: t.token('viewer'),
      // Scoped or not, an invite viewer never sees the account's orders.
      invite: mint.mint('invite:priya.abc123', 'viewer', '10m', 'invite', { scopes: ['orders'] }).token,
    };
    probes = {
      admin: new OrderProbe(t.client({ token: tokens.admin })),
      bot: new OrderProbe(t.client({ token: tokens.bot })),
      viewer: new OrderProbe(t.client({ token: tokens.viewer })),
      invite: new OrderProbe(t.client({ token: tokens.invite })),
    };
    await Promise.all(Object.values(probes).map((p) => t.connected(p.socket)));
  });
  after(async () => {
    t.get(MarketFeedService).release('big');
    await t?.close();
  });

  it('an admin and an orders-scoped bot get exactly one order_update per POST /__sim/orders, with Kite’s data; a viewer and an invite viewer none', async () => {
    const order = kiteOrder('251203000000001', 'OPEN');
    assert.equal((await post(order)).connections, 1);
    await waitFor(() => probes.admin.orders.length > 0 && probes.bot.orders.length > 0, 'order_update');
    await settled();
    assert.deepEqual(probes.admin.orders, [order]);
    assert.deepEqual(probes.bot.orders, [order]);
    assert.deepEqual(probes.viewer.orders, []);
    assert.deepEqual(probes.invite.orders, []);
    await post(kiteOrder('251203000000001', 'COMPLETE', 10));
    await waitFor(
      () => probes.bot.orders.length === 2 && probes.admin.orders.length === 2,
      'the next update',
    );
    await settled();
    assert.deepEqual(probes.bot.ids(), ['251203000000001:OPEN', '251203000000001:COMPLETE']);
    assert.deepEqual(probes.viewer.orders, []);
    assert.deepEqual(probes.invite.orders, []);
  });

  it('the same update on two shard connections is delivered once (the repeat dropped and counted)', async () => {
    const feed = t.get(MarketFeedService);
    const synth = Array.from({ length: 3001 }, (_, i) => (2_000_000 + i) * 256 + 1);
    await feed.acquire(
      'big',
      synth.map((token) => ({ token, mode: 'ltp' as const })),
    );
    await waitFor(async () => (await t.simStats()).ws_connections_open === 2, '2 upstream connections');
    const repeats = await metric(t, 'order_updates_repeats_dropped_total');
    const before = probes.bot.orders.length;
    assert.equal((await post(kiteOrder('251203000000002', 'OPEN'))).connections, 2);
    await waitFor(
      async () => (await metric(t, 'order_updates_repeats_dropped_total')) === repeats + 1,
      'the repeat dropped',
    );
    await settled();
    assert.deepEqual(probes.bot.ids().slice(before), ['251203000000002:OPEN']);
    assert.equal(probes.admin.orders.length, probes.bot.orders.length);
    feed.release('big');
    await waitFor(async () => (await t.simStats()).ws_connections_open === 1, 'back to 1 connection');
  });

  it('malformed order frames are dropped and counted; the process and the feed carry on', async () => {
    const malformed = await metric(t, 'order_updates_malformed_total');
    const before = probes.admin.orders.length;
    await post({ status: 'OPEN' }); // no order_id
    await t.simControl('garbage'); // includes a truncated order frame
    await waitFor(
      async () => (await metric(t, 'order_updates_malformed_total')) >= malformed + 2,
      'malformed order frames counted',
    );
    assert.equal((await t.http('/health/live')).status, 200);
    assert.equal(t.get(MarketFeedService).state.state, 'LIVE');
    await post(kiteOrder('251203000000003', 'OPEN'));
    await waitFor(() => probes.admin.orders.length === before + 1, 'a good update after the bad ones');
    await settled();
    assert.deepEqual(probes.admin.ids().slice(before), ['251203000000003:OPEN']);
    assert.ok((await metric(t, 'order_updates_forwarded_total')) >= 4);
  });

  it('logs name an order by id and status only; no access token, JWT or other order field', () => {
    const logs = t.logText;
    assert.match(logs, /order update 251203000000001 OPEN/);
    const access = t.get(KiteSessionService).current?.accessToken;
    assert.ok(access);
    for (const secret of [access, ...Object.values(tokens)]) assert.ok(!logs.includes(secret), 'no secret');
    assert.ok(!logs.includes('eyJ'), 'no JWT');
    for (const field of ['private-tag-7c1e', 'private-guid', '1300000001887410', '1532.15']) {
      assert.ok(!logs.includes(field), `order field ${field} not logged`);
    }
  });
});
