import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FakeClock } from '../clock/clock.js';
import { aggregate } from './aggregate.js';
import { CandleBuilder } from './candle-builder.js';
import { INTERVALS, MAX_CANDLES, type Candle } from './candle.js';

const INFY = 408065;
const NIFTY = 256265;
const ist = (hms: string, date = '2026-12-01') => Date.parse(`${date}T${hms}+05:30`);
const c = (hms: string, o: number, h: number, l: number, cl: number, v: number): Candle => ({
  t: ist(hms),
  o,
  h,
  l,
  c: cl,
  v,
});

/** A builder fed at the instants a FakeClock is moved to. */
function setup(start = '09:15:00.000') {
  const clock = new FakeClock(ist(start));
  const sut = new CandleBuilder();
  const tick = (at: string, price: number, volume?: number, token = INFY, date?: string) => {
    clock.set(ist(at, date));
    sut.onTick(token, price, volume, clock.now());
  };
  return { sut, clock, tick };
}

describe('CandleBuilder', () => {
  it('cuts minutes at IST boundaries: 09:15:59.999 is the 09:15 candle, 09:16:00.000 opens the next', () => {
    assert.notEqual(process.env.TZ, 'Asia/Kolkata');
    const { sut, tick } = setup();
    tick('09:15:00.000', 100, 1000);
    tick('09:15:30.000', 102, 1010);
    tick('09:15:59.999', 99, 1030);
    tick('09:16:00.000', 101, 1031);
    assert.deepEqual(sut.candles(INFY), [
      c('09:15:00', 100, 102, 99, 99, 30),
      c('09:16:00', 101, 101, 101, 101, 1),
    ]);
  });

  it("a minute's first tick opens it at that price: open = high = low = close", () => {
    const { sut, tick } = setup();
    tick('09:20:10.000', 100, 500);
    tick('09:21:05.000', 104.5, 520);
    assert.deepEqual(sut.candles(INFY).at(-1), c('09:21:00', 104.5, 104.5, 104.5, 104.5, 20));
  });

  it("volume is the change of Kite's cumulative day volume within the minute; the first tick sets the baseline", () => {
    const { sut, tick } = setup();
    tick('10:00:01.000', 100, 5_000_000); // baseline: the day's volume so far is not this minute's
    tick('10:00:20.000', 100, 5_000_300);
    tick('10:00:40.000', 100, 5_000_300); // no trade: no volume
    tick('10:01:00.500', 101, 5_000_450); // the trades since the last tick land in the new minute
    tick('10:01:30.000', 101, 5_000_400); // a falling count rebases, never a negative bar
    tick('10:01:40.000', 101, 5_000_410);
    assert.deepEqual(
      sut.candles(INFY).map((x) => x.v),
      [300, 160],
    );
  });

  it('indices (no volume) get 0 volume; a tick without volume keeps the baseline', () => {
    const { sut, tick } = setup();
    tick('09:30:00.000', 25_000, undefined, NIFTY);
    tick('09:30:10.000', 25_010, undefined, NIFTY);
    assert.deepEqual(sut.candles(NIFTY), [c('09:30:00', 25_000, 25_010, 25_000, 25_010, 0)]);
    tick('09:31:00.000', 100, 1000);
    tick('09:31:10.000', 101); // ltp mode: no volume
    tick('09:31:20.000', 102, 1200);
    assert.equal(sut.candles(INFY)[0].v, 200);
  });

  it('a silent instrument gets no invented candle for the gap', () => {
    const { sut, tick } = setup();
    tick('11:00:00.000', 100, 10);
    tick('11:07:30.000', 103, 40);
    assert.deepEqual(
      sut.candles(INFY).map((x) => [new Date(x.t).toISOString(), x.o, x.v]),
      [
        ['2026-12-01T05:30:00.000Z', 100, 0],
        ['2026-12-01T05:37:00.000Z', 103, 30],
      ],
    );
  });

  it('joined mid-minute: complete from the next minute', () => {
    const { sut, tick } = setup();
    tick('10:03:27.000', 100, 10);
    assert.equal(sut.completeFrom(INFY), ist('10:04:00'));
  });

  it('keeps at most 375 candles per instrument: the latest', () => {
    const { sut, clock } = setup('09:00:00.000');
    for (let i = 0; i < MAX_CANDLES + 45; i++) {
      sut.onTick(INFY, 100 + i, 1000 + i, clock.now());
      clock.advance(60_000);
    }
    const all = sut.candles(INFY);
    assert.equal(all.length, MAX_CANDLES);
    assert.equal(all[0].t, ist('09:45:00'));
    assert.equal(all.at(-1)!.t, ist('15:59:00'));
    assert.equal(all.at(-1)!.o, 100 + MAX_CANDLES + 44);
    const changes = sut.takeChanges()[0];
    assert.equal(changes.upserts.length, MAX_CANDLES);
    assert.equal(changes.removed.length, 45, 'the dropped minutes are reported so the store drops them too');
    assert.equal(sut.bytes(), MAX_CANDLES * 6 * 8);
  });

  it('a day rollover drops every candle; the next session starts a new baseline', () => {
    const { sut, tick } = setup();
    tick('15:29:00.000', 100, 9_000_000);
    tick('15:29:30.000', 101, 9_000_100);
    sut.reset();
    assert.deepEqual(sut.candles(INFY), []);
    tick('09:15:00.000', 105, 1_000, INFY, '2026-12-02');
    tick('09:15:20.000', 106, 1_250, INFY, '2026-12-02');
    assert.deepEqual(sut.candles(INFY), [
      { ...c('09:15:00', 105, 106, 105, 106, 250), t: ist('09:15:00', '2026-12-02') },
    ]);
  });

  it('reports only what changed since the last takeChanges', () => {
    const { sut, tick } = setup();
    tick('09:15:00.000', 100, 10);
    tick('09:16:00.000', 101, 20);
    assert.equal(sut.takeChanges()[0].upserts.length, 2);
    assert.deepEqual(sut.takeChanges(), []);
    tick('09:16:30.000', 102, 25);
    const [ch] = sut.takeChanges();
    assert.deepEqual(ch.upserts, [c('09:16:00', 101, 102, 101, 102, 15)]);
    assert.equal(ch.cum, 25);
  });

  it('an instrument that left the upstream starts over at its next tick: new baseline, complete after it', () => {
    const { sut, tick } = setup();
    tick('09:15:00.000', 100, 10);
    sut.detach(INFY);
    tick('11:00:30.000', 110, 90_000); // the morning's volume is not this minute's
    tick('11:00:40.000', 111, 90_010);
    assert.deepEqual(sut.candles(INFY).at(-1), c('11:00:00', 110, 111, 110, 111, 10));
    assert.equal(sut.completeFrom(INFY), ist('11:01:00'));
  });

  it('a restored instrument continues where the store left off', () => {
    const first = setup();
    first.tick('09:15:10.000', 100, 1000);
    first.tick('09:15:50.000', 101, 1100);
    const [saved] = first.sut.takeChanges();
    const { sut, tick } = setup();
    assert.equal(
      sut.restore({ token: INFY, candles: saved.upserts, cum: saved.cum, completeFrom: saved.completeFrom }),
      true,
    );
    tick('09:15:55.000', 99, 1150);
    assert.deepEqual(sut.candles(INFY), [c('09:15:00', 100, 101, 99, 99, 150)]);
    assert.equal(sut.completeFrom(INFY), ist('09:16:00'));
  });

  it('a backfill replaces what was built before completeFrom and keeps the rest', () => {
    const { sut, tick } = setup();
    tick('10:03:27.000', 100, 10); // partial minute
    tick('10:04:05.000', 101, 30);
    sut.backfill(
      INFY,
      [c('09:15:00', 90, 91, 89, 90, 500), c('10:03:00', 98, 100, 97, 99, 70)],
      ist('09:15:00'),
    );
    assert.deepEqual(sut.candles(INFY), [
      c('09:15:00', 90, 91, 89, 90, 500),
      c('10:03:00', 98, 100, 97, 99, 70),
      c('10:04:00', 101, 101, 101, 101, 20),
    ]);
    assert.equal(sut.completeFrom(INFY), ist('09:15:00'));
  });

  it('a backfill of an instrument without a tick yet takes every fetched minute; its first tick sets the baseline', () => {
    const { sut, tick } = setup();
    sut.backfill(
      INFY,
      [c('09:15:00', 90, 91, 89, 90, 500), c('09:16:00', 90, 92, 90, 92, 300)],
      ist('09:15:00'),
    );
    assert.equal(sut.candles(INFY).length, 2);
    assert.equal(sut.completeFrom(INFY), ist('09:15:00'));
    tick('09:17:10.000', 93, 90_000);
    tick('09:17:20.000', 94, 90_020);
    assert.deepEqual(sut.candles(INFY).at(-1), c('09:17:00', 93, 94, 93, 94, 20));
  });

  it('a minute Kite has no candle for keeps the one built', () => {
    const { sut, tick } = setup();
    tick('10:03:27.000', 100, 10);
    sut.backfill(INFY, [], ist('09:15:00'));
    assert.deepEqual(sut.candles(INFY), [c('10:03:00', 100, 100, 100, 100, 0)]);
  });
});

