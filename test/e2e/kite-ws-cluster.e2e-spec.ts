import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { KiteBot } from '../helpers/kite-bots.js';
import { KiteWsProbe, kiteWsUrl } from '../helpers/kite-ws-client.js';
import { TestCluster, type ClusterNode } from '../helpers/test-cluster.js';
import { waitFor } from '../helpers/wait.js';

const TOKENS = [408065, 738561, 2953217, 341249, 256265];

const feedState = async (n: ClusterNode) => {
  const h = await n.health();
  return (h.info ?? h.details).feed.state as string;
};

describe(
  'kite-ws on 3 nodes: KiteTicker bots on followers ride the holder’s one upstream',
  { timeout: 120_000 },
  () => {
    let c: TestCluster;
    const bots: KiteBot[] = [];
    const probes: KiteWsProbe[] = [];
    before(async () => {
      // The longest cache freshness: one test restarts a follower while the simulator is silent.
      c = await TestCluster.start(3, { env: { CACHE_TTL_MS: '10000' } });
      await c.login(c.nodes[0]);
      await waitFor(
        async () => (await Promise.all(c.nodes.map(feedState))).every((s) => s === 'LIVE'),
        'all LIVE',
        15_000,
      );
    });
    after(async () => {
      for (const b of bots) b.stop();
      for (const p of probes) p.close();
      await c?.close();
    });

    it('5 KiteTicker bots and 5 dashboards spread over 3 nodes: 1 upstream connection, every bot ticking', async () => {
      for (let i = 0; i < 5; i++) {
        const node = c.nodes[i % 3];
        const root = `${node.url.replace(/^http/, 'ws')}/kite/ws`;
        bots.push(
          new KiteBot(root, c.token('viewer', `cluster-bot-${i}`), {
            full: [TOKENS[i], TOKENS[(i + 2) % 5]],
          }),
        );
        const s = c.client(c.nodes[(i + 1) % 3]);
        await new Promise<void>((r) => s.once('connect', () => r()));
        const ack = await s
          .timeout(10_000)
          .emitWithAck('subscribe', { instruments: [TOKENS[i]], mode: 'quote' });
        assert.equal(ack.ok, true);
      }
      await waitFor(
        () =>
          bots.every(
            (b) =>
              new Set(
                b
                  .ticks()
                  .filter((k) => k.mode === 'full')
                  .map((k) => k.instrument_token),
              ).size === 2,
          ),
        'every bot gets full ticks of both its instruments, on every node',
        30_000,
        100,
      );
      const stats = await c.simStats();
      assert.equal(stats.ws_connections_open, 1);
      assert.equal(stats.ws_connections_peak, 1, 'never a second upstream connection');
      assert.ok(bots.every((b) => b.indexOf('error') === -1 && b.indexOf('close') === -1));
    });

    it('the admin list shows every node’s Kite-protocol clients with protocol kite; disconnecting a user reaches them', async () => {
      const admin = c.token('admin', 'the-admin');
      const list = await c.nodes[0].http('/api/admin/clients', { token: admin });
      assert.equal(list.status, 200);
      const all = Object.values(list.body.nodes as Record<string, any[]>).flat();
      const kite = all
        .filter((x) => x.protocol === 'kite')
        .map((x) => [x.user, x.node, x.subscriptions])
        .sort();
      assert.deepEqual(
        kite,
        [0, 1, 2, 3, 4].map((i) => [`cluster-bot-${i}`, `node-${i % 3}`, 2]),
      );
      assert.ok(all.some((x) => x.protocol === 'socket.io'));
      const r = await c.nodes[2].http('/api/admin/clients?user=cluster-bot-4', {
        method: 'DELETE',
        token: admin,
      });
      assert.equal(r.status, 200);
      await waitFor(() => bots[4].indexOf('close') >= 0, 'the bot on node-1 disconnected', 3000);
      assert.equal(bots[3].indexOf('close'), -1);
    });

    it('a token revoked through one node closes its Kite-protocol socket on another within 2 s', async () => {
      const admin = c.token('admin', 'the-admin');
      const minted = await c.nodes[0].http('/api/admin/tokens', {
        method: 'POST',
        token: admin,
        body: JSON.stringify({ role: 'viewer', ttl: '1h', sub: 'revoked-bot' }),
      });
      assert.equal(minted.status, 201);
      const p = new KiteWsProbe(kiteWsUrl(c.nodes[2].url, minted.body.token));
      probes.push(p);
      assert.equal(await p.opened, 101);
      p.send({ a: 'subscribe', v: [TOKENS[0]] });
      await waitFor(() => p.dataFrames().length > 0, 'ticks on a follower');
      const at = Date.now();
      const r = await c.nodes[0].http(`/api/admin/tokens/${minted.body.id}`, {
        method: 'DELETE',
        token: admin,
      });
      assert.equal(r.status, 200);
      await waitFor(() => p.closed, 'the close on node-2', 2000);
      assert.ok(p.closed!.at - at < 2000);
      assert.equal(await new KiteWsProbe(kiteWsUrl(c.nodes[1].url, minted.body.token)).opened, 403);
    });

    it('a follower started after the last tick of an instrument still sends its latest packet at once, from the shared cache', async () => {
      const holder = (await c.holder())!;
      const follower = c.nodes.find((n) => n !== holder && n.alive)!;
      const s = c.client(holder);
      const seen: { instrument_token: number; last_price: number }[] = [];
      s.on('ticks', (ticks: any[]) => seen.push(...ticks));
      await new Promise<void>((r) => s.once('connect', () => r()));
      await s.timeout(10_000).emitWithAck('subscribe', { instruments: [TOKENS[0]], mode: 'quote' });
      await waitFor(() => seen.some((k) => k.instrument_token === TOKENS[0]), 'a tick on the holder');
      // Kite goes quiet; the follower restarts, so it has no packet of its own of anything.
      const silence = (ms: number) =>
        fetch(`${c.sim.urls.apiRoot}/__sim/silence`, { method: 'POST', body: JSON.stringify({ ms }) });
      assert.equal((await silence(60_000)).status, 200);
      try {
        await follower.kill('SIGTERM');
        await follower.start();
        const p = new KiteWsProbe(kiteWsUrl(follower.url, c.token('viewer', 'late-bot')));
        probes.push(p);
        assert.equal(await p.opened, 101);
        p.send({ a: 'subscribe', v: [TOKENS[0]] });
        await waitFor(() => p.dataFrames().length > 0, 'the snapshot from the cache', 5000);
        const frame = p.frames.find((f) => f.data.length > 1)!.data;
        assert.equal(frame.readUInt16BE(0), 1);
        assert.equal(frame.readUInt16BE(2), 44, 'a quote packet');
        assert.equal(frame.readUInt32BE(4), TOKENS[0]);
        const last = seen.filter((k) => k.instrument_token === TOKENS[0]).at(-1)!;
        assert.equal(frame.readInt32BE(8) / 100, last.last_price, 'the last price the holder delivered');
      } finally {
        await silence(0);
        s.disconnect();
      }
    });
  },
);
