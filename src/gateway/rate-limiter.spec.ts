import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TokenBucket } from './rate-limiter.js';

describe('TokenBucket', () => {
  it('allows a burst of its capacity, then refuses until it refills', () => {
    const sut = new TokenBucket(20, 10, 0);
    const burst = Array.from({ length: 25 }, () => sut.take(0));
    assert.equal(burst.filter(Boolean).length, 20);
    assert.equal(sut.take(50), false, 'half a token after 50 ms');
    assert.equal(sut.take(100), true, 'one token after 100 ms at 10 a second');
    assert.equal(sut.take(100), false);
  });

  it('refills to its capacity and no further', () => {
    const sut = new TokenBucket(3, 10, 0);
    for (let i = 0; i < 3; i++) sut.take(0);
    assert.equal(Array.from({ length: 5 }, () => sut.take(60_000)).filter(Boolean).length, 3);
  });
});
