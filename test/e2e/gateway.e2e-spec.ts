import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Socket } from 'socket.io-client';
import type { Tick } from '../../src/kite/tick.js';
import type { FeedStatus } from '../../src/market-feed/market-feed.constants.js';
import type { MarketStatus } from '../../src/market-status/market-status.js';
import type { SubscribeAck } from '../../src/contracts/socket-protocol.contract.js';
import { MarketFeedService } from '../../src/market-feed/market-feed.service.js';
import { InstrumentsService } from '../../src/instruments/instruments.service.js';
import { MarketGateway } from '../../src/gateway/market.gateway.js';
import { buildUniverse } from '../../src/simulator/universe.js';
import { KiteSessionService } from '../../src/auth/kite-session.service.js';
import { TEST_JWT_SECRET, TestApp } from '../helpers/test-app.js';
import { waitFor, sleep } from '../helpers/wait.js';
import { startReadmeExample } from '../helpers/readme-example.js';

const INFY = 408065;
const RELIANCE = 738561;

function emitAck(
  s: Socket,
  event: 'subscribe' | 'unsubscribe',
  payload: unknown,
): Promise<SubscribeAck & Record<string, any>> {
  return s.timeout(5000).emitWithAck(event as 'subscribe', payload) as Promise<
    SubscribeAck & Record<string, any>
  >;
}

/** The sum of every series of a metric, read from /metrics. */
async function metricSum(t: TestApp, name: string): Promise<number> {
  const text = (await t.http('/metrics')).text;
  let sum = 0;
  for (const m of text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'gm'))) sum += Number(m[1]);
  return sum;
}

function collect(s: Socket): Tick[] {
  const got: Tick[] = [];
  s.on('ticks', (ticks: Tick[]) => got.push(...ticks));
  return got;
}

async function connectError(s: Socket): Promise<string> {
  return new Promise((resolve) => {
    s.once('connect_error', (e) => resolve(e.message));
    s.once('connect', () => resolve('connected'));
  });
}

