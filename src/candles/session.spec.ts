import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUILTIN_CALENDAR_FILE, loadCalendar } from '../market-status/calendar.js';
import { sessionAt } from './session.js';

const cal = loadCalendar(BUILTIN_CALENDAR_FILE);
const at = (iso: string) => sessionAt(Date.parse(iso), cal);

describe('sessionAt', () => {
  it("a trading day's session starts at PRE_OPEN and trades 09:15–15:30 IST", () => {
    assert.deepEqual(at('2026-12-01T09:00:00+05:30'), {
      date: '2026-12-01',
      start: Date.parse('2026-12-01T09:00:00+05:30'),
      open: Date.parse('2026-12-01T09:15:00+05:30'),
      close: Date.parse('2026-12-01T15:30:00+05:30'),
    });
  });

  it("yesterday's session stays current until the next one begins", () => {
    assert.equal(at('2026-12-01T08:59:59.999+05:30')?.date, '2026-11-30');
    assert.equal(at('2026-12-01T23:59:00+05:30')?.date, '2026-12-01');
  });

  it("over a weekend and a holiday it is the last trading day's", () => {
    assert.equal(at('2026-12-06T12:00:00+05:30')?.date, '2026-12-04'); // Sunday → Friday
    assert.equal(at('2026-12-25T12:00:00+05:30')?.date, '2026-12-24'); // Christmas
  });
});
