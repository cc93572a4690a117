import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../clock/clock.js';
import { RelayEvents } from '../events/relay-events.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { AppConfigService } from '../config/app-config.service.js';
import { BUILTIN_CALENDAR_FILE, loadCalendar, type MarketCalendar } from './calendar.js';
import { computeMarketStatus } from './market-status.js';
import { MarketStatusService } from './market-status.service.js';

const cal = loadCalendar(BUILTIN_CALENDAR_FILE);
const at = (iso: string) => computeMarketStatus(Date.parse(iso), cal);

describe('computeMarketStatus on a trading day (Tue 2026-12-01)', () => {
  const cases: [string, string][] = [
    ['08:59:59.999', 'CLOSED'],
    ['09:00:00.000', 'PRE_OPEN'],
    ['09:14:59.999', 'PRE_OPEN'],
    ['09:15:00.000', 'LIVE'],
    ['15:29:59.999', 'LIVE'],
    ['15:30:00.000', 'POST_CLOSE'],
    ['15:59:59.999', 'POST_CLOSE'],
    ['16:00:00.000', 'CLOSED'],
  ];
  for (const [time, status] of cases) {
    it(`${time} IST is ${status}`, () => assert.equal(at(`2026-12-01T${time}+05:30`).status, status));
  }

  it('reports since and the next change', () => {
    const s = at('2026-12-01T09:10:00+05:30');
    assert.equal(s.since, '2026-12-01T09:00:00.000+05:30');
    assert.equal(s.next_status, 'LIVE');
    assert.equal(s.next_change_at, '2026-12-01T09:15:00.000+05:30');
    assert.equal(s.server_time, '2026-12-01T09:10:00.000+05:30');
  });

  it('does not depend on the machine time zone', () => {
    assert.notEqual(process.env.TZ, 'Asia/Kolkata');
    assert.equal(at('2026-12-01T03:45:00Z').status, 'LIVE');
  });
});

describe('computeMarketStatus on closed days', () => {
  it('a weekend is CLOSED with reason weekend and next change on Monday 09:00', () => {
    const s = at('2026-11-28T12:00:00+05:30');
    assert.equal(s.status, 'CLOSED');
    assert.equal(s.reason, 'weekend');
    assert.equal(s.since, '2026-11-27T16:00:00.000+05:30');
    assert.equal(s.next_change_at, '2026-11-30T09:00:00.000+05:30');
  });

  for (const h of cal.holidays) {
    it(`${h.date} is a holiday (${h.name})`, () => {
      const s = at(`${h.date}T10:00:00+05:30`);
      assert.equal(s.status, 'CLOSED');
      assert.equal(s.reason, `holiday: ${h.name}`);
    });
  }

  it('next_change_at skips a holiday that follows a weekend', () => {
    // Sat 24 Jan, Sun 25 Jan, Mon 26 Jan Republic Day → Tue 27 Jan 09:00.
    assert.equal(at('2026-01-24T10:00:00+05:30').next_change_at, '2026-01-27T09:00:00.000+05:30');
    // Christmas is a Friday: next is Monday 28 Dec.
    assert.equal(at('2026-12-24T17:00:00+05:30').next_change_at, '2026-12-28T09:00:00.000+05:30');
  });

  it('across the year boundary, past the calendar, weekdays are trading days', () => {
    const s = at('2026-12-31T16:30:00+05:30');
    assert.equal(s.next_change_at, '2027-01-01T09:00:00.000+05:30');
    assert.equal(at('2027-01-04T10:00:00+05:30').status, 'LIVE');
    assert.equal(at('2027-01-04T10:00:00+05:30').beyondCalendar, true);
  });

  it('a Muhurat special session on a Sunday follows the calendar file', () => {
    const withMuhurat: MarketCalendar = {
      ...cal,
      special_sessions: [
        {
          date: '2026-11-08',
          name: 'Muhurat trading',
          windows: [
            { status: 'PRE_OPEN', start: '18:00', end: '18:08' },
            { status: 'LIVE', start: '18:15', end: '19:15' },
          ],
        },
      ],
    };
    const f = (t: string) => computeMarketStatus(Date.parse(`2026-11-08T${t}+05:30`), withMuhurat);
    assert.equal(f('17:59:59.999').status, 'CLOSED');
    assert.equal(f('17:59:59.999').next_change_at, '2026-11-08T18:00:00.000+05:30');
    assert.equal(f('18:00:00').status, 'PRE_OPEN');
    assert.equal(f('18:10:00').status, 'CLOSED');
    assert.equal(f('18:15:00').status, 'LIVE');
    assert.equal(f('19:15:00').status, 'CLOSED');
  });
});

describe('loadCalendar', () => {
  const dir = mkdtempSync(join(tmpdir(), 'cal-'));
  it('names the file and the problem for a malformed calendar', () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify({ ...cal, holidays: [{ date: '2026-13-45', name: 'x' }] }));
    assert.throws(
      () => loadCalendar(file),
      (e: Error) => e.message.includes(file) && /date/.test(e.message),
    );
    writeFileSync(file, '{nope');
    assert.throws(
      () => loadCalendar(file),
      (e: Error) => e.message.includes(file) && /JSON/.test(e.message),
    );
    assert.throws(() => loadCalendar(join(dir, 'missing.json')), /cannot be read/);
  });
});

describe('MarketStatusService with a fake clock', () => {
  const config = { values: { heartbeatIntervalMs: 5000 } } as AppConfigService;
  const service = (clock: FakeClock) => {
    const events = new RelayEvents();
    return { events, sut: new MarketStatusService(clock, cal, config, events, new MetricsService()) };
  };

  it('advancing across 09:15 emits exactly one change, at 09:15:00.000', () => {
    const clock = new FakeClock('2026-12-01T09:14:58+05:30');
    const { sut, events } = service(clock);
    sut.onModuleInit();
    const seen: { status: string; at: number }[] = [];
    events.on('market.status', (s) => seen.push({ status: s.status, at: clock.now() }));
    clock.advance(1_999);
    assert.equal(seen.length, 0);
    clock.advance(1);
    assert.deepEqual(seen, [{ status: 'LIVE', at: Date.parse('2026-12-01T09:15:00+05:30') }]);
    clock.advance(60_000);
    assert.equal(seen.length, 1);
    assert.equal(sut.current().status, 'LIVE');
    sut.onApplicationShutdown();
  });

  it('emits every transition of a day in order, each at its instant', () => {
    const clock = new FakeClock('2026-12-01T08:00:00+05:30');
    const { sut, events } = service(clock);
    sut.onModuleInit();
    const seen: string[] = [];
    events.on('market.status', (s) => seen.push(`${s.status}@${s.server_time.slice(11, 19)}`));
    clock.set(Date.parse('2026-12-01T17:00:00+05:30'));
    assert.deepEqual(seen, ['PRE_OPEN@09:00:00', 'LIVE@09:15:00', 'POST_CLOSE@15:30:00', 'CLOSED@16:00:00']);
    sut.onApplicationShutdown();
  });

  it('heartbeats every HEARTBEAT_INTERVAL_MS', () => {
    const clock = new FakeClock('2026-12-01T10:00:00+05:30');
    const { sut, events } = service(clock);
    sut.onModuleInit();
    let beats = 0;
    events.on('market.heartbeat', () => beats++);
    clock.advance(20_000);
    assert.equal(beats, 4);
    sut.onApplicationShutdown();
  });
});