describe('gateway: authenticated fan-out on /market', () => {
  let t: TestApp;
  before(async () => {
    t = await TestApp.start({
      simOptions: { ticksPerSecond: 2000 },
      // This suite opens 50 clients of one test user at once, from one address (the limits have their own e2e).
      env: { MAX_CONNECTIONS_PER_USER: '100', MAX_UNAUTHENTICATED_PER_ADDRESS: '100' },
    });
    await t.login();
    await waitFor(() => t.get(MarketFeedService).state.state === 'LIVE', 'LIVE');
    await waitFor(() => t.get(InstrumentsService).size > 1000, 'instrument master');
  });
  after(async () => {
    await t.close();
  });

  it('no token, a forged token, an expired token → connect_error unauthorized', async () => {
    assert.equal(await connectError(t.client()), 'unauthorized');
    assert.equal(
      await connectError(t.client({ token: t.token('viewer').slice(0, -3) + 'abc' })),
      'unauthorized',
    );
    const expired = t.token('viewer', '1s');
    await sleep(1100); // the token's expiry is the wall clock: nothing else to wait for
    assert.equal(await connectError(t.client({ token: expired })), 'unauthorized');
  });

  it('no socket message carries the Kite access token, the API secret, the JWT secret or a JWT', async () => {
    const jwt = t.token();
    const s = t.client({ token: jwt, connect: false });
    const frames: string[] = [];
    s.onAny((event: string, ...args: unknown[]) => frames.push(JSON.stringify([event, ...args])));
    s.connect();
    await t.connected(s);
    const ack = await emitAck(s, 'subscribe', { instruments: ['NSE:INFY', 'NSE:TCS'], mode: 'full' });
    frames.push(JSON.stringify(ack));
    await waitFor(() => frames.some((f) => f.startsWith('["heartbeat"')), 'a heartbeat', 3000);
    await waitFor(() => frames.filter((f) => f.startsWith('["ticks"')).length > 3, 'ticks');
    const text = frames.join('\n');
    for (const secret of [
      t.get(KiteSessionService).current!.accessToken,
      t.config.kite.apiSecret,
      TEST_JWT_SECRET,
      jwt,
    ]) {
      assert.ok(!text.includes(secret), 'a secret reached a socket message');
    }
    assert.doesNotMatch(text, /eyJ[\w-]+\.[\w-]+\.[\w-]+/, 'no JWT-shaped string');
    s.disconnect();
  });

  it('a connected client is disconnected when its JWT expires', async () => {
    const s = t.client({ token: t.token('viewer', '2s') });
    await t.connected(s);
    const connectedAt = Date.now();
    const reason = await new Promise<string>((r) => s.once('disconnect', r));
    assert.equal(reason, 'io server disconnect');
    assert.ok(Date.now() - connectedAt <= 2500, 'at the expiry, not later');
  });

  it('an origin outside CORS_ORIGINS is refused; the dashboard origin and the session cookie are accepted', async () => {
    assert.notEqual(
      await connectError(t.client({ token: t.token(), origin: 'https://evil.example' })),
      'connected',
    );
    const cookie = await t.login();
    assert.equal(await connectError(t.client({ cookie, origin: t.config.corsOrigins[0] })), 'connected');
  });

  it('on connect: market_status and feed_status', async () => {
    const s = t.client({ token: t.token(), connect: false });
    const status = new Promise<MarketStatus>((r) => s.once('market_status', r));
    const feed = new Promise<FeedStatus>((r) => s.once('feed_status', r));
    s.connect();
    assert.equal((await status).exchange, 'NSE');
    assert.equal((await feed).state, 'LIVE');
  });

  it('subscribe acks as SPEC shows, ticks arrive for exactly the subscribed instruments and modes, snapshot at once', async () => {
    const a = t.client({ token: t.token() });
    await t.connected(a);
    const got = collect(a);
    const ack = await emitAck(a, 'subscribe', {
      instruments: ['NSE:INFY', RELIANCE, 'NSE:NOPE'],
      mode: 'full',
    });
    assert.equal(ack.ok, true);
    assert.deepEqual(ack.subscribed, [
      { instrument_token: INFY, symbol: 'NSE:INFY', mode: 'full' },
      { instrument_token: RELIANCE, symbol: 'NSE:RELIANCE', mode: 'full' },
    ]);
    assert.deepEqual(ack.rejected, [{ instrument: 'NSE:NOPE', reason: 'unknown_instrument' }]);
    await waitFor(() => got.filter((x) => x.instrument_token === INFY).length >= 2, 'INFY ticks');
    assert.ok(got.every((x) => [INFY, RELIANCE].includes(x.instrument_token)));
    assert.ok(got.every((x) => x.mode === 'full' && x.depth?.buy.length === 5));
    // A second client subscribing now gets the cached last tick at once (the snapshot).
    const b = t.client({ token: t.token() });
    await t.connected(b);
    await t.simControl('silence', { ms: 1500 });
    const first = new Promise<Tick[]>((r) => b.once('ticks', r));
    const ackB = await emitAck(b, 'subscribe', { instruments: [INFY], mode: 'ltp' });
    assert.equal(ackB.ok, true);
    const snap = await first;
    assert.equal(snap[0].instrument_token, INFY);
    assert.equal(snap[0].mode, 'ltp');
    assert.equal(snap[0].depth, undefined);
    b.disconnect();
  });

  it('symbols with spaces (the indices) subscribe; malformed spacing is refused', async () => {
    const s = t.client({ token: t.token() });
    await t.connected(s);
    const ack = await emitAck(s, 'subscribe', {
      instruments: ['NSE:NIFTY 50', 'NSE:NIFTY BANK'],
      mode: 'ltp',
    });
    assert.equal(ack.ok, true);
    assert.deepEqual(
      ack.subscribed.map((x: { instrument_token: number }) => x.instrument_token),
      [256265, 260105],
    );
    for (const bad of ['NSE:NIFTY  50', 'NSE:NIFTY 50 ', 'NSE: NIFTY', `NSE:${'A '.repeat(40)}A`]) {
      const r = await emitAck(s, 'subscribe', { instruments: [bad] });
      assert.equal(r.ok, false, bad);
    }
    s.disconnect();
  });

  it('unsubscribe stops the flow', async () => {
    const s = t.client({ token: t.token() });
    await t.connected(s);
    const got = collect(s);
    await emitAck(s, 'subscribe', { instruments: [2953217] });
    await waitFor(() => got.length > 0, 'ticks');
    const ack = await emitAck(s, 'unsubscribe', { instruments: [2953217] });
    assert.deepEqual(ack, { ok: true, unsubscribed: [{ instrument_token: 2953217, symbol: 'NSE:TCS' }] });
    await sleep(100); // ticks already on the wire land first
    const n = got.length;
    await sleep(600); // a window in which no tick may arrive: nothing to wait for
    assert.equal(got.length, n);
    s.disconnect();
  });

  it('50 clients with overlapping subscriptions → one upstream connection, the union, the same ticks; released on disconnect', async () => {
    const universe = buildUniverse();
    const pool = universe
      .filter((i) => i.segment === 'NSE')
      .slice(10, 70)
      .map((i) => i.instrument_token);
    const clients: Socket[] = [];
    const received: Tick[][] = [];
    for (let c = 0; c < 50; c++) {
      const s = t.client({ token: t.token() });
      clients.push(s);
      received.push(collect(s));
    }
    await Promise.all(clients.map((s) => t.connected(s)));
    await Promise.all(
      clients.map((s, c) => emitAck(s, 'subscribe', { instruments: pool.slice(c % 30, (c % 30) + 30) })),
    );
    await waitFor(async () => (await t.simStats()).subscribed_instruments >= 59, 'union upstream');
    const stats = await t.simStats();
    assert.equal(stats.ws_connections_open, 1);
    assert.ok((await metricSum(t, 'kite_relay_clients_connected')) >= 50);
    const total = () => received.reduce((n, r) => n + r.length, 0);
    const deliveredBefore = await metricSum(t, 'kite_relay_ticks_delivered_total');
    const receivedBefore = total();
    // Enough ticks that a stream missing or doubling some would show in the comparison.
    await waitFor(() => received[0].length > 60 && received[30].length > 60, 'ticks to clients');
    // Clients 0 and 30 hold the same subscriptions: their streams agree tick for tick.
    const key = (x: Tick) => `${x.instrument_token}:${x.volume}`;
    const a = new Set(received[0].map(key));
    const common = received[30].filter((x) => a.has(key(x))).length;
    assert.ok(common / received[30].length > 0.9, `shared ${common}/${received[30].length}`);
    const delivered = (await metricSum(t, 'kite_relay_ticks_delivered_total')) - deliveredBefore;
    const receivedSince = total() - receivedBefore;
    // Every tick a client received since was counted as delivered (the counter may run a little ahead).
    assert.ok(
      delivered >= receivedSince * 0.95,
      `delivered counted: ${delivered} for ${receivedSince} received`,
    );
    for (const s of clients) s.disconnect();
    await waitFor(async () => (await t.simStats()).subscribed_instruments <= 2, 'released upstream');
  });

  it('a few thousand malformed payloads get ok:false while a well-behaved client keeps receiving ticks', async () => {
    const good = t.client({ token: t.token() });
    await t.connected(good);
    const got = collect(good);
    await emitAck(good, 'subscribe', { instruments: [RELIANCE] });
    const bad = Array.from({ length: 8 }, () => t.client({ token: t.token() }));
    await Promise.all(bad.map((s) => t.connected(s)));
    const deep: Record<string, unknown> = {};
    let cur = deep;
    for (let i = 0; i < 200; i++) cur = cur.x = {};
    const shapes: unknown[] = [
      null,
      42,
      'NSE:INFY',
      [],
      [1, 2],
      true,
      { instruments: 'NSE:INFY' },
      { instruments: [] },
      { instruments: [null] },
      { instruments: [-1] },
      { instruments: [1.5] },
      { instruments: ['x'.repeat(10_000)] },
      { instruments: Array(20_000).fill(INFY) },
      { instruments: [INFY], mode: 'turbo' },
      { instruments: [INFY], extra: 1 },
      deep,
      { instruments: [{}] },
      Buffer.from([1, 2, 3]),
      { instruments: [INFY], constructor: { prototype: 1 } },
      { instruments: ['NSE INFY'] },
      { instruments: [2 ** 53] },
      { instruments: [INFY], mode: 7 },
      { instruments: [[INFY]] },
      { instruments: { 0: INFY, length: 1 } },
      { instruments: [INFY], mode: 'LTP' },
      { __proto__: { instruments: [INFY] } },
      { instruments: [Buffer.from('NSE:INFY')] },
      'x'.repeat(100_000),
      { instruments: ['NSE:'] },
      { instruments: [':INFY'] },
    ];
    const ackErrorsBefore = await metricSum(t, 'kite_relay_ack_errors_total');
    let okFalse = 0;
    let total = 0;
    const before = got.length;
    for (let round = 0; round < 250; round++) {
      await Promise.all(
        bad.map(async (s, i) => {
          const payload = shapes[(round * 8 + i) % shapes.length];
          const ack = await emitAck(s, (round + i) % 2 ? 'unsubscribe' : 'subscribe', payload);
          total++;
          if (ack.ok === false && typeof ack.error.code === 'string') okFalse++;
          // without an ack: handled silently (the untyped emit, as a careless client would send it)
          (s as unknown as { emit(ev: string, p: unknown): void }).emit('subscribe', payload);
        }),
      );
    }
    assert.equal(total, 2000);
    assert.equal(okFalse, total);
    assert.ok(bad.every((s) => s.connected));
    assert.ok((await metricSum(t, 'kite_relay_ack_errors_total')) - ackErrorsBefore >= total, 'counted');
    await waitFor(() => got.length > before + 5, 'good client still receiving');
    for (const s of bad) s.disconnect();
  });

  it("the README's example client type-checks against the event map and works as printed", async () => {
    const example = startReadmeExample(t.url, t.token('viewer'));
    const out = example.output;
    try {
      await waitFor(
        () => /^NSE:INFY \d+(\.\d+)? -?\d/m.test(out()) && /^NSE:NIFTY 50 \d/m.test(out()),
        'ticks printed',
      );
    } finally {
      example.stop();
    }
    assert.match(out(), /^subscribed NSE:INFY NSE:NIFTY 50 rejected 0$/m);
    assert.match(out(), /^feed LIVE/m);
    assert.match(out(), /^market (PRE_OPEN|LIVE|POST_CLOSE|CLOSED) next /m);
  });

  it('feed_status follows /__sim/drop and /__sim/expire', async () => {
    const s = t.client({ token: t.token() });
    await t.connected(s);
    const states: string[] = [];
    s.on('feed_status', (f) => states.push(f.state));
    await t.simControl('drop');
    await waitFor(() => states.includes('RECONNECTING') && states.at(-1) === 'LIVE', 'drop and back');
    await t.simControl('expire');
    await waitFor(() => states.at(-1) === 'AUTH_REQUIRED', 'AUTH_REQUIRED');
  });
});