describe('aggregate', () => {
  const minutes = [
    c('09:15:00', 100, 101, 99, 100.5, 10),
    c('09:16:00', 100.5, 103, 100, 102, 20),
    c('09:19:00', 102, 102, 98, 98.5, 5),
    c('09:20:00', 98.5, 99, 97, 99, 7),
    c('09:29:00', 99, 99.5, 98.5, 99.2, 1),
    c('09:30:00', 99.2, 99.3, 99.1, 99.3, 2),
  ];

  it('5m buckets start at IST clock minutes divisible by 5 (09:15 is a boundary)', () => {
    assert.deepEqual(aggregate(minutes, INTERVALS['5m']), [
      c('09:15:00', 100, 103, 98, 98.5, 35),
      c('09:20:00', 98.5, 99, 97, 99, 7),
      c('09:25:00', 99, 99.5, 98.5, 99.2, 1),
      c('09:30:00', 99.2, 99.3, 99.1, 99.3, 2),
    ]);
  });

  it('15m buckets: 09:15–09:29 and 09:30–', () => {
    assert.deepEqual(aggregate(minutes, INTERVALS['15m']), [
      c('09:15:00', 100, 103, 97, 99.2, 43),
      c('09:30:00', 99.2, 99.3, 99.1, 99.3, 2),
    ]);
  });

  it('1m is a copy', () => {
    const out = aggregate(minutes, INTERVALS['1m']);
    assert.deepEqual(out, minutes);
    assert.notEqual(out[0], minutes[0]);
  });
});
