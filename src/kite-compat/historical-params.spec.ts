import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { allCompleted, historicalKey, parseHistorical } from './historical-params.js';

const ist = (wall: string) => Date.parse(`${wall.replace(' ', 'T')}+05:30`);

describe("parseHistorical: Kite's historical parameters", () => {
  it('reads the path and query as the official client sends them', () => {
    const p = parseHistorical('408065', '5minute', {
      from: '2026-12-01 09:15:00',
      to: '2026-12-01 15:30:00',
      continuous: '0',
      oi: '1',
      instrument_token: '408065', // the client repeats the path's parameters in the query
    });
    assert.ok(p.ok);
    assert.deepEqual(p.req, {
      token: 408065,
      interval: '5minute',
      from: '2026-12-01 09:15:00',
      to: '2026-12-01 15:30:00',
      fromMs: ist('2026-12-01 09:15:00'),
      toMs: ist('2026-12-01 15:30:00'),
      continuous: false,
      oi: true,
    });
    const day = parseHistorical('408065', 'day', { from: '2026-11-01', to: '2026-12-01' });
    assert.ok(day.ok && day.req.from === '2026-11-01 00:00:00');
  });

  it('says what is wrong: token, interval, dates, their order, the span, the flags', () => {
    const bad = (token: string, interval: string, q: Record<string, unknown>) => {
      const p = parseHistorical(token, interval, q);
      assert.ok(!p.ok);
      return p.message;
    };
    const q = { from: '2026-12-01 09:15:00', to: '2026-12-01 10:00:00' };
    assert.match(bad('INFY', 'minute', q), /invalid token/);
    assert.match(bad('408065', '2minute', q), /invalid interval: use one of minute, 3minute/);
    assert.match(bad('408065', 'minute', { ...q, from: 'yesterday' }), /invalid from date/);
    assert.match(bad('408065', 'minute', { ...q, to: '2026-02-30 10:00:00' }), /invalid to date/);
    assert.match(bad('408065', 'minute', { from: q.to, to: q.from }), /from date is after to date/);
    assert.match(bad('408065', 'minute', { from: '2026-01-01', to: '2026-12-01' }), /max limit: 60 days/);
    assert.match(bad('408065', 'minute', { ...q, oi: 'yes' }), /oi must be 0 or 1/);
    assert.match(bad('408065', 'minute', { ...q, continuous: ['1', '0'] }), /continuous must be 0 or 1/);
  });

  it('a range is completed once its last candle has ended (and a minute more); keys differ per question', () => {
    const p = parseHistorical('408065', '5minute', {
      from: '2026-12-01 09:15:00',
      to: '2026-12-01 10:00:00',
    });
    assert.ok(p.ok);
    assert.equal(allCompleted(p.req, ist('2026-12-01 10:05:59')), false);
    assert.equal(allCompleted(p.req, ist('2026-12-01 10:06:00')), true);
    const withOi = parseHistorical('408065', '5minute', {
      from: '2026-12-01 09:15:00',
      to: '2026-12-01 10:00:00',
      oi: '1',
    });
    assert.ok(withOi.ok);
    assert.notEqual(historicalKey(p.req), historicalKey(withOi.req));
  });
});
