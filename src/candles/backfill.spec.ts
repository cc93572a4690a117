import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../clock/clock.js';
import { BACKFILL_RETRY_MS, Backfiller, toCandles, type HistoricalCandle } from './backfill.js';
import type { Candle } from './candle.js';
import type { TradingSession } from './session.js';

const INFY = 408065;
const TCS = 2953217;
const ist = (hms: string, date = '2026-12-01') => Date.parse(`${date}T${hms}+05:30`);
const session = (date = '2026-12-01'): TradingSession => ({
  date,
  start: ist('09:00:00', date),
  open: ist('09:15:00', date),
  close: ist('15:30:00', date),
});

/** A fake Kite REST client: counts calls, answers with candles or fails as told. */
function fakeKite() {
  const calls: { token: number; from: string; to: string }[] = [];
  let answer: () => Promise<HistoricalCandle[]> = async () => [
    { date: new Date(ist('09:15:00')), open: 100, high: 101, low: 99, close: 100.5, volume: 1200 },
    { date: '2026-12-01T09:16:00+0530', open: 100.5, high: 102, low: 100, close: 101, volume: 800 },
  ];
  return {
    calls,
    fetch: (token: number, from: string, to: string) => {
      calls.push({ token, from, to });
      return answer();
    },
    answer: (fn: () => Promise<HistoricalCandle[]>) => (answer = fn),
  };
}

function setup() {
  const kite = fakeKite();
  const applied: { token: number; day: string; candles: Candle[]; from: number }[] = [];
  const failures: boolean[] = [];
  const clock = new FakeClock(ist('10:03:27'));
  const sut = new Backfiller(
    kite.fetch,
    (token, day, candles, from) => applied.push({ token, day, candles, from }),
    (_t, _e, refused) => failures.push(refused),
  );
  return { sut, kite, applied, failures, clock };
}

describe('Backfiller', () => {
  it("fetches the session's open up to completeFrom once, with IST times, and hands over the candles", async () => {
    const { sut, kite, applied, clock } = setup();
    assert.equal(await sut.ensure(INFY, session(), ist('10:04:00'), clock.now()), 'filled');
    assert.deepEqual(kite.calls, [{ token: INFY, from: '2026-12-01 09:15:00', to: '2026-12-01 10:02:59' }]);
    assert.equal(applied.length, 1);
    assert.deepEqual(
      applied[0].candles.map((c) => [c.t, c.v]),
      [
        [ist('09:15:00'), 1200],
        [ist('09:16:00'), 800],
      ],
    );
    assert.equal(applied[0].from, ist('09:15:00'));
    assert.equal(await sut.ensure(INFY, session(), ist('10:04:00'), clock.now()), 'not needed');
    assert.equal(kite.calls.length, 1, 'once per instrument and session');
  });

  it('concurrent requests share one fetch; fetches run one at a time', async () => {
    const { sut, kite, clock } = setup();
    let release!: () => void;
    kite.answer(() => new Promise((r) => (release = () => r([]))));
    const a = sut.ensure(INFY, session(), ist('10:04:00'), clock.now());
    const b = sut.ensure(INFY, session(), ist('10:04:00'), clock.now());
    const other = sut.ensure(TCS, session(), ist('10:04:00'), clock.now());
    await new Promise((r) => setImmediate(r));
    assert.equal(kite.calls.length, 1, 'TCS waits for INFY');
    release();
    assert.deepEqual(await Promise.all([a, b]), ['filled', 'filled']);
    await new Promise((r) => setImmediate(r));
    release();
    assert.equal(await other, 'filled');
    assert.deepEqual(
      kite.calls.map((c) => c.token),
      [INFY, TCS],
    );
  });

  it('nothing to fetch when the candles reach back to the open, or before the open', async () => {
    const { sut, kite } = setup();
    assert.equal(await sut.ensure(INFY, session(), ist('09:15:00'), ist('10:00:00')), 'not needed');
    assert.equal(await sut.ensure(INFY, session(), ist('09:14:00'), ist('09:14:30')), 'not needed');
    assert.equal(kite.calls.length, 0);
  });

  it('after the close it fetches up to the close only', async () => {
    const { sut, kite } = setup();
    await sut.ensure(INFY, session(), ist('17:01:00'), ist('17:00:30'));
    assert.equal(kite.calls[0].to, '2026-12-01 15:29:59');
  });

  it('a PermissionException is remembered for the session: no further call for any instrument', async () => {
    const { sut, kite, failures, clock, applied } = setup();
    kite.answer(() =>
      Promise.reject(
        Object.assign(new Error('Insufficient permission'), { error_type: 'PermissionException' }),
      ),
    );
    assert.equal(await sut.ensure(INFY, session(), ist('10:04:00'), clock.now()), 'refused');
    clock.advance(3600_000);
    assert.equal(await sut.ensure(INFY, session(), ist('10:04:00'), clock.now()), 'refused');
    assert.equal(await sut.ensure(TCS, session(), ist('10:04:00'), clock.now()), 'refused');
    assert.equal(kite.calls.length, 1);
    assert.deepEqual(failures, [true]);
    assert.equal(sut.refused('2026-12-01'), true);
    assert.deepEqual(applied, []);
    // The next session asks again.
    kite.answer(async () => []);
    assert.equal(
      await sut.ensure(
        INFY,
        session('2026-12-02'),
        ist('10:04:00', '2026-12-02'),
        ist('10:05:00', '2026-12-02'),
      ),
      'filled',
    );
    assert.equal(kite.calls.length, 2);
  });

  it('another failure is retried no sooner than a minute later', async () => {
    const { sut, kite, clock, failures } = setup();
    kite.answer(() => Promise.reject(new Error('socket hang up')));
    assert.equal(await sut.ensure(INFY, session(), ist('10:04:00'), clock.now()), 'failed');
    for (let i = 0; i < 10; i++) {
      clock.advance(5000);
      assert.equal(await sut.ensure(INFY, session(), ist('10:04:00'), clock.now()), 'failed');
    }
    assert.equal(kite.calls.length, 1, 'no retry storm');
    clock.advance(BACKFILL_RETRY_MS - 50_000);
    kite.answer(async () => []);
    assert.equal(await sut.ensure(INFY, session(), ist('10:04:00'), clock.now()), 'filled');
    assert.equal(kite.calls.length, 2);
    assert.deepEqual(failures, [false]);
  });
});

describe('toCandles', () => {
  it('reads Date and string dates, defaults a missing volume to 0, drops malformed rows', () => {
    const out = toCandles([
      { date: '2026-12-01T09:16:00+0530', open: 2, high: 2, low: 2, close: 2 },
      { date: new Date(ist('09:15:00')), open: 1, high: 1, low: 1, close: 1, volume: 5 },
      { date: 'not a date', open: 1, high: 1, low: 1, close: 1, volume: 5 },
      { date: '2026-12-01T09:17:00+0530', open: Number.NaN, high: 1, low: 1, close: 1, volume: 5 },
    ]);
    assert.deepEqual(out, [
      { t: ist('09:15:00'), o: 1, h: 1, l: 1, c: 1, v: 5 },
      { t: ist('09:16:00'), o: 2, h: 2, l: 2, c: 2, v: 0 },
    ]);
  });
});