describe('gateway: right after the first login', () => {
  it('a subscribe by symbol waits for the instrument master instead of refusing it as unknown', async () => {
    const t = await TestApp.start({ redis: false });
    try {
      const s = t.client({ token: t.token() });
      await t.connected(s);
      assert.equal(t.get(InstrumentsService).size, 0, 'no master before a Kite session');
      await t.login();
      const ack = await emitAck(s, 'subscribe', { instruments: ['NSE:INFY', 'NSE:NIFTY 50'] });
      assert.equal(ack.ok, true);
      assert.deepEqual(ack.rejected, []);
      assert.equal(ack.subscribed.length, 2);
    } finally {
      await t.close();
    }
  });
});

describe('gateway: market_status at the transition instant', () => {
  it('with CLOCK_START two seconds before 09:15 IST the LIVE transition is broadcast', async () => {
    const t = await TestApp.start({ env: { CLOCK_START: '2026-12-01T09:14:58.5+05:30' }, redis: false });
    try {
      const s = t.client({ token: t.token() });
      const seen: MarketStatus[] = [];
      s.on('market_status', (m) => seen.push(m));
      await waitFor(() => seen.some((m) => m.status === 'LIVE'), 'LIVE event', 6000);
      assert.equal(seen[0].status, 'PRE_OPEN');
      const live = seen.find((m) => m.status === 'LIVE')!;
      assert.match(live.server_time, /^2026-12-01T09:15:00\.0\d\d\+05:30$/);
      const http = await t.http('/api/market/status', { token: t.token() });
      assert.equal(http.body.status, 'LIVE');
    } finally {
      await t.close();
    }
  });
});

