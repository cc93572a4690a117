import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { modeMessage, subscribeMessage } from '../../src/kite/messages.js';
import { MAX_INSTRUMENTS_PER_CONNECTION } from '../../src/kite/kite.constants.js';
import { KiteSimulator } from '../../src/simulator/simulator.js';
import { buildUniverse } from '../../src/simulator/universe.js';
import { KiteConnect, TickerProbe as Probe } from '../helpers/sim-clients.js';
import { sleep, waitFor } from '../helpers/wait.js';

const INFY = 408065;
const RELIANCE = 738561;
const TCS = 2953217;

describe('simulator: Kite REST, login and ticker as the official client sees them', () => {
  let sim: KiteSimulator;
  const probes: Probe[] = [];
  const wsUrl = (token: string) => `${sim.urls.wsRoot}?api_key=${sim.apiKey}&access_token=${token}`;
  const probe = (token: string) => {
    const p = new Probe(wsUrl(token));
    probes.push(p);
    return p;
  };
  const control = async (name: string, body?: unknown) => {
    const r = await fetch(`${sim.urls.apiRoot}/__sim/${name}`, {
      method: 'POST',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const stats = async () => await (await fetch(`${sim.urls.apiRoot}/__sim/stats`)).json();
  const closeAll = async () => {
    await Promise.all(probes.splice(0).map((p) => p.conn.close()));
    await waitFor(async () => (await stats()).ws_connections_open === 0, 'connections closed');
  };

  before(async () => {
    sim = await new KiteSimulator({ ticksPerSecond: 400 }).start();
    sim.redirectUrl = 'http://127.0.0.1:1/callback';
  });
  after(async () => {
    await closeAll();
    await sim.stop();
  });

  it('the official KiteConnect client works unmodified: login URL, generateSession, profile, quotes, instruments, logout', async () => {
    const kc = new KiteConnect({ api_key: sim.apiKey, root: sim.urls.apiRoot });
    // The client always builds its login URL on kite.zerodha.com; its path and query work on the simulator.
    const loginUrl = new URL(kc.getLoginURL());
    const redirect = await fetch(`${sim.urls.apiRoot}${loginUrl.pathname}${loginUrl.search}`, {
      redirect: 'manual',
    });
    assert.equal(redirect.status, 302);
    const back = new URL(redirect.headers.get('location')!);
    assert.equal(back.origin + back.pathname, 'http://127.0.0.1:1/callback');
    assert.equal(back.searchParams.get('status'), 'success');
    const requestToken = back.searchParams.get('request_token')!;
    assert.ok(requestToken);

    await assert.rejects(kc.generateSession(requestToken, 'wrong-secret'), { error_type: 'TokenException' });
    const session = await kc.generateSession(requestToken, sim.apiSecret);
    assert.equal(session.user_id, 'SIM001');
    assert.match(session.access_token, /^\w{16,}$/);
    await assert.rejects(kc.generateSession(requestToken, sim.apiSecret), { error_type: 'TokenException' });

    assert.equal((await kc.getProfile()).user_id, 'SIM001');

    const quote = await kc.getQuote(['NSE:INFY', 'NSE:NIFTY 50']);
    const infy = quote['NSE:INFY'] as any;
    assert.equal(infy.instrument_token, INFY);
    assert.equal(typeof infy.last_price, 'number');
    assert.equal(infy.depth.buy.length, 5);
    assert.ok(infy.ohlc && typeof infy.ohlc.open === 'number');
    assert.equal((quote['NSE:NIFTY 50'] as any).instrument_token, 256265);

    const ltp = await kc.getLTP(['NSE:RELIANCE']);
    assert.deepEqual(Object.keys(ltp['NSE:RELIANCE']).sort(), ['instrument_token', 'last_price']);
    const ohlc = await kc.getOHLC(['NSE:TCS']);
    assert.deepEqual(Object.keys(ohlc['NSE:TCS']).sort(), ['instrument_token', 'last_price', 'ohlc']);

    const all = await kc.getInstruments();
    assert.ok(all.length >= 1000, `universe has ${all.length} instruments`);
    const nse = await kc.getInstruments(['NSE']);
    assert.ok(nse.every((r) => r.exchange === 'NSE'));
    const infyRow = nse.find((r) => r.tradingsymbol === 'INFY')!;
    // The client leaves instrument_token as the CSV text (kite-relay's instrument master converts it).
    assert.equal(Number(infyRow.instrument_token), INFY);
    assert.equal(infyRow.tick_size, 0.05);
    const cds = await kc.getInstruments(['CDS']);
    assert.ok(cds.length > 0 && cds.every((r) => r.segment === 'CDS-FUT' || r.exchange === 'CDS'));

    await kc.invalidateAccessToken();
    await assert.rejects(kc.getProfile(), { error_type: 'TokenException' });
    const rest = (await stats()).rest_calls as Record<string, number>;
    assert.ok(
      rest['/quote'] >= 1 && rest['/quote/ltp'] >= 1 && rest['/quote/ohlc'] >= 1,
      JSON.stringify(rest),
    );
  });

  it('prices move on their tick sizes', async () => {
    const kc = new KiteConnect({
      api_key: sim.apiKey,
      root: sim.urls.apiRoot,
      access_token: sim.issueAccessToken(),
    });
    const rows = await kc.getInstruments(['NSE']);
    const tick = rows.find((r) => r.tradingsymbol === 'INFY')!.tick_size as number;
    const prices: number[] = [];
    // At least 8 prices, and until the price has moved.
    await waitFor(
      async () => {
        prices.push((await kc.getLTP(['NSE:INFY']))['NSE:INFY'].last_price);
        return prices.length >= 8 && new Set(prices).size > 1;
      },
      'the price to move',
      10_000,
      50,
    );
    for (const p of prices) {
      assert.ok(Math.abs(p / tick - Math.round(p / tick)) < 1e-6, `${p} is on the ${tick} grid`);
    }
  });

  it('the official KiteTicker (child process) receives heartbeats, then ticks of each requested mode', async () => {
    const script = fileURLToPath(new URL('../helpers/kite-ticker-child.js', import.meta.url));
    const child: ChildProcess = spawn(process.execPath, [script], {
      env: {
        ...process.env,
        KT_API_KEY: sim.apiKey,
        KT_ACCESS_TOKEN: sim.issueAccessToken(),
        KT_ROOT: sim.urls.wsRoot,
        KT_SUBSCRIBE_AFTER_HEARTBEATS: '2',
        KT_SUBSCRIBE: JSON.stringify({ ltp: [INFY], quote: [RELIANCE], full: [TCS] }),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const events: any[] = [];
    createInterface({ input: child.stdout! }).on('line', (l) => events.push(JSON.parse(l)));
    try {
      const modeOf = (token: number) =>
        new Set(
          events
            .filter((e) => e.event === 'ticks')
            .flatMap((e) => e.ticks.filter((t: any) => t.instrument_token === token)),
        );
      await waitFor(
        () => modeOf(INFY).size > 0 && modeOf(RELIANCE).size > 0 && modeOf(TCS).size > 0,
        'ticks for all three instruments',
      );
      const firstTicks = events.findIndex((e) => e.event === 'ticks');
      assert.equal(events[0].event, 'connect');
      assert.ok(
        events.slice(0, firstTicks).filter((e) => e.event === 'heartbeat').length >= 2,
        'heartbeats arrive every second on an idle connection',
      );
      for (const t of modeOf(INFY)) assert.equal(t.mode, 'ltp');
      for (const t of modeOf(RELIANCE)) assert.equal(t.mode, 'quote');
      for (const t of modeOf(TCS)) assert.ok(t.mode === 'full' && t.depth);
      const tokens = new Set(
        events.filter((e) => e.event === 'ticks').flatMap((e) => e.ticks.map((t: any) => t.instrument_token)),
      );
      assert.deepEqual([...tokens].sort(), [INFY, RELIANCE, TCS].sort());
      assert.ok(!events.some((e) => e.event === 'error'));
    } finally {
      child.kill();
    }
  });

  it('our ticker: heartbeats on idle, ticks in the requested modes, unsubscribe stops them', async () => {
    const p = probe(sim.issueAccessToken());
    await waitFor(() => p.heartbeats >= 1, 'a heartbeat', 3000);
    p.conn.send(subscribeMessage([INFY, TCS]));
    p.conn.send(modeMessage('full', [TCS]));
    await waitFor(
      () => p.ticks.some((t) => t.instrument_token === TCS && t.mode === 'full'),
      'full ticks for TCS',
    );
    assert.ok(p.ticks.filter((t) => t.instrument_token === INFY).every((t) => t.mode === 'quote'));
    p.conn.send(JSON.stringify({ a: 'unsubscribe', v: [INFY, TCS] }));
    await sleep(150); // ticks already on the wire land first
    const n = p.ticks.length;
    await sleep(400); // a window in which no tick may arrive: nothing to wait for
    assert.equal(p.ticks.length, n, 'no ticks after unsubscribe');
    await closeAll();
  });

  it('limits answer as Kite does: 403 for a bad token, 429 past 3 connections, an error past 3000 instruments', async () => {
    const bad = probe('not-a-token');
    await waitFor(() => bad.closed, 'refusal');
    assert.equal(bad.closed!.httpStatus, 403);

    const token = sim.issueAccessToken();
    const three = [probe(token), probe(token), probe(token)];
    await waitFor(() => three.every((p) => p.opened), 'three connections');
    const fourth = probe(token);
    await waitFor(() => fourth.closed, 'fourth refused');
    assert.equal(fourth.closed!.httpStatus, 429);
    const s = await stats();
    assert.equal(s.ws_connections_open, 3);
    assert.equal(s.ws_rejected['429'], 1);

    const tokens = Array.from({ length: MAX_INSTRUMENTS_PER_CONNECTION + 1 }, (_, i) => i + 1);
    three[0].conn.send(subscribeMessage(tokens));
    await waitFor(() => three[0].texts.some((m) => m?.type === 'error'), 'an error text frame');
    const err = three[0].texts.find((m) => m?.type === 'error')!;
    assert.match(JSON.stringify(err), /3000/);
    assert.equal((await stats()).subscribed_instruments, MAX_INSTRUMENTS_PER_CONNECTION);
    await closeAll();
  });

  it('/__sim/drop closes every connection without a close frame; /__sim/expire closes them and then refuses 403', async () => {
    const token = sim.issueAccessToken();
    const a = probe(token);
    await waitFor(() => a.opened, 'open');
    assert.equal((await control('drop')).status, 200);
    await waitFor(() => a.closed, 'dropped');
    assert.equal(a.closed!.code, 1006, 'abnormal closure: no close frame');
    const b = probe(token);
    await waitFor(() => b.opened, 'reopen with the same token');
    await control('expire');
    await waitFor(() => b.closed, 'closed by expire');
    const c = probe(token);
    await waitFor(() => c.closed, 'refused');
    assert.equal(c.closed!.httpStatus, 403);
    await closeAll();
  });

  it('/__sim/silence stops heartbeats and ticks for ms with the socket open; /__sim/garbage sends malformed frames', async () => {
    const p = probe(sim.issueAccessToken());
    await waitFor(() => p.opened, 'open');
    p.conn.send(subscribeMessage([INFY]));
    await waitFor(() => p.ticks.length > 0, 'ticks');
    assert.equal((await control('silence', { ms: -1 })).status, 400);
    await control('silence', { ms: 1500 });
    await sleep(100); // frames already on the wire land first
    const n = p.frames.length;
    await sleep(1000); // a window in which no frame may arrive: nothing to wait for
    assert.equal(p.frames.length, n, 'nothing during silence');
    assert.equal(p.closed, undefined, 'socket still open');
    await waitFor(() => p.frames.length > n, 'frames after the silence', 3000);

    await control('garbage');
    await waitFor(
      () => p.frames.some((f) => f.error !== undefined || f.skipped > 0),
      'malformed frames decoded as errors',
    );
    assert.ok(
      p.texts.some((t) => t === undefined),
      'the malformed text frame parses to nothing',
    );
    await closeAll();
  });

  it('/__sim/orders sends the order as Kite’s order text frame on every ticker connection of the key', async () => {
    const [a, b] = [probe(sim.issueAccessToken()), probe(sim.issueAccessToken())];
    await waitFor(() => a.opened && b.opened, 'open');
    const order = { order_id: '251203000000042', status: 'COMPLETE', filled_quantity: 5, tag: 'x' };
    const r = await control('orders', order);
    assert.deepEqual(r, { status: 200, body: { ok: true, connections: 2 } });
    const frame = JSON.stringify({ type: 'order', data: order });
    await waitFor(() => a.raws.includes(frame) && b.raws.includes(frame), 'the order frame on both');
    assert.deepEqual(a.texts.at(-1), { type: 'order', data: order });
    assert.equal((await control('orders', [order])).status, 400, 'the body must be an object');
    await closeAll();
  });

  it('/__sim/rate changes the tick rate; /__sim/reset returns to the start state', async () => {
    const token = sim.issueAccessToken();
    const p = probe(token);
    await waitFor(() => p.opened, 'open');
    p.conn.send(
      subscribeMessage(
        buildUniverse()
          .slice(0, 200)
          .map((i) => i.instrument_token),
      ),
    );
    assert.equal((await control('rate', { ticks_per_second: 'fast' })).status, 400);
    assert.equal((await control('rate', { ticks_per_second: 2000 })).body.ticks_per_second, 2000);
    await sleep(200); // ticks sent at the old rate land first
    let n = p.ticks.length;
    await sleep(1000); // the rate is measured over a second
    const fast = p.ticks.length - n;
    await control('rate', { ticks_per_second: 100 });
    await sleep(200); // ticks sent at the old rate land first
    n = p.ticks.length;
    await sleep(1000); // the rate is measured over a second
    const slow = p.ticks.length - n;
    assert.ok(fast > 1200 && fast < 2800, `~2000 ticks/s at rate 2000: ${fast}`);
    assert.ok(slow > 40 && slow < 200, `~100 ticks/s at rate 100: ${slow}`);

    assert.equal((await control('reset')).status, 200);
    await waitFor(() => p.closed, 'connections closed by reset');
    const s = await stats();
    assert.equal(s.ws_connections_open, 0);
    assert.equal(s.ws_connections_peak, 0);
    assert.equal(s.ticks_per_second, 400);
    assert.deepEqual(s.rest_calls, {});
    const again = probe(token);
    await waitFor(() => again.closed, 'old token refused after reset');
    assert.equal(again.closed!.httpStatus, 403);
    assert.equal((await control('nonsense')).status, 404);
  });

  it('`npm run simulator -- --port N` starts it alone and prints its URLs', async () => {
    const cli = fileURLToPath(new URL('../../src/simulator/cli.js', import.meta.url));
    const child = spawn(process.execPath, [cli, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      const root = /KITE_API_ROOT=(\S+)/.exec(line)![1];
      const r = await fetch(`${root}/__sim/stats`);
      assert.equal(r.status, 200);
      assert.match(line, /KITE_WS_ROOT=ws:\/\/127\.0\.0\.1:\d+\/ws/);
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise((r) => child.once('exit', r));
    assert.equal(code, 0);
  });
});
