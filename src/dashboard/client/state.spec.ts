import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createStore } from './state.js';

describe('dashboard store', () => {
  it('merges a patch and tells subscribers the new and the previous state', () => {
    const sut = createStore({ a: 1, b: 'x' });
    const seen: [number, number][] = [];
    sut.subscribe((now, before) => seen.push([now.a, before.a]));
    sut.set({ a: 2 });
    assert.deepEqual(sut.get(), { a: 2, b: 'x' });
    assert.deepEqual(seen, [[2, 1]]);
  });

  it('stays silent when nothing changed, and after unsubscribe', () => {
    const sut = createStore({ a: 1 });
    let calls = 0;
    const off = sut.subscribe(() => calls++);
    sut.set({ a: 1 });
    assert.equal(calls, 0);
    off();
    sut.set({ a: 3 });
    assert.equal(calls, 0);
    assert.equal(sut.get().a, 3);
  });
});
