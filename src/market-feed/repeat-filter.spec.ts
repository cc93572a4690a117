import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Tick } from '../kite/tick.js';
import { RepeatFilter } from './repeat-filter.js';

const tick = (token: number, price: number, volume: number): Tick => ({
  instrument_token: token,
  mode: 'quote',
  tradable: true,
  last_price: price,
  volume,
});

describe('RepeatFilter', () => {
  it('passes everything and remembers the last tick per instrument, with when', () => {
    const sut = new RepeatFilter();
    const a = tick(1, 10, 100);
    assert.deepEqual(sut.pass([a, a], false, 5), [a, a]);
    assert.deepEqual(sut.latest(1), { tick: a, at: 5 });
  });

  it('after a takeover (dropRepeats) drops a tick equal to the last one delivered', () => {
    const sut = new RepeatFilter();
    sut.pass([tick(1, 10, 100)], false, 1);
    assert.deepEqual(sut.pass([tick(1, 10, 100), tick(1, 10.5, 110)], true, 2), [tick(1, 10.5, 110)]);
  });

  it('a tick seeded from the shared cache is dropped once when its own frame arrives late', () => {
    const sut = new RepeatFilter();
    sut.seed(tick(7, 50, 900), 3);
    assert.deepEqual(sut.latest(7)?.tick, tick(7, 50, 900));
    assert.deepEqual(sut.pass([tick(7, 50, 900)], false, 4), []);
    assert.deepEqual(sut.pass([tick(7, 50, 900)], false, 5), [tick(7, 50, 900)], 'only once');
    sut.seed(tick(8, 1, 1), 6);
    assert.deepEqual(sut.pass([tick(8, 2, 2)], false, 7), [tick(8, 2, 2)], 'a different tick passes');
    assert.equal(sut.seed(tick(7, 99, 999), 4), false, 'not over something newer this node delivered');
    assert.equal(sut.latest(7)?.tick.last_price, 50);
  });

  it('a follower whose copy of the stream lags the cache drops the older frames still on their way too', () => {
    const sut = new RepeatFilter();
    // The holder delivered W then X and cached X; this node serves X from the cache before W arrives.
    assert.equal(sut.seed(tick(7, 50, 900), 10), true);
    assert.deepEqual(sut.pass([tick(7, 49.5, 880)], false, 11), [], 'W: older (less day volume)');
    assert.deepEqual(
      sut.pass([tick(7, 50, 900), tick(8, 1, 1)], false, 12),
      [tick(8, 1, 1)],
      'X: the seeded one',
    );
    assert.deepEqual(sut.pass([tick(7, 50.5, 950)], false, 13), [tick(7, 50.5, 950)], 'then the live flow');
    assert.deepEqual(
      sut.pass([tick(7, 49, 870)], false, 14),
      [tick(7, 49, 870)],
      'no longer waiting for anything',
    );
  });

  it('an expectation ends: on a newer tick (the seeded frame was lost), and after 5 s whatever comes', () => {
    const sut = new RepeatFilter();
    sut.seed(tick(7, 50, 900), 0);
    assert.deepEqual(sut.pass([tick(7, 51, 901)], false, 1), [tick(7, 51, 901)]);
    assert.deepEqual(sut.pass([tick(7, 50, 900)], false, 2), [tick(7, 50, 900)], 'waited for nothing more');
    sut.seed(tick(9, 50, 900), 100);
    assert.deepEqual(
      sut.pass([tick(9, 1, 5)], false, 5_101),
      [tick(9, 1, 5)],
      'a new day: volume starts again',
    );
  });

  it('a stale tick of its own does not keep a fresher cached one from being served', () => {
    const sut = new RepeatFilter();
    sut.pass([tick(7, 40, 100)], false, 1);
    assert.equal(sut.seed(tick(7, 50, 900), 60_000), true);
    assert.deepEqual(sut.latest(7), { tick: tick(7, 50, 900), at: 60_000 });
    assert.deepEqual(
      sut.pass([tick(7, 50, 900)], false, 60_001),
      [],
      'its frame, late, is not delivered twice',
    );
  });
});
