import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { openEnvelope, sealEnvelope, type Envelope } from './bus-envelope.js';
import { deriveClusterKey, macOf, sameMac } from './cluster-mac.js';
import { ReplayGuard } from './replay-guard.js';

const key = deriveClusterKey('bus-envelope-spec-0123456789abcdef0123');
const other = deriveClusterKey('another-deployment-0123456789abcdef0123');
const CH = 'kite-relay:bus:frames';
const e: Envelope = {
  nodeId: 'node-0',
  boot: 7,
  seq: 3,
  sentAt: 1_796_000_000_000,
  body: Buffer.from([1, 2, 3]),
};

describe('bus envelope', () => {
  it('round-trips exactly, with an HMAC-SHA256 over the channel and everything after the MAC', () => {
    const sut = sealEnvelope(key, CH, e);
    assert.equal(sut[0], 2);
    assert.equal(sut.length, 1 + 32 + 8 + 8 + 4 + 1 + 6 + 3);
    assert.deepEqual(sut.subarray(1, 33), macOf(key, [CH, sut.subarray(33)]));
    assert.deepEqual(openEnvelope(key, CH, sut), { ok: true, envelope: e });
  });

  it('refuses unsigned input, another key, another channel, and any flipped bit', () => {
    const sealed = sealEnvelope(key, CH, e);
    const reason = (raw: Buffer, k = key, ch = CH) => {
      const r = openEnvelope(k, ch, raw);
      return r.ok ? 'ok' : r.reason;
    };
    assert.equal(reason(Buffer.from('{"type":"feed"}')), 'unsigned');
    assert.equal(
      reason(Buffer.from([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])),
      'unsigned',
      'the old v1 frame header',
    );
    assert.equal(reason(Buffer.alloc(0)), 'unsigned');
    assert.equal(reason(sealed.subarray(0, 40)), 'malformed');
    assert.equal(reason(Buffer.from([9, ...sealed.subarray(1)])), 'malformed');
    assert.equal(reason(sealed, other), 'bad_signature');
    assert.equal(reason(sealed, key, 'kite-relay:bus:messages'), 'bad_signature');
    for (let i = 1; i < sealed.length; i++) {
      const bad = Buffer.from(sealed);
      bad[i] ^= 0x01;
      assert.equal(reason(bad), 'bad_signature', `byte ${i}`);
    }
  });

  it('compares MACs in constant time and only at the right length', () => {
    const m = macOf(key, ['a']);
    assert.equal(sameMac(m, Buffer.from(m)), true);
    assert.equal(sameMac(m.subarray(0, 16), m), false);
    assert.notDeepEqual(macOf(key, ['ab', 'c']), macOf(key, ['a', 'bc']), 'parts are length-prefixed');
  });
});

describe('ReplayGuard', () => {
  const at = (seq: number, sentAt = 1000, boot = 1) => ({ nodeId: 'n', boot, seq, sentAt });

  it('passes each sequence number once, in order, per sender boot', () => {
    const sut = new ReplayGuard(30_000);
    assert.equal(sut.check(at(1), 1000), 'ok');
    assert.equal(sut.check(at(2), 1000), 'ok');
    assert.equal(sut.check(at(2), 1000), 'replayed');
    assert.equal(sut.check(at(1), 1000), 'replayed');
    assert.equal(sut.check(at(1, 1000, 2), 1000), 'ok', 'a restarted node starts a new sequence');
    assert.equal(sut.check({ ...at(1), nodeId: 'm' }, 1000), 'ok');
  });

  it('refuses what was sent outside the window, either way', () => {
    const sut = new ReplayGuard(30_000);
    assert.equal(sut.check(at(1, 0), 30_001), 'expired');
    assert.equal(sut.check(at(2, 70_000), 30_001), 'expired');
    assert.equal(sut.check(at(3, Number.NaN), 30_001), 'expired');
    assert.equal(sut.check(at(4, 1), 30_001), 'ok');
  });
});
