import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { reconnectDelay } from './backoff.js';

const tuning = { backoffBaseMs: 1000, backoffCapMs: 30_000, tooManyRequestsMs: 10_000 };

describe('reconnectDelay', () => {
  it('full jitter over a ceiling that doubles per attempt', () => {
    assert.equal(
      reconnectDelay(0, tuning, undefined, () => 0.999999),
      999.999,
    );
    assert.equal(
      reconnectDelay(3, tuning, undefined, () => 0.5),
      4000,
    );
    assert.equal(
      reconnectDelay(3, tuning, undefined, () => 0),
      0,
    );
  });

  it('is capped at backoffCapMs however many attempts failed', () => {
    assert.equal(
      reconnectDelay(10, tuning, undefined, () => 1),
      30_000,
    );
    assert.equal(
      reconnectDelay(10_000, tuning, undefined, () => 1),
      30_000,
    );
  });

  it('after a 429 waits at least tooManyRequestsMs', () => {
    assert.equal(
      reconnectDelay(0, tuning, 429, () => 0),
      10_000,
    );
    assert.equal(
      reconnectDelay(6, tuning, 429, () => 0.5),
      15_000,
    );
    assert.equal(
      reconnectDelay(0, tuning, 503, () => 0),
      0,
    );
  });
});
