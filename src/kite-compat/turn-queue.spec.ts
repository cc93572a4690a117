import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TurnQueue } from './turn-queue.js';

describe('TurnQueue: per-user work served round-robin', () => {
  it('a user with one item is served after one item of each other user, however many they queued', () => {
    const sut = new TurnQueue<string>();
    for (let i = 0; i < 5; i++) sut.add('alice', `a${i}`);
    sut.add('bob', 'b0');
    const order = [sut.take(), sut.take(), sut.take()];
    assert.ok(order.slice(0, 2).includes('b0'), JSON.stringify(order));
    assert.equal(sut.queued('bob'), 0);
    assert.equal(sut.size, 3);
    assert.deepEqual(sut.drain(), ['a2', 'a3', 'a4']);
    assert.equal(sut.size, 0);
  });

  it('users who ask again as soon as they are served (bots polling one request at a time) take turns in order', () => {
    const sut = new TurnQueue<string>();
    for (const u of ['a', 'b', 'c']) sut.add(u, u);
    let served = '';
    for (let i = 0; i < 12; i++) {
      const u = sut.take()!;
      served += u;
      sut.add(u, u);
    }
    assert.equal(served, 'abcabcabcabc');
  });

  it('a user arriving late waits behind those already waiting, not behind a whole round of a busy user', () => {
    const sut = new TurnQueue<string>();
    for (let i = 0; i < 3; i++) sut.add('busy', `x${i}`);
    sut.add('b', 'b0');
    assert.equal(sut.take(), 'x0');
    sut.add('late', 'l0');
    assert.deepEqual([sut.take(), sut.take(), sut.take()], ['b0', 'x1', 'l0']);
  });

  it('keeps each user’s own order, and answers undefined when empty', () => {
    const sut = new TurnQueue<number>();
    [1, 2, 3].forEach((n) => sut.add('u', n));
    assert.deepEqual([sut.take(), sut.take(), sut.take(), sut.take()], [1, 2, 3, undefined]);
    assert.equal(sut.users, 0);
  });
});
