import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { looksLikeOrder, orderData, orderLabel, parseOrderText } from './order-update.js';

const order = { order_id: '251203000123456', status: 'OPEN', filled_quantity: 0, price: 1532.15 };

describe('order-update', () => {
  it('parses Kite’s order text frame, keeping the raw text verbatim', () => {
    const raw = `{"type":"order","data":${JSON.stringify(order)}}`;
    assert.deepEqual(parseOrderText(raw), { raw, data: order });
  });

  it('refuses anything that is not an order: bad JSON, other types, data without a string order_id or status', () => {
    for (const raw of [
      '{"type":"order","data":',
      '{"type":"error","data":"x"}',
      '{"type":"order","data":"text"}',
      '{"type":"order","data":[1]}',
      '{"type":"order","data":{"status":"OPEN"}}',
      '{"type":"order","data":{"order_id":7,"status":"OPEN"}}',
      '{"type":"order","data":{"order_id":"1"}}',
      'null',
      `{"type":"order","data":${JSON.stringify({ ...order, pad: 'x'.repeat(70_000) })}}`,
    ]) {
      assert.equal(parseOrderText(raw), undefined, raw.slice(0, 60));
    }
    assert.equal(orderData({ order_id: '', status: 'OPEN' }), undefined);
  });

  it('tells a broken order frame from other broken text', () => {
    assert.equal(looksLikeOrder('{"type":"order","data":{"order_id":"2512'), true);
    assert.equal(looksLikeOrder(' { "type" : "order"'), true);
    assert.equal(looksLikeOrder('{not json'), false);
    assert.equal(looksLikeOrder('{"type":"error","data":"'), false);
  });

  it('what a log line may say of an order: its id and status, with nothing that could forge a line', () => {
    assert.equal(orderLabel(order), '251203000123456 OPEN');
    assert.equal(orderLabel({ order_id: 'a\n{"level":50}', status: 'OPEN' }), 'a???level??50? OPEN');
  });
});
