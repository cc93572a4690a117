import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { tokenTtlSeconds } from './token-ttl.js';

const NOW = 1_800_000_000_000;
const exp = (secondsLeft: number) => NOW / 1000 + secondsLeft;

describe('tokenTtlSeconds', () => {
  it('parses 30m, 12h, 7d and plain seconds', () => {
    assert.equal(tokenTtlSeconds('30m', exp(86400), 'the token', NOW), 1800);
    assert.equal(tokenTtlSeconds('90', exp(86400), 'the token', NOW), 90);
    assert.equal(tokenTtlSeconds(3600, exp(86400), 'the token', NOW), 3600);
  });

  it('without a ttl: 12h, or what the caller has left (a fresh 12h login can mint with the default)', () => {
    assert.equal(tokenTtlSeconds(undefined, exp(2 * 86400), 'the token', NOW), 43200);
    assert.equal(tokenTtlSeconds(undefined, exp(43200), 'the token', NOW), 43200);
    assert.equal(tokenTtlSeconds(undefined, exp(43199), 'the token', NOW), 43199);
  });

  it('refuses a ttl past the caller, past 30 d, below 1 s or malformed, with the reason', () => {
    assert.throws(
      () => tokenTtlSeconds('13h', exp(43200), 'the token', NOW),
      /would outlive the token that creates the token \(it expires in 43200s\)/,
    );
    assert.throws(() => tokenTtlSeconds('31d', exp(90 * 86400), 'the token', NOW), /between 1s and 30d/);
    assert.throws(() => tokenTtlSeconds('0', exp(100), 'the token', NOW), /between 1s and 30d/);
    assert.throws(() => tokenTtlSeconds('soon', exp(100), 'the token', NOW), /a duration such as/);
    assert.throws(() => tokenTtlSeconds({}, exp(100), 'the token', NOW), /a duration such as/);
    assert.throws(
      () => tokenTtlSeconds(undefined, exp(0), 'the invite', NOW),
      /creates the invite expires now/,
    );
  });
});
