import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FencingGate } from './fencing-gate.js';

describe('FencingGate', () => {
  it('accepts only the tenure the lease names; a lower one is stale, a higher one unconfirmed', () => {
    const sut = new FencingGate(2000);
    assert.equal(sut.admit(5), 'unconfirmed', 'nothing is trusted before the lease was read');
    sut.observe(5, 0);
    assert.equal(sut.admit(5), 'accept');
    assert.equal(sut.admit(4), 'stale');
    assert.equal(sut.admit(9), 'unconfirmed');
    assert.equal(sut.admit(1e300), 'unconfirmed');
    assert.equal(sut.fencing, 5, 'a frame never moves the gate');
    assert.equal(sut.admit(5), 'accept', 'the real holder goes on after a 1e300 frame');
    sut.observe(9, 30);
    assert.equal(sut.admit(9), 'accept');
    assert.equal(sut.admit(5), 'stale', 'the old holder is stale from now on');
  });

  it('drops repeats for a window after the lease names a new tenure', () => {
    const sut = new FencingGate(2000);
    sut.observe(5, 0);
    assert.equal(sut.inSwitchWindow(10), false, 'the first lease read is no takeover');
    sut.observe(9, 1000);
    assert.equal(sut.inSwitchWindow(2999), true);
    assert.equal(sut.inSwitchWindow(3000), false);
    sut.observe(3, 6000);
    assert.equal(sut.fencing, 9, 'a lower number never lowers it');
    assert.equal(sut.inSwitchWindow(6500), false);
  });
});