describe('gateway: a slow client is conflated and never slows the others', () => {
  it('a client that stops reading gets the latest tick per instrument; a fast one keeps its full flow', async (ctx) => {
    const t = await TestApp.start({ simOptions: { ticksPerSecond: 4000 } });
    try {
      await t.login();
      await waitFor(() => t.get(InstrumentsService).size > 1000, 'instrument master');
      const symbols = buildUniverse()
        .filter((i) => i.tradingsymbol.startsWith('SIM'))
        .slice(0, 300)
        .map((i) => i.instrument_token);
      const fast = t.client({ token: t.token() });
      const slow = t.client({ token: t.token() });
      await Promise.all([t.connected(fast), t.connected(slow)]);
      const fastTicks = collect(fast);
      const slowTicks = collect(slow);
      for (const s of [fast, slow]) {
        assert.equal((await emitAck(s, 'subscribe', { instruments: symbols, mode: 'full' })).ok, true);
      }
      await waitFor(() => slowTicks.length > 500, 'both flowing');

      // The slow client's network stops: its TCP socket is no longer read.
      const raw = (
        slow.io.engine.transport as unknown as { ws: { _socket: { pause(): void; resume(): void } } }
      ).ws._socket;
      raw.pause();
      const metric = async (name: string) =>
        Number(
          new RegExp(`^kite_relay_${name} (\\S+)$`, 'm').exec((await t.http('/metrics')).text)?.[1] ?? 0,
        );
      const gateway = t.get(MarketGateway);
      const serverSide = () => gateway.clientBacklog(slow.id!);
      await waitFor(
        async () => (await metric('ticks_conflated_total')) > 1000,
        'conflation under way',
        20_000,
      );

      // While it is conflated: the fast client keeps the full rate, and the slow one's backlog is bounded.
      const fastBefore = fastTicks.length;
      const backlogs: { packets: number; pending: number }[] = [];
      for (let i = 0; i < 10; i++) {
        await sleep(100); // a sample every 100 ms for a second: the fast client's rate is per second
        backlogs.push(serverSide()!);
      }
      const fastPerS = fastTicks.length - fastBefore;
      const maxPackets = Math.max(...backlogs.map((b) => b.packets));
      const maxPending = Math.max(...backlogs.map((b) => b.pending));
      ctx.diagnostic(
        `fast client ${fastPerS} ticks/s while the other is slow; slow backlog ≤ ${maxPackets} packets, ${maxPending} conflated ticks`,
      );
      assert.ok(fastPerS > 2000, `fast client kept ~4000 ticks/s: ${fastPerS}`);
      assert.ok(maxPending <= symbols.length, 'at most one pending tick per instrument');
      assert.ok(maxPackets < 1000, 'the engine buffer stopped growing');

      // Reading again: it catches up and is back on the live flow with current prices.
      const slowBefore = slowTicks.length;
      raw.resume();
      await waitFor(() => serverSide()?.slow === false, 'slow client back on the live flow', 20_000);
      await waitFor(() => slowTicks.length > slowBefore + 1000, 'ticks again');
      // With the upstream quiet, both clients end on the same last price for every instrument:
      // conflation dropped intermediate ticks, never the latest.
      await t.simControl('silence', { ms: 1500 });
      await sleep(700); // ticks already on the wire land; no arrival to wait for in a silence
      const last = (ticks: Tick[]) => new Map(ticks.map((x) => [x.instrument_token, x.last_price]));
      const fastLast = last(fastTicks);
      const slowLast = last(slowTicks);
      assert.equal(slowLast.size, fastLast.size);
      for (const [token, price] of fastLast) {
        assert.equal(slowLast.get(token), price, `last price of ${token}`);
      }
    } finally {
      await t.close();
    }
  });
});
