import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { HistoricalCandle } from '../../src/kite/kite-rest.js';
import { modeMessage, subscribeMessage } from '../../src/kite/messages.js';
import type { Tick } from '../../src/kite/tick.js';
import { KiteSimulator } from '../../src/simulator/simulator.js';
import { KiteConnect, TickerProbe } from '../helpers/sim-clients.js';
import { waitFor } from '../helpers/wait.js';

const INFY = 408065;
const RELIANCE = 738561;
const TCS = 2953217;
const HDFCBANK = 341249;
const NIFTY = 256265;
const USDINR_FUT = 412001 * 256 + 3;

/** Epoch ms of an IST wall time `YYYY-MM-DD HH:MM:SS`. */
const ist = (wall: string) => Date.parse(`${wall.replace(' ', 'T')}+05:30`);
const MIN = 60_000;

/** Candles of `size` minutes grouped from minute candles, buckets counted from 09:15 IST (the test's own arithmetic). */
function groupBy(minutes: HistoricalCandle[], size: number, dayOpen: number) {
  const out: { t: number; open: number; high: number; low: number; close: number; volume: number }[] = [];
  for (const c of minutes) {
    const t = dayOpen + Math.floor((c.date.getTime() - dayOpen) / (size * MIN)) * size * MIN;
    const last = out.at(-1);
    if (last?.t === t) {
      last.high = Math.max(last.high, c.high);
      last.low = Math.min(last.low, c.low);
      last.close = c.close;
      last.volume += c.volume;
    } else out.push({ t, open: c.open, high: c.high, low: c.low, close: c.close, volume: c.volume });
  }
  return out;
}

const plain = (cs: HistoricalCandle[]) =>
  cs.map((c) => ({
    t: c.date.getTime(),
    open: c.open,
    high: c.high,
    low: c.low,
    close: c.close,
    volume: c.volume,
  }));

