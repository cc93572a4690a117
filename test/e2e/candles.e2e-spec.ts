import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CandlesService } from '../../src/candles/candles.service.js';
import { Clock } from '../../src/clock/clock.js';
import { istIso } from '../../src/clock/ist.js';
import type { Tick } from '../../src/kite/tick.js';
import { RedisServer } from '../helpers/redis-server.js';
import { TestApp } from '../helpers/test-app.js';
import { waitFor } from '../helpers/wait.js';

const INFY = 408065;
// A trading morning, so the session and its open are fixed whatever the day the test runs.
const CLOCK_START = '2026-12-01T10:30:00+05:30';
const HISTORICAL = '/instruments/historical';
const OPEN = Date.parse('2026-12-01T09:15:00+05:30') / 1000;
type Row = [number, number, number, number, number, number];

describe('candles: built from the feed, GET /api/candles, kept in Redis across a restart', () => {
  let redis: RedisServer;
  let t: TestApp;
  let viewer: string;
  const candles = (query: string, token = viewer) => t.http(`/api/candles?${query}`, { token });

  before(async () => {
    redis = await RedisServer.start();
    t = await TestApp.start({
      env: { REDIS_URL: redis.url, CLOCK_START },
      simOptions: { ticksPerSecond: 1000 },
    });
    viewer = t.token('viewer');
    await t.login();
  });
  after(async () => {
    await t?.close();
    await redis?.close();
  });

  it('a subscribed instrument gets one-minute candles whose last one follows its ticks', async () => {
    const s = t.client({ token: viewer });
    const got: Tick[] = [];
    s.on('ticks', (ticks) => got.push(...ticks.filter((x) => x.instrument_token === INFY)));
    await t.connected(s);
    const ack = await s.timeout(5000).emitWithAck('subscribe', { instruments: ['NSE:INFY', 'NSE:NIFTY 50'] });
    assert.equal(ack.ok, true);
    await waitFor(() => got.length >= 3, 'INFY ticks');

    const first = await waitFor(async () => {
      const r = await candles('i=NSE:INFY');
      return r.body?.candles?.length > 0 ? r : undefined;
    }, 'INFY candles');
    assert.equal(first.status, 200);
    assert.equal(first.body.instrument_token, INFY);
    assert.equal(first.body.symbol, 'NSE:INFY');
    assert.equal(first.body.interval, '1m');
    // Asked for at 10:30, the day from 09:15 was backfilled once from Kite's historical API.
    const rows = first.body.candles as Row[];
    assert.equal(rows[0][0], OPEN, 'the chart starts at the session open');
    assert.equal(first.body.complete_from, '2026-12-01T09:15:00+05:30');
    assert.equal((await t.simStats()).rest_calls[HISTORICAL], 1);
    const backfilled = rows.filter(([time]) => time < Date.parse(CLOCK_START) / 1000);
    assert.equal(backfilled.length, 75, 'every minute 09:15–10:29 (the simulator trades each one)');
    for (const [time, o, h, l, c, v] of rows) {
      assert.equal(time % 60, 0, 'epoch seconds of a minute start');
      assert.ok(time >= OPEN && time <= t.app.get<Clock>(Clock).now() / 1000, `time ${time} within the day`);
      assert.ok(
        h >= Math.max(o, c) && l <= Math.min(o, c) && v >= 0,
        `OHLCV consistent: ${[o, h, l, c, v].join(' ')}`,
      );
    }

    // The last candle's close is a price the feed delivered, and it moves with the ticks.
    const lastClose = (r: { body: { candles: Row[] } }) => r.body.candles.at(-1)![4];
    assert.ok(
      got.some((x) => x.last_price === lastClose(first)),
      'the close is a delivered price',
    );
    const seen = new Set([JSON.stringify(first.body.candles.at(-1))]);
    await waitFor(async () => {
      const r = await candles('i=NSE:INFY');
      return !seen.has(JSON.stringify(r.body.candles.at(-1)));
    }, 'the last candle to change');

    const index = await waitFor(async () => {
      const r = await candles(`i=${encodeURIComponent('NSE:NIFTY 50')}&interval=5m`);
      return r.body?.candles?.length > 0 ? r : undefined;
    }, 'NIFTY 50 candles');
    assert.equal(index.body.interval, '5m');
    assert.ok((index.body.candles as Row[]).every(([time, , , , , v]) => time % 300 === 0 && v === 0));
    const q = await candles(`i=${INFY}&interval=15m`);
    assert.ok((q.body.candles as Row[]).every(([time]) => time % 900 === 0));
  });

  it('the backfill happens once per instrument and day: more requests make no further Kite call', async () => {
    const before = (await t.simStats()).rest_calls[HISTORICAL] ?? 0;
    for (let i = 0; i < 5; i++) assert.equal((await candles('i=NSE:INFY')).status, 200);
    assert.equal((await t.simStats()).rest_calls[HISTORICAL] ?? 0, before);
  });

  it('an instrument nobody streams answers no candles, not an error', async () => {
    const r = await candles('i=NSE:TCS&interval=1m');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, {
      instrument_token: 2953217,
      symbol: 'NSE:TCS',
      interval: '1m',
      candles: [],
      complete_from: null,
    });
  });

  it('bad input is a 400 with the reason; no credentials a 401', async () => {
    const cases: [string, RegExp][] = [
      ['', /one instrument/],
      ['i=NSE:INFY&i=NSE:TCS', /one instrument/],
      ['i=INFY', /one instrument/],
      ['i=NSE:INFY&interval=2m', /interval must be 1m, 5m or 15m/],
      ['i=NSE:INFY&interval=', /interval/],
      ['i=NSE:NOSUCHTHING', /unknown instrument: NSE:NOSUCHTHING/],
    ];
    for (const [query, reason] of cases) {
      const r = await candles(query);
      assert.equal(r.status, 400, query);
      assert.match(r.body.message, reason, query);
    }
    assert.equal((await t.http('/api/candles?i=NSE:INFY')).status, 401);
  });

  it('a restarted gateway serves the same candles from Redis and goes on building', async () => {
    const served = (await candles('i=NSE:INFY')).body.candles as Row[];
    const clockAt = t.app.get<Clock>(Clock).now();
    const prefix = t.cacheKeyPrefix;
    await t.close(); // writes what is pending
    const restart = async () =>
      TestApp.start({
        env: { REDIS_URL: redis.url, CLOCK_START: istIso(clockAt + 1000) },
        cacheKeyPrefix: prefix,
      });
    const stored = await redis.client.keys(`${prefix}candles:2026-12-01:*`);
    assert.ok(stored.includes(`${prefix}candles:2026-12-01:${INFY}`), 'INFY candles are in Redis');

    t = await restart();
    viewer = t.token('viewer');
    const restored = await candles('i=NSE:INFY');
    assert.equal(restored.status, 200);
    const back = restored.body.candles as Row[];
    assert.deepEqual(
      back.slice(0, served.length - 1),
      served.slice(0, -1),
      'the same candles, without a tick since',
    );
    assert.equal(back.at(-1)![0] >= served.at(-1)![0], true);
    const before = t.get(CandlesService);
    assert.ok(before.bytes > 0);

    await t.login();
    const s = t.client({ token: viewer });
    await t.connected(s);
    await s.timeout(5000).emitWithAck('subscribe', { instruments: ['NSE:INFY'] });
    await waitFor(async () => {
      const r = await candles('i=NSE:INFY');
      return JSON.stringify(r.body.candles.at(-1)) !== JSON.stringify(restored.body.candles.at(-1));
    }, 'the restored day to go on');
    const now = await candles('i=NSE:INFY');
    const old = restored.body.candles as Row[];
    assert.deepEqual(
      (now.body.candles as Row[]).slice(0, old.length - 1),
      old.slice(0, -1),
      'the past is kept',
    );
  });
});

