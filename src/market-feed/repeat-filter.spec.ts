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
    sut.seed(tick(7, 99, 999), 8);
    assert.equal(sut.latest(7)?.tick.last_price, 50, 'no seed over what this node delivered');
  });
});
