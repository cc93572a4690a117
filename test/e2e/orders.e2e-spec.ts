import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { KiteSessionService } from '../../src/auth/kite-session.service.js';
import { TokenService } from '../../src/auth/token.service.js';
import { MarketFeedService } from '../../src/market-feed/market-feed.service.js';
import { MetricsService } from '../../src/metrics/metrics.service.js';
import { KiteWsProbe, kiteWsUrl } from '../helpers/kite-ws-client.js';
import { kiteOrder, OrderProbe } from '../helpers/order-probe.js';
import { TEST_JWT_SECRET, TestApp } from '../helpers/test-app.js';
import { TestCluster, type ClusterNode } from '../helpers/test-cluster.js';
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

describe(
  'order updates in a 3-node cluster: the holder publishes, every node delivers once',
  { timeout: 120_000 },
  () => {
    let c: TestCluster;
    const feedState = async (n: ClusterNode) => {
      const h = await n.health();
      return (h.info ?? h.details).feed.state as string;
    };
    const post = (order: Record<string, unknown>) =>
      fetch(`${c.sim.urls.apiRoot}/__sim/orders`, { method: 'POST', body: JSON.stringify(order) });

    before(async () => {
      c = await TestCluster.start(3);
      await c.login(c.nodes[0]);
      await waitFor(
        async () => (await Promise.all(c.nodes.map(feedState))).every((s) => s === 'LIVE'),
        'all LIVE',
        15_000,
      );
    });
    after(async () => {
      await c?.close();
    });

    it('clients on the holder and on followers (Socket.IO and /kite/ws) get each update once; a new holder replays none', async (ctx) => {
      const [n0, n1, n2] = c.nodes;
      assert.equal((await n0.cluster()).role, 'holder');
      const onHolder = new OrderProbe(c.client(n0, c.token('admin', 'admin-0')));
      const allowed = [
        new OrderProbe(c.client(n1, c.token('admin', 'admin-1'))),
        new OrderProbe(c.client(n2, c.token('viewer', 'bot-2', 3600, ['orders']))),
      ];
      const denied = [
        new OrderProbe(c.client(n1, c.token('viewer', 'viewer-1'))),
        new OrderProbe(c.client(n2, c.token('viewer', 'invite:priya.abc123', 3600, ['orders']))),
      ];
      const survivors = [...allowed, ...denied];
      const connected = (p: OrderProbe) =>
        new Promise<void>((r) => (p.socket.connected ? r() : p.socket.once('connect', () => r())));
      await Promise.all([onHolder, ...survivors].map(connected));
      // A Kite-protocol admin on a follower: Kite's text frame, byte for byte as the simulator sent it.
      const kite = new KiteWsProbe(kiteWsUrl(n1.url, c.token('admin', 'kite-admin-1')));
      assert.equal(await kite.opened, 101);
      const kiteOrders = () => kite.rawTexts.filter((_, i) => kite.texts[i]?.type === 'order');
      const verbatim = (o: Record<string, unknown>) => JSON.stringify({ type: 'order', data: o });

      const first = kiteOrder('251203000000010', 'OPEN');
      const sent = performance.now();
      assert.equal((await post(first)).status, 200);
      await waitFor(
        () => [onHolder, ...allowed].every((p) => p.orders.length > 0) && kiteOrders().length > 0,
        'order_update everywhere',
        10_000,
        2,
      );
      ctx.diagnostic(
        `POST /__sim/orders → order_update on every node: ${Math.round(performance.now() - sent)} ms`,
      );
      await Promise.all([onHolder, ...survivors, kite].map((p) => p.settled()));
      for (const p of [onHolder, ...allowed]) assert.deepEqual(p.orders, [first]);
      assert.deepEqual(kiteOrders(), [verbatim(first)], 'once, verbatim, on /kite/ws');
      for (const p of denied) assert.deepEqual(p.orders, []);

      onHolder.socket.disconnect();
      await n0.kill('SIGKILL');
      const killed = performance.now();
      await waitFor(
        async () => {
          const h = await c.holder();
          return h && h !== n0 && (await Promise.all([n1, n2].map(feedState))).every((s) => s === 'LIVE');
        },
        'a new holder, LIVE',
        20_000,
        100,
      );
      ctx.diagnostic(`new holder LIVE ${Math.round(performance.now() - killed)} ms after the SIGKILL`);
      await Promise.all([...survivors, kite].map((p) => p.settled()));
      for (const p of allowed) assert.deepEqual(p.ids(), ['251203000000010:OPEN'], 'nothing replayed');
      assert.deepEqual(kiteOrders(), [verbatim(first)], 'nothing replayed on /kite/ws');

      const next = kiteOrder('251203000000010', 'COMPLETE', 10);
      assert.equal((await post(next)).status, 200);
      await waitFor(
        () => allowed.every((p) => p.orders.length === 2) && kiteOrders().length === 2,
        'the next update after the takeover',
      );
      await Promise.all([...survivors, kite].map((p) => p.settled()));
      for (const p of allowed) assert.deepEqual(p.orders, [first, next]);
      assert.deepEqual(kiteOrders(), [verbatim(first), verbatim(next)]);
      kite.close();
      for (const p of denied) assert.deepEqual(p.orders, []);
      for (const n of c.nodes) {
        const logs = n.logs.join('\n');
        assert.ok(!logs.includes('eyJ'), `no JWT in ${n.id}'s logs`);
        assert.ok(!logs.includes('private-tag-7c1e'), `no order field in ${n.id}'s logs`);
      }
    });
  },
);
