import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { hashCode, isInviteId, newInviteCode, parseInviteCode, sameHash } from './invite-code.js';

describe('invite codes', () => {
  it('id.secret: 22 + 43 base64url characters (128-bit id, 256-bit secret), hashed with sha256', () => {
    const sut = newInviteCode();
    assert.match(sut.code, /^[\w-]{22}\.[\w-]{43}$/);
    assert.ok(sut.code.startsWith(`${sut.id}.`));
    assert.ok(isInviteId(sut.id));
    assert.equal(sut.hash, createHash('sha256').update(sut.code).digest('hex'));
    assert.notEqual(newInviteCode().code, sut.code);
  });

  it('parses what it made, and nothing else', () => {
    const { code, id, hash } = newInviteCode();
    assert.deepEqual(parseInviteCode(code), { id, hash });
    for (const bad of [
      undefined,
      null,
      42,
      {},
      '',
      code.slice(0, -1),
      `${code}A`,
      code.replace('.', '_'),
      ` ${code}`,
    ]) {
      assert.equal(parseInviteCode(bad), undefined, JSON.stringify(bad));
    }
  });

  it('compares hashes whole', () => {
    const h = hashCode('a');
    assert.ok(sameHash(h, hashCode('a')));
    assert.ok(!sameHash(h, hashCode('b')));
    assert.ok(!sameHash(h, h.slice(0, -1)));
  });
});
