import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { kiteAccessToken } from './kite-auth-header.js';
import { kiteError, kiteSuccess } from './kite-error.js';

describe('kiteAccessToken: the access token of Kite’s Authorization header', () => {
  it('takes the part after the colon and ignores the api_key', () => {
    assert.equal(kiteAccessToken('token my_key:eyJ.a.b'), 'eyJ.a.b');
    assert.equal(kiteAccessToken('token :eyJ.a.b'), 'eyJ.a.b', 'an empty api_key is fine');
    assert.equal(kiteAccessToken('Token k:abc'), 'abc', 'the scheme in any case');
  });

  it('refuses a missing, malformed or oversized header', () => {
    for (const h of [undefined, '', 'Bearer abc', 'token abc', 'token k:', 'token k:a b', 'tokenk:abc']) {
      assert.equal(kiteAccessToken(h), undefined, String(h));
    }
    assert.equal(kiteAccessToken(`token k:${'a'.repeat(5000)}`), undefined);
  });
});

describe('Kite envelopes', () => {
  it('are the shapes the official clients read', () => {
    assert.deepEqual(kiteError('InputException', 'bad'), {
      status: 'error',
      message: 'bad',
      error_type: 'InputException',
      data: null,
    });
    assert.deepEqual(kiteSuccess({ a: 1 }), { status: 'success', data: { a: 1 } });
  });
});
