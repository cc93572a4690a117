import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TickMode } from '../kite/kite.constants.js';
import { SubscriptionRegistry } from './subscription-registry.js';

const items = (tokens: number[], mode: TickMode = 'quote') => tokens.map((token) => ({ token, mode }));
const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe('SubscriptionRegistry', () => {
  it('ref-counts interest: an instrument leaves upstream only when its last holder releases it', () => {
    const sut = new SubscriptionRegistry();
    sut.acquire('a', items([1, 2]));
    sut.acquire('b', items([2, 3]));
    assert.deepEqual(sut.takeChanges()[0].subscribe.sort(), [1, 2, 3]);
    assert.deepEqual(sut.release('a'), [1, 2]);
    const [change] = sut.takeChanges();
    assert.deepEqual(change.unsubscribe, [1]);
    assert.deepEqual(change.subscribe, []);
    assert.equal(sut.upstreamCount, 2);
  });

  it('upstream mode is the highest any holder wants: upgraded and downgraded as holders come and go', () => {
    const sut = new SubscriptionRegistry();
    sut.acquire('a', items([7], 'ltp'));
    sut.takeChanges();
    sut.acquire('b', items([7], 'full'));
    assert.deepEqual([...sut.takeChanges()[0].mode], [['full', [7]]]);
    assert.equal(sut.upstreamMode(7), 'full');
    sut.release('b', [7]);
    assert.deepEqual([...sut.takeChanges()[0].mode], [['ltp', [7]]]);
    assert.equal(sut.upstreamMode(7), 'ltp');
    assert.deepEqual(sut.demand(), new Map([[7, 'ltp']]));
  });

  it('refuses a new instrument past its capacity with `capacity`, or when the wider view says no', () => {
    const sut = new SubscriptionRegistry(2, 2);
    const r = sut.acquire('a', items([1, 2, 3, 4, 5]));
    assert.deepEqual(
      r.accepted.map((x) => x.token),
      [1, 2, 3, 4],
    );
    assert.deepEqual(r.rejected, [{ token: 5, reason: 'capacity' }]);
    // An instrument someone already holds is never refused: it costs nothing upstream.
    assert.equal(sut.acquire('b', items([4])).accepted.length, 1);
    const narrow = new SubscriptionRegistry();
    assert.deepEqual(narrow.acquire('a', items([9]), (t) => t !== 9).rejected, [
      { token: 9, reason: 'capacity' },
    ]);
  });

  it('shards at 3000: the 3001st instrument opens shard 1; shard 0 counts as active even when empty', () => {
    const sut = new SubscriptionRegistry();
    assert.deepEqual(sut.activeShards(), [0]);
    sut.acquire('a', items(range(1, 3001)));
    const changes = sut.takeChanges();
    assert.deepEqual(
      changes.map((c) => [c.shard, c.subscribe.length]),
      [
        [0, 3000],
        [1, 1],
      ],
    );
    assert.deepEqual(sut.activeShards(), [0, 1]);
    assert.equal(sut.shardState(1).get('quote')?.length, 1);
  });

  it('releases go first within a batch, so the room they free serves new instruments at once', () => {
    const sut = new SubscriptionRegistry(2, 1);
    sut.acquire('a', items([1, 2]));
    sut.takeChanges();
    sut.release('a', [1]);
    sut.acquire('b', items([3]));
    const [change] = sut.takeChanges();
    assert.deepEqual(change.unsubscribe, [1]);
    assert.deepEqual(change.subscribe, [3]);
    assert.equal(sut.upstreamCount, 2);
  });

  it('replace() makes a holder hold exactly a demand (a node publishing what its clients want)', () => {
    const sut = new SubscriptionRegistry();
    sut.replace(
      'node-a',
      new Map<number, TickMode>([
        [1, 'quote'],
        [2, 'full'],
      ]),
    );
    sut.replace('node-b', new Map<number, TickMode>([[2, 'ltp']]));
    sut.takeChanges();
    sut.replace('node-a', new Map<number, TickMode>([[2, 'quote']]));
    const [change] = sut.takeChanges();
    assert.deepEqual(change.unsubscribe, [1]);
    assert.deepEqual([...change.mode], [['quote', [2]]]);
    sut.replace('node-a', new Map());
    sut.replace('node-b', new Map());
    assert.equal(sut.size, 0);
  });
});
