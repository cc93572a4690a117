import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FailedUpgrades } from './failed-upgrades.js';

describe('FailedUpgrades', () => {
  const setup = () => {
    let now = 1_000_000;
    const f = new FailedUpgrades(5000, () => now);
    return { f, advance: (ms: number) => (now += ms) };
  };

  it('counts each address’s failures within the window, one address apart from another', () => {
    const { f } = setup();
    f.record('10.0.0.1');
    f.record('10.0.0.1');
    f.record('10.0.0.2');
    assert.equal(f.count('10.0.0.1'), 2);
    assert.equal(f.count('10.0.0.2'), 1);
    assert.equal(f.count('10.0.0.3'), 0);
  });

  it('each failure counts for the window from when it happened (sliding), then not at all', () => {
    const { f, advance } = setup();
    f.record('a');
    advance(3000);
    f.record('a');
    advance(1999);
    assert.equal(f.count('a'), 2);
    advance(1);
    assert.equal(f.count('a'), 1, 'the first is 5 s old');
    advance(3000);
    assert.equal(f.count('a'), 0);
  });

  it('forgets addresses whose failures are all past the window, so a spread of addresses holds no memory', () => {
    const { f, advance } = setup();
    for (let i = 0; i < 100; i++) f.record(`10.1.0.${i}`);
    advance(2000);
    f.record('10.2.0.1');
    assert.equal(f.size, 101);
    advance(3000);
    f.record('10.2.0.2');
    assert.equal(f.size, 2, 'the hundred are forgotten; the newer two kept');
    assert.equal(f.count('10.2.0.1'), 1);
  });
});
