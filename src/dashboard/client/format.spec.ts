import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ago,
  duration,
  istClock,
  istDayTime,
  istHourMinute,
  percent,
  price,
  quantity,
  signed,
  statusLabel,
  tickAge,
  tickTime,
  until,
} from './format.js';

describe('dashboard formatters', () => {
  it('prices in Indian grouping with 2 to 4 decimals; empty when unknown', () => {
    assert.equal(price(2345.6), '2,345.60');
    assert.equal(price(1234567.5), '12,34,567.50');
    assert.equal(price(0.0525), '0.0525');
    assert.equal(price(undefined), '');
  });

  it('signed numbers and percentages carry a + only when positive', () => {
    assert.equal(signed(1.256), '+1.26');
    assert.equal(signed(-0.5), '-0.50');
    assert.equal(signed(0), '0.00');
    assert.equal(signed(2.5, 1), '+2.5');
    assert.equal(signed(undefined), '');
    assert.equal(percent(0.4), '+0.40%');
    assert.equal(percent(-3), '-3.00%');
    assert.equal(percent(undefined), '');
  });

  it('quantities in Indian grouping', () => {
    assert.equal(quantity(1234567), '12,34,567');
    assert.equal(quantity(0), '0');
    assert.equal(quantity(undefined), '');
  });

  it('clock times are IST whatever the machine zone', () => {
    assert.notEqual(process.env.TZ, 'Asia/Kolkata');
    assert.equal(istClock(Date.parse('2026-12-01T03:45:07Z')), '09:15:07');
    assert.equal(istClock(Date.parse('2026-12-01T18:30:00Z')), '00:00:00');
  });

  it("a tick's time is the exchange's when it has one, else now in IST", () => {
    const now = Date.parse('2026-12-01T04:00:00Z');
    assert.equal(tickTime('2026-12-01T09:29:58+05:30', now), '09:29:58');
    assert.equal(tickTime(null, now), '09:30:00');
    assert.equal(tickTime(undefined, now), '09:30:00');
  });

  it('countdowns: HH:MM:SS, days in front, never negative', () => {
    assert.equal(duration(0), '00:00:00');
    assert.equal(duration(5999), '00:00:05');
    assert.equal(duration(6 * 3600_000 + 15 * 60_000 + 3000), '06:15:03');
    assert.equal(duration(2 * 86_400_000 + 3 * 3600_000 + 4 * 60_000 + 5000), '2d 03:04:05');
    assert.equal(duration(-1000), '00:00:00');
  });

  it('status labels and tick age', () => {
    assert.equal(statusLabel('POST_CLOSE'), 'POST CLOSE');
    assert.equal(statusLabel('AUTH_REQUIRED'), 'AUTH REQUIRED');
    assert.equal(tickAge(0, 5000), 'no tick yet');
    assert.equal(tickAge(1000, 2250), 'last tick 1.3 s ago');
  });

  it("the chart's axis labels are IST", () => {
    const nine15 = Date.parse('2026-12-01T03:45:00Z') / 1000;
    assert.equal(istHourMinute(nine15), '09:15');
    assert.equal(istDayTime(nine15), '1 Dec 09:15');
  });

  it('expiry countdowns and last-seen ages for the admin panel', () => {
    const now = Date.parse('2026-12-01T04:00:00Z');
    assert.equal(until('2026-12-01T21:30:00+05:30', now), 'in 12:00:00');
    assert.equal(until('2026-12-03T09:30:01+05:30', now), 'in 2d 00:00:01');
    assert.equal(until('2026-12-01T09:30:00+05:30', now), 'ended');
    assert.equal(ago(null, now), 'never');
    assert.equal(ago('2026-12-01T09:29:48+05:30', now), '12 s ago');
    assert.equal(ago('2026-12-01T09:30:05+05:30', now), '0 s ago', 'a clock a little ahead is not negative');
    assert.equal(ago('2026-12-01T09:27:00+05:30', now), '3 min ago');
    assert.equal(ago('2026-12-01T07:00:00+05:30', now), '2 h ago');
    assert.equal(ago('2026-11-27T09:30:00+05:30', now), '4 d ago');
  });
});
