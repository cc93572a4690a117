import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseBusMessage, senderOf } from './bus-messages.contract.js';

const parse = (v: unknown) => parseBusMessage(typeof v === 'string' ? v : JSON.stringify(v));
const record = { id: 'node-1', role: 'follower', demand: [[408065, 1]], usage: [], clients: 0 };

describe('parseBusMessage', () => {
  it('accepts every kind and keeps only the known fields', () => {
    const feed = parse({ type: 'feed', node: 'node-0', fencing: 7, state: 'LIVE', extra: 'x' });
    assert.deepEqual(feed, {
      ok: true,
      message: { type: 'feed', node: 'node-0', fencing: 7, state: 'LIVE' },
    });
    assert.deepEqual(parse({ type: 'node', record }), { ok: true, message: { type: 'node', record } });
    assert.deepEqual(parse({ type: 'node-gone', id: 'node-1' }), {
      ok: true,
      message: { type: 'node-gone', id: 'node-1' },
    });
    const revoked = { origin: 'node-0', id: 'abc', exp: 1_800_000_000, cascade: false, admin: true };
    assert.deepEqual(parse({ type: 'event', name: 'token.revoked', payload: revoked }), {
      ok: true,
      message: {
        type: 'event',
        name: 'token.revoked',
        payload: { origin: 'node-0', id: 'abc', exp: 1_800_000_000, cascade: false },
      },
    });
    assert.equal(parse({ type: 'event', name: 'session.cleared', payload: { origin: 'n' } }).ok, true);
    const order = { type: 'order', node: 'node-0', fencing: 7, raw: '{"type":"order","data":{}}' };
    assert.deepEqual(parse(order), { ok: true, message: order });
  });

  it('names why a message is dropped: not JSON, an unknown kind, or fields of the wrong shape', () => {
    const reason = (v: unknown) => {
      const r = parse(v);
      return r.ok ? 'ok' : r.reason;
    };
    assert.equal(reason('{not json'), 'malformed');
    assert.equal(reason([1, 2]), 'malformed');
    assert.equal(reason('null'), 'malformed');
    assert.equal(reason({ type: 'orders' }), 'unknown_kind');
    assert.equal(reason({ type: 'toString' }), 'unknown_kind');
    assert.equal(reason({ node: 'x' }), 'unknown_kind');
    assert.equal(reason({ type: 'feed', node: 'node-0', fencing: 1e300, state: 'LIVE' }), 'invalid');
    assert.equal(reason({ type: 'feed', node: 'node-0', fencing: 3, state: 'HACKED' }), 'invalid');
    assert.equal(reason({ type: 'feed', node: '../x', fencing: 3, state: 'LIVE' }), 'invalid');
    assert.equal(reason({ type: 'node', record: { ...record, demand: [[1, 7]] } }), 'invalid');
    assert.equal(
      reason({ type: 'node', record: { ...record, usage: [{ sub: 'u', connections: -1 }] } }),
      'invalid',
    );
    assert.equal(reason({ type: 'node', record: { ...record, role: 'king' } }), 'invalid');
    assert.equal(reason({ type: 'node-gone', id: 42 }), 'invalid');
    assert.equal(reason({ type: 'event', name: 'session.cleared', payload: {} }), 'invalid');
    assert.equal(
      reason({ type: 'order', node: 'node-0', fencing: 7, raw: 'x'.repeat(65 * 1024) }),
      'invalid',
    );
    assert.equal(reason({ type: 'order', node: 'node-0', fencing: 7, raw: { type: 'order' } }), 'invalid');
    assert.equal(reason({ type: 'event', name: '__proto__', payload: { origin: 'n' } }), 'invalid');
    assert.equal(reason({ type: 'event', name: 'feed.ticks', payload: { origin: 'n' } }), 'invalid');
    assert.equal(
      reason({ type: 'event', name: 'token.revoked', payload: { origin: 'n', id: 'a' } }),
      'invalid',
    );
  });

  it('caps the text a message can carry', () => {
    const r = parse({
      type: 'event',
      name: 'session.expired',
      payload: { origin: 'n', reason: 'x'.repeat(5000) },
    });
    assert.ok(r.ok && r.message.type === 'event' && r.message.name === 'session.expired');
    assert.equal(r.message.payload.reason.length, 200);
  });

  it('names the node each kind speaks for (the signed envelope must come from it)', () => {
    const of = (v: unknown) => {
      const r = parse(v);
      assert.ok(r.ok);
      return senderOf(r.message);
    };
    assert.equal(of({ type: 'feed', node: 'a', fencing: 1, state: 'LIVE' }), 'a');
    assert.equal(of({ type: 'node', record: { ...record, id: 'b' } }), 'b');
    assert.equal(of({ type: 'node-gone', id: 'c' }), 'c');
    assert.equal(of({ type: 'event', name: 'session.cleared', payload: { origin: 'd' } }), 'd');
    assert.equal(of({ type: 'order', node: 'e', fencing: 1, raw: '{}' }), 'e');
  });
});
