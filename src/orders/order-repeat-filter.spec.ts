import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { OrderRepeatFilter } from './order-repeat-filter.js';
import { orderKey } from './order-update.js';

const update = (status: string, filled: number, at: string | null) => ({
  order_id: '251203000123456',
  status,
  filled_quantity: filled,
  exchange_update_timestamp: at,
  price: 1500.5,
});

describe('OrderRepeatFilter', () => {
  it('admits an update once: the same one again (another shard, another node) is a repeat', () => {
    const sut = new OrderRepeatFilter();
    const open = orderKey(update('OPEN', 0, '2026-12-03 10:15:01'));
    assert.equal(sut.admit(open), true);
    assert.equal(sut.admit(open), false);
    assert.equal(sut.admit(orderKey(update('OPEN', 0, '2026-12-03 10:15:01'))), false);
  });

  it('a change of status, filled quantity or exchange time is a new update; other fields are not part of the key', () => {
    const sut = new OrderRepeatFilter();
    assert.equal(sut.admit(orderKey(update('OPEN', 0, '2026-12-03 10:15:01'))), true);
    assert.equal(sut.admit(orderKey(update('OPEN', 5, '2026-12-03 10:15:02'))), true);
    assert.equal(sut.admit(orderKey(update('OPEN', 5, '2026-12-03 10:15:03'))), true);
    assert.equal(sut.admit(orderKey(update('COMPLETE', 10, '2026-12-03 10:15:03'))), true);
    assert.equal(sut.admit(orderKey({ ...update('COMPLETE', 10, '2026-12-03 10:15:03'), price: 1 })), false);
    assert.equal(sut.admit(orderKey({ ...update('OPEN', 0, null), order_id: 'other' })), true);
  });

  it('keeps at most `capacity` keys, forgetting the oldest first', () => {
    const sut = new OrderRepeatFilter(3);
    for (const k of ['a', 'b', 'c', 'd']) assert.equal(sut.admit(k), true);
    assert.equal(sut.size, 3);
    assert.equal(sut.admit('d'), false, 'recent ones still remembered');
    assert.equal(sut.admit('a'), true, 'the oldest was forgotten');
    assert.equal(sut.size, 3);
  });

  it('holds 30,000 distinct updates in bounded memory', () => {
    const sut = new OrderRepeatFilter();
    for (let i = 0; i < 30_000; i++) sut.admit(orderKey(update('OPEN', i, null)));
    assert.equal(sut.size, 10_000);
  });
});
