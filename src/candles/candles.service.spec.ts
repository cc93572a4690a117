import assert from 'node:assert/strict';
import { Redis } from 'ioredis';
import { after, afterEach, before, describe, it } from 'node:test';
import { Subject } from 'rxjs';
import { RedisServer } from '../../test/helpers/redis-server.js';
import { FakeClock } from '../clock/clock.js';
import { BUILTIN_CALENDAR_FILE, loadCalendar } from '../market-status/calendar.js';
import { clusterKeyFor } from '../../test/helpers/cluster-key.js';
import { CandleStore } from '../redis/candle.store.js';
import type { RedisClients } from '../redis/redis-clients.js';
import type { HistoricalCandle } from './backfill.js';
import type { CandleSources, CandleTick } from './candle-sources.js';
import { MemoryCandleStore } from './memory-candle-store.js';
import { CandlesService } from './candles.service.js';

const clusterKey = clusterKeyFor('candles-service-spec-0123456789abcdef01');

const INFY = 408065;
const TCS = 2953217;
const cal = loadCalendar(BUILTIN_CALENDAR_FILE);
const ist = (hms: string, date = '2026-12-01') => Date.parse(`${date}T${hms}+05:30`);

/** The service with fake gateway sources: a tick subject, a status subject, a counted Kite. */
function fakeSources() {
  const ticks = new Subject<CandleTick[]>();
  const status = new Subject<void>();
  const streamed = new Set<number>([INFY]);
  const calls: number[] = [];
  let answer: (token: number) => Promise<HistoricalCandle[]> = async () => [];
  const sources = {
    onTicks: (fn: (t: readonly CandleTick[]) => void) => ticks.subscribe(fn),
    onMarketStatusChange: (fn: () => void) => status.subscribe(() => fn()),
    isStreamed: (t: number) => streamed.has(t),
    fetchMinutes: (token: number) => {
      calls.push(token);
      return answer(token);
    },
    storesCandles: () => true,
  } as unknown as CandleSources;
  return { sources, ticks, status, streamed, calls, answer: (fn: typeof answer) => (answer = fn) };
}

const running: CandlesService[] = [];
async function start(clock: FakeClock, f = fakeSources()) {
  const sut = new CandlesService(f.sources, clock, cal, new MemoryCandleStore());
  await sut.onApplicationBootstrap();
  running.push(sut);
  const tick = (at: string, price: number, volume?: number, token = INFY, date?: string) => {
    clock.set(ist(at, date));
    f.ticks.next([{ instrument_token: token, last_price: price, volume }]);
  };
  return { sut, tick, ...f };
}

