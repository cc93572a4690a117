import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { openSession, sealSession } from './session-crypto.js';

const KEY = 'session-key-0123456789abcdef0123456789abcdef';
const session = { accessToken: 'a1b2c3d4e5f6', userId: 'AB1234', expiresAt: 1_800_000_000_000 };
const parts = (s: string) => s.split('.').map((p) => Buffer.from(p, 'base64url'));
const join = (bs: Buffer[]) => bs.map((b) => b.toString('base64url')).join('.');

describe('session-crypto', () => {
  it('opens what it sealed, and nothing under another key', () => {
    const sealed = sealSession(session, KEY);
    assert.deepEqual(openSession(sealed, KEY), session);
    assert.equal(openSession(sealed, `${KEY}x`), undefined);
    assert.ok(!sealed.includes(session.accessToken));
  });

  it('refuses a tag truncated to 4, 8 or 12 bytes (GCM would accept a short tag unless pinned)', () => {
    const [iv, tag, data] = parts(sealSession(session, KEY));
    for (const n of [4, 8, 12, 15]) {
      assert.equal(openSession(join([iv, tag.subarray(0, n), data]), KEY), undefined, `${n}-byte tag`);
    }
  });

  it('a blob sealed with a valid 4-byte tag under the right key is refused: only 16-byte tags are checked', () => {
    // Without the pin, GCM verifies whatever tag length it is given, and 4 bytes can be guessed.
    const key = Buffer.from(hkdfSync('sha256', KEY, 'kite-relay', 'kite-relay session v2', 32));
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 4 });
    cipher.setAAD(Buffer.from('kite-relay session v2'));
    const data = Buffer.concat([cipher.update(JSON.stringify(session)), cipher.final()]);
    assert.equal(openSession(join([iv, cipher.getAuthTag(), data]), KEY), undefined);
  });

  it('refuses a wrong IV length, an altered ciphertext, a swapped tag and malformed text', () => {
    const [iv, tag, data] = parts(sealSession(session, KEY));
    const other = parts(sealSession(session, KEY));
    assert.equal(openSession(join([iv.subarray(0, 8), tag, data]), KEY), undefined);
    const flipped = Buffer.from(data);
    flipped[0] ^= 1;
    assert.equal(openSession(join([iv, tag, flipped]), KEY), undefined);
    assert.equal(openSession(join([iv, other[1], data]), KEY), undefined);
    for (const bad of ['', 'a.b', 'a.b.c.d', '...', 'not base64!.x.y']) {
      assert.equal(openSession(bad, KEY), undefined, bad);
    }
  });

  it('a blob sealed by the previous format (no associated data) does not open', () => {
    const key = Buffer.from(hkdfSync('sha256', KEY, 'kite-relay', 'kite-relay session v2', 32));
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv);
    const data = Buffer.concat([cipher.update(JSON.stringify(session)), cipher.final()]);
    assert.equal(openSession(join([iv, cipher.getAuthTag(), data]), KEY), undefined);
  });
});
