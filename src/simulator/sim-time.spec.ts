import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { candleTime, istDay, istMinute, istWallText, parseIstWall } from './sim-time.js';

describe('simulator IST time', () => {
  it('reads Kite `from`/`to` as IST wall clock and refuses anything else', () => {
    assert.equal(parseIstWall('2026-12-01 09:15:00'), Date.parse('2026-12-01T09:15:00+05:30'));
    assert.equal(parseIstWall('2026-12-01'), Date.parse('2026-12-01T00:00:00+05:30'));
    for (const bad of [
      '',
      'today',
      '2026-02-30 09:15:00',
      '2026-12-01 24:00:00',
      '2026-13-01',
      '1764560700',
    ]) {
      assert.equal(parseIstWall(bad), undefined, bad);
    }
  });

  it('formats candles and wall times as Kite does, on the IST day even past UTC midnight', () => {
    const t = Date.parse('2026-12-02T00:10:00+05:30'); // still 1 December in UTC
    assert.equal(candleTime(istMinute(t)), '2026-12-02T00:10:00+0530');
    assert.equal(istWallText(t + 5000), '2026-12-02 00:10:05');
    assert.equal(istDay(t), istDay(Date.parse('2026-12-02T23:59:59+05:30')));
    assert.equal(istDay(t) - 1, istDay(Date.parse('2026-12-01T23:59:59+05:30')));
  });
});