describe('candles: a Kite app without historical access', () => {
  it('serves what it built, says from when (complete_from), and asks Kite once a day, not on every request', async () => {
    const t = await TestApp.start({
      env: { CLOCK_START },
      redis: false,
      simOptions: { ticksPerSecond: 1000, historical: false },
    });
    try {
      await t.login();
      const viewer = t.token('viewer');
      const s = t.client({ token: viewer });
      await t.connected(s);
      await s.timeout(5000).emitWithAck('subscribe', { instruments: ['NSE:INFY'] });
      const first = await waitFor(async () => {
        const r = await t.http('/api/candles?i=NSE:INFY', { token: viewer });
        return r.body?.candles?.length > 0 ? r : undefined;
      }, 'candles built from the feed');
      assert.equal(first.status, 200);
      const rows = first.body.candles as Row[];
      assert.ok(rows[0][0] >= Date.parse(CLOCK_START) / 1000, 'nothing before the gateway saw the feed');
      assert.ok(Date.parse(first.body.complete_from) > Date.parse(CLOCK_START), first.body.complete_from);
      for (let i = 0; i < 10; i++) {
        assert.equal((await t.http('/api/candles?i=NSE:INFY', { token: viewer })).status, 200);
        await t.http(`/api/candles?i=${encodeURIComponent('NSE:NIFTY 50')}`, { token: viewer });
      }
      assert.equal(
        (await t.simStats()).rest_calls[HISTORICAL],
        1,
        'refused once, never asked again that day',
      );
      assert.ok(t.logs.some((l) => l.includes('Kite refused historical candles')));
    } finally {
      await t.close();
    }
  });
});
