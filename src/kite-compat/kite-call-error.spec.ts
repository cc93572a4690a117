import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NoSessionError } from '../auth/kite-api.service.js';
import { kiteCallError } from './kite-call-error.js';
import { kiteErrorTypeOf } from './kite-exception.js';

const answer = (err: unknown) => {
  const e = kiteCallError(err, 'historical');
  return [e.getStatus(), e.errorType, (e.getResponse() as { message: string }).message] as const;
};

describe('kiteCallError: a failed Kite call as the /kite routes answer it', () => {
  it("the relay's session trouble is a TokenException that says the owner must log in again", () => {
    assert.match(answer(new NoSessionError())[2], /relay's owner must log in again \(your token is fine\)/);
    const [status, type, message] = answer({
      error_type: 'TokenException',
      message: 'Incorrect `api_key` or `access_token`.',
    });
    assert.deepEqual([status, type], [403, 'TokenException']);
    assert.match(message, /has expired: the relay's owner must log in again/);
  });

  it("passes Kite's input and permission refusals on; pacing is 429, silence 504, anything else 502", () => {
    assert.deepEqual(answer({ error_type: 'InputException', message: 'invalid token' }), [
      400,
      'InputException',
      'invalid token',
    ]);
    assert.deepEqual(
      answer({ error_type: 'PermissionException', message: 'Insufficient permission for that call.' }).slice(
        0,
        2,
      ),
      [403, 'PermissionException'],
    );
    assert.equal(answer({ error_type: 'NetworkException', message: 'Too many requests' })[0], 429);
    assert.equal(
      answer({
        error_type: 'NetworkException',
        message: 'No response from server with error code: ECONNABORTED',
      })[0],
      504,
    );
    assert.deepEqual(answer(new Error('socket hang up')).slice(0, 2), [502, 'NetworkException']);
  });

  it("maps the relay's own HTTP statuses to Kite's error types", () => {
    assert.deepEqual([400, 401, 403, 404, 429, 431, 500, 502, 503, 504].map(kiteErrorTypeOf), [
      'InputException',
      'TokenException',
      'TokenException',
      'GeneralException',
      'NetworkException',
      'InputException',
      'GeneralException',
      'NetworkException',
      'NetworkException',
      'NetworkException',
    ]);
  });
});
