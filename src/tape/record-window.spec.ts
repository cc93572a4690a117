import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BUILTIN_CALENDAR_FILE, loadCalendar } from '../market-status/calendar.js';
import { RecordingCalendar, isRecordingTime, recordWindow } from './record-window.js';
import { daysToDelete } from './retention.js';

const cal = loadCalendar(BUILTIN_CALENDAR_FILE);
const at = (iso: string) => Date.parse(iso);

describe('tape: when to record', () => {
  it('a trading day records from 5 minutes before pre-open to 5 minutes after the closing session', () => {
    const w = recordWindow('2026-12-01', cal)!;
    assert.equal(w.start, at('2026-12-01T08:55:00+05:30'));
    assert.equal(w.end, at('2026-12-01T16:05:00+05:30'));
    assert.equal(isRecordingTime(at('2026-12-01T08:54:59+05:30'), cal), false);
    assert.equal(isRecordingTime(at('2026-12-01T08:55:00+05:30'), cal), true);
    assert.equal(isRecordingTime(at('2026-12-01T12:00:00+05:30'), cal), true);
    assert.equal(isRecordingTime(at('2026-12-01T16:05:00+05:30'), cal), false);
  });

  it('RecordingCalendar answers the same per instant, across days', () => {
    const sut = new RecordingCalendar(cal);
    for (const iso of [
      '2026-12-01T08:54:59+05:30',
      '2026-12-01T12:00:00+05:30',
      '2026-12-01T23:59:59+05:30',
      '2026-12-02T00:00:00+05:30',
      '2026-12-02T09:00:00+05:30',
      '2026-12-05T10:00:00+05:30',
    ]) {
      const t = at(iso);
      assert.deepEqual(sut.at(t), { date: iso.slice(0, 10), recording: isRecordingTime(t, cal) }, iso);
    }
  });

  it('weekends and holidays record nothing', () => {
    assert.equal(recordWindow('2026-12-05', cal), undefined); // Saturday
    assert.equal(recordWindow('2026-12-25', cal), undefined); // Christmas
    assert.equal(isRecordingTime(at('2026-12-25T11:00:00+05:30'), cal), false);
  });
});

describe('tape: retention', () => {
  const days = [
    { day: '2026-10-01', bytes: 100 },
    { day: '2026-11-20', bytes: 300 },
    { day: '2026-11-30', bytes: 300 },
    { day: '2026-12-01', bytes: 500 },
  ];

  it('deletes days older than RECORD_RETENTION_DAYS, oldest first', () => {
    assert.deepEqual(daysToDelete(days, '2026-12-01', 30, 1e12), [
      { day: '2026-10-01', reason: 'retention' },
    ]);
    assert.deepEqual(
      daysToDelete(days, '2026-12-01', 2, 1e12).map((d) => d.day),
      ['2026-10-01', '2026-11-20'],
    );
  });

  it('then deletes the oldest days until the rest fits RECORD_MAX_BYTES, never today', () => {
    assert.deepEqual(daysToDelete(days, '2026-12-01', 365, 900), [
      { day: '2026-10-01', reason: 'max_bytes' },
      { day: '2026-11-20', reason: 'max_bytes' },
    ]);
    assert.deepEqual(
      daysToDelete(days, '2026-12-01', 365, 10).map((d) => d.day),
      ['2026-10-01', '2026-11-20', '2026-11-30'],
    );
  });
});
