import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyTick, minuteOf, type LiveCandle } from './live-candle.js';

const ist = (hms: string) => Date.parse(`2026-12-01T${hms}+05:30`);

describe('the chart updates its last candle from ticks as the server builds candles', () => {
  it('IST minute boundaries: 09:15:59.999 and 09:16:00.000', () => {
    assert.equal(minuteOf(ist('09:15:59.999')), ist('09:15:00') / 1000);
    assert.equal(minuteOf(ist('09:16:00.000')), ist('09:16:00') / 1000);
  });

  it('moves the loaded last bar within its minute, opens the next at the next minute', () => {
    const sut: LiveCandle = {
      last: { time: ist('09:15:00') / 1000, open: 100, high: 101, low: 99, close: 100, volume: 40 },
    };
    assert.deepEqual(applyTick(sut, 102, 5000, ist('09:15:30')), {
      time: ist('09:15:00') / 1000,
      open: 100,
      high: 102,
      low: 99,
      close: 102,
      volume: 40, // the first tick seen only sets the volume baseline
    });
    applyTick(sut, 98, 5030, ist('09:15:45'));
    assert.deepEqual(sut.last, {
      time: ist('09:15:00') / 1000,
      open: 100,
      high: 102,
      low: 98,
      close: 98,
      volume: 70,
    });
    assert.deepEqual(applyTick(sut, 99, 5050, ist('09:16:00')), {
      time: ist('09:16:00') / 1000,
      open: 99,
      high: 99,
      low: 99,
      close: 99,
      volume: 20,
    });
  });

  it('no volume (indices) adds none; a falling count never makes a negative bar', () => {
    const sut: LiveCandle = {};
    applyTick(sut, 25_000, undefined, ist('10:00:00'));
    assert.equal(applyTick(sut, 25_010, undefined, ist('10:00:10')).volume, 0);
    applyTick(sut, 100, 900, ist('10:01:00'));
    assert.equal(applyTick(sut, 101, 800, ist('10:01:10')).volume, 0);
    assert.equal(applyTick(sut, 101, 850, ist('10:01:20')).volume, 50);
  });
});