describe('CandlesService', () => {
  afterEach(async () => {
    for (const s of running.splice(0)) await s.beforeApplicationShutdown();
  });

  it('builds from the tick stream and answers 1m and 5m, complete_from rounded up to the bucket', async () => {
    const clock = new FakeClock(ist('09:00:00'));
    const { sut, tick, calls } = await start(clock);
    tick('09:06:20', 100, 1000); // pre-open: complete before the open, so no backfill
    tick('09:07:05', 101, 1100);
    tick('09:11:00', 99, 1300);
    const m1 = await sut.view(INFY, '1m');
    assert.deepEqual(
      m1.candles.map((c) => [c.t, c.o, c.v]),
      [
        [ist('09:06:00'), 100, 0],
        [ist('09:07:00'), 101, 100],
        [ist('09:11:00'), 99, 200],
      ],
    );
    assert.equal(m1.completeFrom, ist('09:07:00'));
    const m5 = await sut.view(INFY, '5m');
    assert.deepEqual(
      m5.candles.map((c) => [c.t, c.o, c.h, c.l, c.c, c.v]),
      [
        [ist('09:05:00'), 100, 101, 100, 101, 100],
        [ist('09:10:00'), 99, 99, 99, 99, 200],
      ],
    );
    assert.equal(m5.completeFrom, ist('09:10:00'), 'the 09:05 bucket is partial');
    assert.deepEqual(calls, []);
  });

  it('drops the day when the next session begins (the PRE_OPEN transition), not before', async () => {
    const clock = new FakeClock(ist('15:00:00'));
    const { sut, tick, status } = await start(clock);
    tick('15:20:00', 100, 10);
    clock.set(ist('16:00:00'));
    status.next(); // POST_CLOSE → CLOSED: same session
    clock.set(ist('08:59:59', '2026-12-02'));
    assert.equal((await sut.view(INFY, '1m')).candles.length, 1, 'kept overnight');
    clock.set(ist('09:00:00', '2026-12-02'));
    status.next(); // CLOSED → PRE_OPEN
    assert.deepEqual((await sut.view(INFY, '1m')).candles, []);
    tick('09:00:10', 101, 50, INFY, '2026-12-02');
    tick('09:00:20', 102, 70, INFY, '2026-12-02');
    const v = await sut.view(INFY, '1m');
    assert.deepEqual(
      v.candles.map((c) => [c.t, c.v]),
      [[ist('09:00:00', '2026-12-02'), 20]],
    );
  });

  it('an instrument nobody streams answers no candles and costs no Kite call', async () => {
    const clock = new FakeClock(ist('11:00:00'));
    const { sut, calls } = await start(clock);
    assert.deepEqual(await sut.view(TCS, '1m'), { candles: [], completeFrom: undefined });
    assert.deepEqual(calls, []);
  });

  it('a streamed instrument asked for mid-day is backfilled once from the open', async () => {
    const clock = new FakeClock(ist('10:00:00'));
    const f = fakeSources();
    f.answer(async () => [
      { date: new Date(ist('09:15:00')), open: 90, high: 91, low: 89, close: 90.5, volume: 700 },
      { date: new Date(ist('10:30:00')), open: 99, high: 100, low: 98, close: 99.5, volume: 400 }, // whole minute
      { date: new Date(ist('10:31:00')), open: 1, high: 1, low: 1, close: 1, volume: 1 }, // built whole: ours
    ]);
    const { sut, tick, calls } = await start(clock, f);
    tick('10:30:10', 100, 5000);
    tick('10:31:10', 101, 5100);
    const v = await sut.view(INFY, '1m');
    assert.deepEqual(
      v.candles.map((c) => [c.t, c.o, c.v]),
      [
        [ist('09:15:00'), 90, 700],
        [ist('10:30:00'), 99, 400],
        [ist('10:31:00'), 101, 100],
      ],
    );
    assert.equal(v.completeFrom, ist('09:15:00'));
    await sut.view(INFY, '5m');
    await sut.view(INFY, '1m');
    assert.deepEqual(calls, [INFY], 'fetched once');
  });

  it('Kite refusing historical data: serves what it built, complete_from says from when, no retries', async () => {
    const clock = new FakeClock(ist('10:00:00'));
    const f = fakeSources();
    f.answer(() =>
      Promise.reject(
        Object.assign(new Error('Insufficient permission for that call.'), {
          error_type: 'PermissionException',
        }),
      ),
    );
    const { sut, tick, calls, streamed } = await start(clock, f);
    streamed.add(TCS);
    tick('10:30:10', 100, 5000);
    tick('10:30:20', 200, 9000, TCS);
    const v = await sut.view(INFY, '1m');
    assert.equal(v.candles.length, 1);
    assert.equal(v.completeFrom, ist('10:31:00'));
    assert.equal(sut.backfillRefused, true);
    clock.advance(600_000);
    await sut.view(INFY, '1m');
    await sut.view(TCS, '1m');
    assert.deepEqual(calls, [INFY], 'the refusal holds for the day');
  });

  it('an instrument that left the upstream is detached at the next flush', async () => {
    const clock = new FakeClock(ist('10:00:00'));
    const { sut, tick, streamed } = await start(clock);
    tick('10:00:10', 100, 5000);
    streamed.delete(INFY);
    await sut.flush();
    streamed.add(INFY);
    tick('11:00:10', 100, 90_000);
    const v = await sut.view(INFY, '1m');
    assert.equal(v.candles.at(-1)!.v, 0, "the gap's volume is not this minute's");
  });

  describe('with Redis (a redis-server of its own)', () => {
    let server: RedisServer;
    before(async () => {
      server = await RedisServer.start();
    });
    after(async () => {
      await server?.close();
    });

    it('a restarted CandlesService serves the same candles and keeps building', async () => {
      // Each service on a connection of its own, as two processes would be.
      const clients: Redis[] = [];
      const store = () => {
        const command = new Redis({ port: server.port, host: '127.0.0.1' });
        clients.push(command);
        const redis = {
          command,
          prefix: 'kr-d:',
          key: (n: string) => `kr-d:${n}`,
          reportFailure: () => undefined,
        };
        return new CandleStore(redis as unknown as RedisClients, clusterKey);
      };
      const clock = new FakeClock(ist('10:00:00'));
      const a = fakeSources();
      const first = new CandlesService(a.sources, clock, cal, store());
      await first.onApplicationBootstrap();
      clock.set(ist('10:00:10'));
      a.ticks.next([{ instrument_token: INFY, last_price: 100, volume: 500 }]);
      clock.set(ist('10:00:20'));
      a.ticks.next([{ instrument_token: INFY, last_price: 101, volume: 560 }]);
      await first.beforeApplicationShutdown(); // writes what is pending

      const b = fakeSources();
      const second = new CandlesService(b.sources, clock, cal, store());
      await second.onApplicationBootstrap();
      try {
        clock.set(ist('10:01:05'));
        b.ticks.next([{ instrument_token: INFY, last_price: 99, volume: 600 }]);
        const v = await second.view(INFY, '1m');
        assert.deepEqual(
          v.candles.map((c) => [c.t, c.o, c.h, c.l, c.c, c.v]),
          [
            [ist('10:00:00'), 100, 101, 100, 101, 60],
            [ist('10:01:00'), 99, 99, 99, 99, 40],
          ],
        );
        assert.equal(v.completeFrom !== undefined, true);
      } finally {
        await second.beforeApplicationShutdown();
        for (const c of clients) c.disconnect();
      }
    });
  });
});