describe('simulator: historical candles on the model walk, under an injected clock', () => {
  // The test day is a trading day at a known time, whatever the machine's date.
  let nowMs = ist('2026-12-01 11:00:30');
  let sim: KiteSimulator;
  let kc: InstanceType<typeof KiteConnect>;
  const control = async (target: KiteSimulator, name: string, body?: unknown) => {
    const r = await fetch(`${target.urls.apiRoot}/__sim/${name}`, {
      method: 'POST',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const stats = async (target: KiteSimulator) =>
    (await (await fetch(`${target.urls.apiRoot}/__sim/stats`)).json()) as Record<string, any>;
  const quote = async (key: string) => (await kc.getQuote([key]))[key] as any;

  before(async () => {
    sim = await new KiteSimulator({ now: () => nowMs, ticksPerSecond: 400 }).start();
    kc = new KiteConnect({
      api_key: sim.apiKey,
      root: sim.urls.apiRoot,
      access_token: sim.issueAccessToken(),
    });
  });
  after(async () => {
    await sim.stop();
  });

  it('the day so far: contiguous minutes from 09:15 IST to the last completed one, inside the quote, ending on its price', async () => {
    const q = await quote('NSE:INFY');
    const candles = await kc.getHistoricalData(INFY, 'minute', '2026-12-01 09:00:00', '2026-12-01 15:30:00');
    assert.equal(candles.length, 105, '09:15 … 10:59: the current minute 11:00 is not complete');
    candles.forEach((c, i) => {
      assert.equal(c.date.getTime(), ist('2026-12-01 09:15:00') + i * MIN);
      assert.ok(c.low <= Math.min(c.open, c.close) && Math.max(c.open, c.close) <= c.high, JSON.stringify(c));
      for (const p of [c.open, c.high, c.low, c.close]) {
        assert.ok(Math.abs(p * 20 - Math.round(p * 20)) < 1e-6);
      }
      assert.ok(c.volume > 0);
    });
    assert.equal(candles[0].open, q.ohlc.open, "the day's open is the first candle's open");
    assert.equal(Math.max(...candles.map((c) => c.high)), q.ohlc.high);
    assert.equal(Math.min(...candles.map((c) => c.low)), q.ohlc.low);
    assert.equal(
      candles.reduce((n, c) => n + c.volume, 0),
      q.volume,
      'no trade yet this minute: the day volume is the candles',
    );
    assert.equal(candles.at(-1)!.close, q.last_price, 'the quote continues from the last close');
    assert.equal(Date.parse(q.timestamp), ist('2026-12-01 11:00:30'), 'quote timestamp follows the clock');
    assert.ok(Date.parse(q.last_trade_time) < ist('2026-12-01 11:00:00'));

    // Kite's wire format, as the client receives it.
    const r = await fetch(
      `${sim.urls.apiRoot}/instruments/historical/${INFY}/minute?from=2026-12-01+09:15:00&to=2026-12-01+09:16:00&continuous=0&oi=0`,
      { headers: { Authorization: `token ${sim.apiKey}:${sim.issueAccessToken()}` } },
    );
    const body = (await r.json()) as { status: string; data: { candles: unknown[][] } };
    assert.equal(body.status, 'success');
    assert.deepEqual(
      body.data.candles.map((c) => c[0]),
      ['2026-12-01T09:15:00+0530', '2026-12-01T09:16:00+0530'],
    );
    assert.deepEqual(body.data.candles[0].slice(1), [
      candles[0].open,
      candles[0].high,
      candles[0].low,
      candles[0].close,
      candles[0].volume,
    ]);
  });

  it('streamed ticks continue the walk, and the next completed minute is exactly the streamed one; 5/15minute group the minutes', async () => {
    const q0 = await quote('NSE:RELIANCE');
    const before = await kc.getHistoricalData(
      RELIANCE,
      'minute',
      '2026-12-01 09:15:00',
      '2026-12-01 11:00:00',
    );
    assert.equal(before.at(-1)!.close, q0.last_price);

    const p = new TickerProbe(
      `${sim.urls.wsRoot}?api_key=${sim.apiKey}&access_token=${sim.issueAccessToken()}`,
    );
    try {
      await waitFor(() => p.opened, 'ticker open');
      p.conn.send(subscribeMessage([RELIANCE]));
      p.conn.send(modeMessage('full', [RELIANCE]));
      const mine = () => p.ticks.filter((t) => t.instrument_token === RELIANCE);
      const full = () => mine().filter((t) => t.mode === 'full');
      await waitFor(
        () => full().length >= 5,
        'ticks during 11:00 (the fake clock stands still, the loop does not)',
      );
      assert.equal(
        full()[0].timestamp,
        '2026-12-01T11:00:30+05:30',
        'exchange timestamps follow the injected clock',
      );
      assert.ok(
        Math.abs(mine()[0].last_price - q0.last_price) <= 3 * 0.05 + 1e-9,
        'no jump from the last close',
      );

      nowMs = ist('2026-12-01 11:01:10');
      const next = (t: Tick) =>
        typeof t.timestamp === 'string' && Date.parse(t.timestamp) >= ist('2026-12-01 11:01:00');
      await waitFor(() => mine().some(next), 'a tick of 11:01');
      // Ticks arrive in order: everything before the first 11:01 tick traded in 11:00 (quote-mode ones carry no time).
      const streamed = mine().slice(0, mine().findIndex(next));
      const [c] = await kc.getHistoricalData(
        RELIANCE,
        'minute',
        '2026-12-01 11:00:00',
        '2026-12-01 11:00:59',
      );
      const prices = streamed.map((t) => t.last_price);
      assert.deepEqual(plain([c]), [
        {
          t: ist('2026-12-01 11:00:00'),
          open: prices[0],
          high: Math.max(...prices),
          low: Math.min(...prices),
          close: prices.at(-1),
          volume: streamed.at(-1)!.volume! - q0.volume,
        },
      ]);
    } finally {
      await p.conn.close();
    }

    const q1 = await quote('NSE:RELIANCE');
    const day = await kc.getHistoricalData(RELIANCE, 'minute', '2026-12-01 09:15:00', '2026-12-01 11:01:00');
    assert.equal(day.length, 106);
    assert.equal(day[0].open, q1.ohlc.open);
    for (const m of day) assert.ok(m.high <= q1.ohlc.high && m.low >= q1.ohlc.low);
    assert.ok(day.reduce((n, m) => n + m.volume, 0) <= q1.volume);

    const dayOpen = ist('2026-12-01 09:15:00');
    for (const size of [5, 15]) {
      const grouped = await kc.getHistoricalData(
        RELIANCE,
        `${size}minute`,
        '2026-12-01 09:15:00',
        '2026-12-01 11:01:00',
      );
      assert.deepEqual(plain(grouped), groupBy(day, size, dayOpen), `${size}minute`);
    }
  });

  it('the synthesized day is the same on every boot for a token and date, and differs by date', async () => {
    let otherNow = ist('2026-12-01 11:00:30');
    const other = await new KiteSimulator({ now: () => otherNow }).start();
    try {
      const kc2 = new KiteConnect({
        api_key: other.apiKey,
        root: other.urls.apiRoot,
        access_token: other.issueAccessToken(),
      });
      const range = ['2026-12-01 09:15:00', '2026-12-01 10:59:00'] as const;
      const a = await kc.getHistoricalData(TCS, 'minute', ...range);
      const b = await kc2.getHistoricalData(TCS, 'minute', ...range);
      assert.deepEqual(plain(b), plain(a));
      otherNow = ist('2026-12-02 11:00:30');
      const next = await kc2.getHistoricalData(TCS, 'minute', '2026-12-02 09:15:00', '2026-12-02 10:59:00');
      assert.equal(next.length, 105);
      assert.notDeepEqual(
        next.map((c) => c.close),
        a.map((c) => c.close),
      );
      assert.deepEqual(await kc2.getHistoricalData(TCS, 'minute', ...range), [], 'only today has candles');
    } finally {
      await other.stop();
    }
  });

  it('before 09:15 IST there is no history yet: the day opens on its first trade, which lands in the 09:15 candle', async () => {
    let early = ist('2026-12-01 09:05:00');
    const other = await new KiteSimulator({ now: () => early }).start();
    try {
      const kc2 = new KiteConnect({
        api_key: other.apiKey,
        root: other.urls.apiRoot,
        access_token: other.issueAccessToken(),
      });
      assert.deepEqual(
        await kc2.getHistoricalData(HDFCBANK, 'minute', '2026-12-01 09:00:00', '2026-12-01 15:30:00'),
        [],
      );
      const q = (await kc2.getQuote(['NSE:HDFCBANK']))['NSE:HDFCBANK'] as any;
      assert.equal(q.volume, 0);
      assert.equal(q.last_trade_time, null);
      early = ist('2026-12-01 09:10:00');
      const traded = (await kc2.getQuote(['NSE:HDFCBANK']))['NSE:HDFCBANK'] as any;
      assert.ok(traded.volume > 0, 'a quote after a quiet spell is a trade');
      assert.equal(traded.ohlc.open, traded.last_price, 'the first trade is the open');
      early = ist('2026-12-01 09:15:30');
      assert.deepEqual(
        await kc2.getHistoricalData(HDFCBANK, 'minute', '2026-12-01 09:00:00', '2026-12-01 15:30:00'),
        [],
        'the 09:15 candle is not complete yet',
      );
      early = ist('2026-12-01 09:16:00');
      const [c] = await kc2.getHistoricalData(
        HDFCBANK,
        'minute',
        '2026-12-01 09:00:00',
        '2026-12-01 15:30:00',
      );
      assert.deepEqual(plain([c]), [
        {
          t: ist('2026-12-01 09:15:00'),
          open: traded.last_price,
          high: traded.last_price,
          low: traded.last_price,
          close: traded.last_price,
          volume: traded.volume,
        },
      ]);
    } finally {
      await other.stop();
    }
  });

  it('other intervals, open interest, bad input and a missing token answer as Kite does; stats count one route', async () => {
    const [d] = await kc.getHistoricalData(INFY, 'day', '2026-12-01', '2026-12-01 23:59:59');
    const minutes = await kc.getHistoricalData(INFY, 'minute', '2026-12-01', '2026-12-01 23:59:59');
    assert.equal(d.date.getTime(), ist('2026-12-01 00:00:00'));
    assert.equal(d.open, minutes[0].open);
    assert.equal(d.close, minutes.at(-1)!.close);
    assert.equal(
      d.volume,
      minutes.reduce((n, c) => n + c.volume, 0),
    );
    const hourly = await kc.getHistoricalData(INFY, '60minute', '2026-12-01 09:15:00', '2026-12-01 11:00:00');
    assert.deepEqual(
      hourly.map((c) => c.date.getTime()),
      [ist('2026-12-01 09:15:00'), ist('2026-12-01 10:15:00')],
    );

    const fut = await kc.getHistoricalData(
      USDINR_FUT,
      'minute',
      '2026-12-01 10:00:00',
      '2026-12-01 10:05:00',
      false,
      true,
    );
    assert.equal(fut.length, 6);
    assert.ok(
      fut.every((c) => typeof c.oi === 'number' && c.oi > 0),
      'oi=1 adds the open interest column',
    );
    const index = await kc.getHistoricalData(NIFTY, 'minute', '2026-12-01 10:00:00', '2026-12-01 10:05:00');
    assert.ok(index.length === 6 && index.every((c) => c.volume === 0), 'indices carry no volume');

    const input = { error_type: 'InputException' };
    await assert.rejects(
      kc.getHistoricalData(INFY, '2minute', '2026-12-01 09:15:00', '2026-12-01 10:00:00'),
      input,
    );
    await assert.rejects(
      kc.getHistoricalData(INFY, 'week', '2026-12-01 09:15:00', '2026-12-01 10:00:00'),
      input,
    );
    await assert.rejects(kc.getHistoricalData(INFY, 'minute', 'yesterday', '2026-12-01 10:00:00'), input);
    await assert.rejects(
      kc.getHistoricalData(INFY, 'minute', '2026-12-01 10:00:00', '2026-12-01 09:15:00'),
      input,
    );
    await assert.rejects(
      kc.getHistoricalData(123, 'minute', '2026-12-01 09:15:00', '2026-12-01 10:00:00'),
      input,
    );
    const anonymous = new KiteConnect({
      api_key: sim.apiKey,
      root: sim.urls.apiRoot,
      access_token: 'expired',
    });
    await assert.rejects(
      anonymous.getHistoricalData(INFY, 'minute', '2026-12-01 09:15:00', '2026-12-01 10:00:00'),
      {
        error_type: 'TokenException',
      },
    );

    const rest = (await stats(sim)).rest_calls as Record<string, number>;
    assert.ok(rest['/instruments/historical'] >= 17, JSON.stringify(rest));
    assert.deepEqual(
      Object.keys(rest).filter((k) => k.startsWith('/instruments/historical/')),
      [],
    );
  });

  it('without the historical add-on: 403 PermissionException, switched at run time by /__sim/historical, restored by /__sim/reset', async () => {
    const denied = await new KiteSimulator({ now: () => nowMs, historical: false }).start();
    try {
      const kc2 = new KiteConnect({
        api_key: denied.apiKey,
        root: denied.urls.apiRoot,
        access_token: denied.issueAccessToken(),
      });
      const ask = () => kc2.getHistoricalData(INFY, 'minute', '2026-12-01 09:15:00', '2026-12-01 10:00:00');
      await assert.rejects(ask(), {
        error_type: 'PermissionException',
        message: 'Insufficient permission for that call.',
      });
      const raw = await fetch(
        `${denied.urls.apiRoot}/instruments/historical/${INFY}/minute?from=2026-12-01+09:15:00&to=2026-12-01+10:00:00`,
        {
          headers: { Authorization: `token ${denied.apiKey}:${denied.issueAccessToken()}` },
        },
      );
      assert.equal(raw.status, 403);
      assert.deepEqual(await raw.json(), {
        status: 'error',
        message: 'Insufficient permission for that call.',
        error_type: 'PermissionException',
        data: null,
      });

      assert.equal((await control(denied, 'historical', { enabled: 'yes' })).status, 400);
      assert.deepEqual((await control(denied, 'historical', { enabled: true })).body, {
        ok: true,
        historical: true,
      });
      assert.equal((await ask()).length, 46, '09:15 … 10:00, both ends included');
      assert.equal((await stats(denied)).historical, true);
      await control(denied, 'reset');
      assert.equal((await stats(denied)).historical, false);
      kc2.setAccessToken(denied.issueAccessToken());
      await assert.rejects(ask(), { error_type: 'PermissionException' });
    } finally {
      await denied.stop();
    }
    assert.equal((await control(sim, 'historical', { enabled: false })).body.historical, false);
    await assert.rejects(kc.getHistoricalData(INFY, 'minute', '2026-12-01 09:15:00', '2026-12-01 10:00:00'), {
      error_type: 'PermissionException',
    });
    await control(sim, 'historical', { enabled: true });
  });
});

describe('simulator: universe size and command-line options', () => {
  it('`instruments` sets the synthetic equities; 20,000 are served and quoted; bad counts are refused clearly', async () => {
    const big = await new KiteSimulator({ instruments: 20_000 }).start();
    try {
      const kc = new KiteConnect({
        api_key: big.apiKey,
        root: big.urls.apiRoot,
        access_token: big.issueAccessToken(),
      });
      const all = await kc.getInstruments();
      assert.equal(all.length, 6 + 20_000 + 3);
      assert.equal(new Set(all.map((r) => r.instrument_token)).size, all.length, 'tokens are unique');
      const last = all.find((r) => r.tradingsymbol === 'SIM20000')!;
      const q = (await kc.getQuote(['NSE:SIM20000']))['NSE:SIM20000'] as any;
      assert.equal(q.instrument_token, Number(last.instrument_token));
    } finally {
      await big.stop();
    }
    for (const bad of [-1, 1.5, 200_001, Number.NaN]) {
      assert.throws(() => new KiteSimulator({ instruments: bad }), {
        name: 'RangeError',
        message: /instruments must be a whole number 0\.\.200000/,
      });
    }
    assert.equal(new KiteSimulator({ instruments: 0 }).universe.length, 9);
  });

  const cli = fileURLToPath(new URL('../../src/simulator/cli.js', import.meta.url));

  it('SIM_INSTRUMENTS, --historical off and --clock-start reach the simulator; bad values exit 78 naming each', async () => {
    const child = spawn(
      process.execPath,
      [cli, '--port', '0', '--historical', 'off', '--clock-start', '2026-12-01T11:00:00+05:30'],
      {
        env: { ...process.env, SIM_INSTRUMENTS: '20000' },
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`exited ${code}`)));
      });
      const root = /KITE_API_ROOT=(\S+)/.exec(line)![1];
      assert.equal((await (await fetch(`${root}/__sim/stats`)).json()).instruments, 20_009);
      const kc = new KiteConnect({ api_key: 'kite_relay_sim', root });
      const loginUrl = new URL(kc.getLoginURL());
      const redirect = await fetch(`${root}${loginUrl.pathname}${loginUrl.search}`, { redirect: 'manual' });
      const requestToken = new URL(redirect.headers.get('location')!).searchParams.get('request_token')!;
      const checksum = createHash('sha256')
        .update(`kite_relay_sim${requestToken}kite_relay_sim_secret`)
        .digest('hex');
      const r = await fetch(`${root}/session/token`, {
        method: 'POST',
        body: new URLSearchParams({ api_key: 'kite_relay_sim', request_token: requestToken, checksum }),
      });
      const session = ((await r.json()) as { data: { login_time: string; access_token: string } }).data;
      assert.match(session.login_time, /^2026-12-01 11:00:0\d$/, 'the shifted clock');
      kc.setAccessToken(session.access_token);
      await assert.rejects(
        kc.getHistoricalData(INFY, 'minute', '2026-12-01 09:15:00', '2026-12-01 10:00:00'),
        {
          error_type: 'PermissionException',
        },
      );
    } finally {
      child.kill('SIGTERM');
    }

    const bad = spawn(
      process.execPath,
      [cli, '--port', '0', '--instruments', '12.5', '--historical', 'maybe'],
      {
        env: { ...process.env, SIM_CLOCK_START: 'noon' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    bad.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const code = await new Promise((r) => bad.once('exit', r));
    assert.equal(code, 78);
    assert.match(
      stderr,
      /--instruments \/ SIM_INSTRUMENTS: must be a whole number 0\.\.200000 \(got "12\.5"\)/,
    );
    assert.match(stderr, /--historical \/ SIM_HISTORICAL: must be on, off/);
    assert.match(stderr, /--clock-start \/ SIM_CLOCK_START: must be an ISO date-time/);
  });
});
