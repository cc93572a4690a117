import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import WebSocket from 'ws';
import type { SubscribeAck } from '../../src/contracts/socket-protocol.contract.js';
import { InstrumentsService } from '../../src/instruments/instruments.service.js';
import { MarketFeedService } from '../../src/market-feed/market-feed.service.js';
import { UnauthenticatedConnections } from '../../src/gateway/unauthenticated-connections.js';
import { buildUniverse } from '../../src/simulator/universe.js';
import { TestApp } from '../helpers/test-app.js';
import {
  getFrom,
  marketClient,
  metricValue,
  outcome,
  userToken,
  type MarketClient,
} from '../helpers/fairness.js';
import { waitFor } from '../helpers/wait.js';

const MASTER = 20_000;

describe('fairness on /market: no client can starve the others (20,000-instrument master)', () => {
  let t: TestApp;
  let synthetic: number[];
  const opened: MarketClient[] = [];
  const client = (token: string, from?: string) => {
    const s = marketClient(t, token, from);
    opened.push(s);
    return s;
  };

  before(async () => {
    t = await TestApp.start({ simOptions: { instruments: MASTER } });
    await t.login();
    await waitFor(() => t.get(MarketFeedService).state.state === 'LIVE', 'LIVE');
    await waitFor(() => t.get(InstrumentsService).size > MASTER, 'the 20,000-instrument master', 20_000);
    synthetic = buildUniverse(MASTER)
      .filter((i) => i.tradingsymbol.startsWith('SIM'))
      .map((i) => i.instrument_token);
  });
  after(async () => {
    for (const s of opened) s.disconnect();
    await t.close();
  });

  it('one user filling capacity (19 sockets × 500 instruments) is stopped by the per-user caps; another user still subscribes, on one upstream connection', async (ctx) => {
    const mallory = userToken(t, 'mallory');
    const acks: { ok: boolean; code?: string; subscribed: number }[] = [];
    for (let i = 0; i < 19; i++) {
      const s = client(mallory);
      assert.equal(
        await outcome(s),
        'connected',
        `socket ${i + 1} of 19 (under MAX_CONNECTIONS_PER_USER=20)`,
      );
      const ack: SubscribeAck = await s.timeout(10_000).emitWithAck('subscribe', {
        instruments: synthetic.slice(i * 500, (i + 1) * 500),
        mode: 'ltp',
      });
      acks.push(
        ack.ok
          ? { ok: true, subscribed: ack.subscribed.length }
          : { ok: false, code: ack.error.code, subscribed: 0 },
      );
    }
    const accepted = acks.reduce((n, a) => n + a.subscribed, 0);
    ctx.diagnostic(
      `mallory: ${accepted} instruments accepted, ${acks.filter((a) => !a.ok).length} subscribes refused`,
    );
    assert.equal(accepted, 1000, 'MAX_INSTRUMENTS_PER_USER=1000 over all her sockets');
    assert.deepEqual(
      acks.slice(2).map((a) => a.code),
      Array(17).fill('user_limit'),
      'each subscribe past the cap is refused whole',
    );

    const victim = client(userToken(t, 'victim'));
    assert.equal(await outcome(victim), 'connected');
    const ack: SubscribeAck = await victim
      .timeout(10_000)
      .emitWithAck('subscribe', { instruments: ['NSE:INFY', 'NSE:TCS'] });
    if (!ack.ok) return assert.fail(JSON.stringify(ack));
    assert.deepEqual(
      ack.subscribed.map((x) => x.symbol),
      ['NSE:INFY', 'NSE:TCS'],
    );
    assert.deepEqual(ack.rejected, []);
    const ticks = new Set<number>();
    victim.on('ticks', (batch) => batch.forEach((tk) => ticks.add(tk.instrument_token)));
    // The simulator's 400 ticks/s are spread over the 1,002 instruments now subscribed, so each
    // ticks about every 2.5 s: within 10 s one of two misses about 1 run in 30; within 30 s, never.
    await waitFor(() => ticks.size === 2, 'the victim’s ticks flow', 30_000);

    const stats = await t.simStats();
    ctx.diagnostic(
      `simulator: ws_connections_open=${stats.ws_connections_open}, subscribed=${stats.subscribed_instruments}`,
    );
    assert.ok(stats.ws_connections_open < 3, `upstream connections: ${stats.ws_connections_open}`);
    assert.equal(stats.ws_connections_open, 1, '1,002 instruments fit one Kite connection');
    assert.equal(
      await metricValue(t, 'kite_relay_subscribe_rejected_total', 'reason="user_limit"'),
      17 * 500,
    );
    assert.equal(await metricValue(t, 'kite_relay_ack_errors_total', 'code="user_limit"'), 17);
  });

  it('a socket flood from one token is refused past MAX_CONNECTIONS_PER_USER with too_many_connections; other users still connect', async () => {
    const flood = userToken(t, 'flooder');
    const results: string[] = [];
    const mine: MarketClient[] = [];
    // One after another: concurrent handshakes from one address meet the unauthenticated cap first.
    for (let i = 0; i < 25; i++) {
      const s = client(flood);
      mine.push(s);
      results.push(await outcome(s));
    }
    assert.deepEqual(results, [...Array(20).fill('connected'), ...Array(5).fill('too_many_connections')]);
    assert.equal(
      await metricValue(t, 'kite_relay_connections_refused_total', 'reason="too_many_connections"'),
      5,
    );

    const other = client(userToken(t, 'bystander'));
    assert.equal(await outcome(other), 'connected', 'another user is unaffected');

    mine[0].disconnect();
    await waitFor(async () => {
      const s = client(flood);
      const r = await outcome(s);
      if (r !== 'connected') s.disconnect();
      return r === 'connected';
    }, 'a place freed by a disconnect is taken again');
    for (const s of mine) s.disconnect();
  });

  it('an unauthenticated flood from one address is capped and closed after the short handshake timeout; an authenticated client still connects', async (ctx) => {
    const max = t.config.maxUnauthenticatedPerAddress;
    const from = '127.0.0.3';
    const port = new URL(t.url).port;
    const start = performance.now();
    const raw = Array.from({ length: max + 10 }, (_, i) => {
      const ws = new WebSocket(`ws://127.0.0.1:${port}/socket.io/?EIO=4&transport=websocket`, {
        localAddress: from,
      });
      const r = { open: false, refused: 0, reason: '', closedAt: 0, frames: [] as string[] };
      ws.on('open', () => (r.open = true));
      ws.on('message', (d: Buffer) => {
        const text = d.toString();
        r.frames.push(text);
        if (text.startsWith('0{')) {
          // Some try /market without a token, some the main namespace, some say nothing.
          if (i % 3 === 0) ws.send('40/market,');
          if (i % 3 === 1) ws.send('40');
        }
      });
      ws.on('unexpected-response', (_req, res) => {
        r.refused = res.statusCode ?? -1;
        res.on('data', (d: Buffer) => (r.reason += d.toString()));
        res.on('end', () => ws.terminate());
      });
      ws.on('error', () => undefined);
      ws.on('close', () => (r.closedAt = performance.now() - start));
      return r;
    });
    await waitFor(() => raw.every((r) => r.closedAt > 0 || r.open), 'every raw connection settled');
    const admitted = raw.filter((r) => r.open);
    const refused = raw.filter((r) => r.refused);
    ctx.diagnostic(
      `raw from ${from}: ${admitted.length} admitted, ${refused.length} refused (HTTP ${refused[0]?.refused})`,
    );
    assert.equal(admitted.length, max, `MAX_UNAUTHENTICATED_PER_ADDRESS=${max}`);
    assert.equal(refused.length, 10);
    // engine.io answers a refused websocket upgrade 400 (and a refused polling handshake 403), with the reason.
    await waitFor(() => refused.every((r) => r.reason), 'the refusals are read');
    assert.ok(refused.every((r) => r.refused === 400 && r.reason === 'too many unauthenticated connections'));
    const polling = await getFrom(t, '/socket.io/?EIO=4&transport=polling', { from });
    assert.equal(polling.status, 403);
    assert.equal(polling.body.message, 'too many unauthenticated connections');
    assert.equal(t.get(UnauthenticatedConnections).count(from), max);

    // The cap is per address: a user elsewhere connects at once; one on the flooded address does not.
    const elsewhere = client(userToken(t, 'neighbour'));
    assert.equal(await outcome(elsewhere), 'connected');
    const sameAddress = client(userToken(t, 'neighbour'), from);
    assert.notEqual(await outcome(sameAddress), 'connected');

    await waitFor(() => admitted.every((r) => r.closedAt > 0), 'the server closes them', 15_000);
    const closed = admitted.map((r) => r.closedAt).sort((a, b) => a - b);
    ctx.diagnostic(`closed by the server after ${Math.round(closed[0])}–${Math.round(closed.at(-1)!)} ms`);
    assert.ok(closed[0] > 4000, 'not before the 5 s handshake timeout');
    assert.ok(closed.at(-1)! < 8000, `all closed within 8 s (last at ${Math.round(closed.at(-1)!)} ms)`);
    assert.ok(
      raw
        .filter((r, i) => r.open && i % 3 === 0)
        .every((r) => r.frames.some((f) => f.includes('unauthorized'))),
      '40/market, without a token is answered unauthorized',
    );
    assert.ok(
      raw.filter((r, i) => r.open && i % 3 === 1).every((r) => r.frames.some((f) => f.startsWith('44{'))),
      'the main namespace is refused',
    );
    assert.equal(t.get(UnauthenticatedConnections).count(from), 0);
    const after = client(userToken(t, 'neighbour'), from);
    assert.equal(await outcome(after), 'connected', 'the address connects again once they are gone');
    assert.ok((await metricValue(t, 'kite_relay_unauthenticated_refused_total')) >= 10);
  });

  it('slow HTTP senders (one header byte a second) are cut at 10 s, and /health/live keeps answering', async (ctx) => {
    const port = Number(new URL(t.url).port);
    const start = performance.now();
    const slow = Array.from({ length: 50 }, () => {
      const r = { closedAt: 0, status: '', drips: 0 };
      const c = net.connect({ port, host: '127.0.0.1' }, () =>
        c.write('GET /health/live HTTP/1.1\r\nHost: x\r\n'),
      );
      const drip = setInterval(
        () =>
          c.write('X', (err) => {
            if (!err) r.drips++;
          }),
        1000,
      );
      c.on('data', (d: Buffer) => (r.status ||= d.toString().split('\r\n')[0]));
      c.on('error', () => undefined);
      c.on('close', () => {
        clearInterval(drip);
        r.closedAt = performance.now() - start;
      });
      return r;
    });
    // All 50 are open and dripping (each has sent a byte after its headers began) when the probe asks.
    await waitFor(() => slow.every((r) => r.drips > 0), 'the slow senders dripping', 10_000);
    const probe = await t.http('/health/live');
    assert.equal(probe.status, 200);
    await waitFor(() => slow.every((r) => r.closedAt > 0), 'the slow connections are closed', 20_000);
    const closed = slow.map((r) => r.closedAt).sort((a, b) => a - b);
    ctx.diagnostic(
      `slow senders cut after ${Math.round(closed[0])}–${Math.round(closed.at(-1)!)} ms with "${slow[0].status}"`,
    );
    assert.ok(closed[0] >= 9500, 'not before headersTimeout');
    assert.ok(closed.at(-1)! < 13_000, 'within a second of headersTimeout (10 s)');
    assert.match(slow[0].status, /408/);
  });
});
