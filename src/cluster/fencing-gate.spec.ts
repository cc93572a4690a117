import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FencingGate } from './fencing-gate.js';

describe('FencingGate', () => {
  it('accepts the first tenure, drops a lower one, and switches to a higher one', () => {
    const sut = new FencingGate(2000);
    assert.equal(sut.admit(5, 0), 'accept');
    assert.equal(sut.admit(5, 10), 'accept');
    assert.equal(sut.inSwitchWindow(10), false, 'no takeover yet');
    assert.equal(sut.admit(4, 20), 'stale');
    assert.equal(sut.admit(9, 30), 'switch');
    assert.equal(sut.admit(5, 40), 'stale', 'the old holder is stale from now on');
    assert.equal(sut.fencing, 9);
  });

  it('drops repeats for a window after a takeover, seen in a frame or in the lease', () => {
    const sut = new FencingGate(2000);
    sut.admit(5, 0);
    sut.admit(9, 1000);
    assert.equal(sut.inSwitchWindow(2999), true);
    assert.equal(sut.inSwitchWindow(3000), false);
    sut.observe(12, 5000);
    assert.equal(sut.fencing, 12);
    assert.equal(sut.inSwitchWindow(5500), true);
    assert.equal(sut.admit(9, 5600), 'stale');
    sut.observe(3, 6000);
    assert.equal(sut.fencing, 12, 'a lower number never lowers it');
  });
});
