import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AppConfigService } from '../config/app-config.service.js';
import { RelayEvents } from '../events/relay-events.js';
import type { ClusterUsage, UserUsage } from './cluster-usage.js';
import { StandaloneUsage } from './cluster-usage.js';
import { USAGE_EVENT_INTERVAL_MS, UserLimitsService } from './user-limits.service.js';

/** What the other nodes hold, as a test sets it. */
class FakeCluster implements ClusterUsage {
  readonly held = new Map<string, UserUsage>();
  elsewhere(sub: string): UserUsage {
    return this.held.get(sub) ?? { connections: 0, instruments: new Set() };
  }
}

function setup(o: { connections?: number; instruments?: number; cluster?: ClusterUsage } = {}) {
  const config = {
    values: {
      maxConnectionsPerUser: o.connections ?? 3,
      maxInstrumentsPerUser: o.instruments ?? 5,
      nodeId: 'node-a',
    },
  } as AppConfigService;
  const events = new RelayEvents();
  const sut = new UserLimitsService(config, o.cluster ?? new StandaloneUsage(), events);
  return { sut, events };
}

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

describe('UserLimitsService', () => {
  it('counts sockets per sub: the one past the cap is refused, other users are not, and a disconnect frees a place', () => {
    const { sut } = setup({ connections: 3 });
    assert.deepEqual(
      ['a1', 'a2', 'a3', 'a4'].map((id) => sut.connect(id, 'alice')),
      [true, true, true, false],
    );
    assert.equal(sut.connect('b1', 'bob'), true, 'another user is unaffected');
    sut.disconnect('a2');
    sut.disconnect('a2'); // twice (disconnect, then the engine connection's close) counts once
    assert.equal(sut.connect('a5', 'alice'), true);
    assert.equal(sut.connect('a6', 'alice'), false);
    assert.equal(sut.local().get('alice')?.connections, 3);
  });

  it('a user at the connection cap on another node is refused here', () => {
    const cluster = new FakeCluster();
    const { sut } = setup({ connections: 3, cluster });
    cluster.held.set('alice', { connections: 3, instruments: new Set() });
    assert.equal(sut.connect('a1', 'alice'), false);
    cluster.held.set('alice', { connections: 2, instruments: new Set() });
    assert.equal(sut.connect('a1', 'alice'), true);
    assert.equal(sut.connect('a2', 'alice'), false);
    assert.equal(sut.connect('b1', 'bob'), true);
  });

  it('distinct instruments over all of a user’s sockets: a shared instrument counts once, the request past the cap is refused whole', () => {
    const { sut } = setup({ instruments: 5 });
    assert.deepEqual(sut.reserve('a1', 'alice', [1, 2, 3]), { ok: true });
    assert.deepEqual(sut.reserve('a2', 'alice', [2, 3, 4]), { ok: true }, '2 and 3 are held already');
    assert.deepEqual(sut.reserve('a2', 'alice', [5, 6]), { ok: false, held: 4, adding: 2, max: 5 });
    assert.deepEqual([...(sut.local().get('alice')?.instruments ?? [])].sort(), [1, 2, 3, 4]);
    assert.deepEqual(sut.reserve('b1', 'bob', [1, 2, 3, 4, 5]), { ok: true }, 'bob has his own count');
    assert.deepEqual(sut.reserve('a2', 'alice', [5]), { ok: true });
    assert.deepEqual(sut.reserve('a1', 'alice', [1, 4, 5]), { ok: true }, 'nothing new: always allowed');
  });

  it('an instrument is freed when the last socket holding it lets go', () => {
    const { sut } = setup({ instruments: 3 });
    sut.reserve('a1', 'alice', [1, 2]);
    sut.reserve('a2', 'alice', [2, 3]);
    sut.release('a2', [2, 3]);
    assert.deepEqual([...(sut.local().get('alice')?.instruments ?? [])].sort(), [1, 2], '2 is still a1’s');
    sut.disconnect('a1');
    assert.equal(sut.local().has('alice'), false, 'nothing left is forgotten');
    assert.deepEqual(sut.reserve('a3', 'alice', [7, 8, 9]), { ok: true });
  });

  it('a user holding instruments on another node is refused here once the union passes the cap', () => {
    const cluster = new FakeCluster();
    const { sut } = setup({ instruments: 5, cluster });
    cluster.held.set('alice', { connections: 1, instruments: new Set([1, 2, 3, 4]) });
    assert.deepEqual(sut.reserve('a1', 'alice', [3, 4, 5]), { ok: true }, '3 and 4 already count');
    assert.deepEqual(sut.reserve('a1', 'alice', [6]), { ok: false, held: 5, adding: 1, max: 5 });
    cluster.held.set('alice', { connections: 1, instruments: new Set(range(100, 5)) });
    assert.equal(sut.reserve('a1', 'alice', [7]).ok, false, 'at the cap elsewhere: nothing new here');
    assert.equal(sut.reserve('b1', 'bob', [7]).ok, true);
  });

  it("raises 'usage.changed' at most every 100 ms with what each changed user holds here", async () => {
    const { sut, events } = setup({ instruments: 1000 });
    const seen: { origin: string; users: unknown[]; at: number }[] = [];
    events.on('usage.changed', (e) =>
      seen.push({
        origin: e.origin,
        users: [...e.users].sort((a, b) => a.sub.localeCompare(b.sub)),
        at: Date.now(),
      }),
    );
    const settle = () => new Promise((r) => setTimeout(r, USAGE_EVENT_INTERVAL_MS + 50));
    const start = Date.now();
    sut.connect('a1', 'alice');
    for (const t of range(1, 3)) sut.reserve('a1', 'alice', [t]);
    sut.connect('b1', 'bob');
    assert.equal(seen.length, 0, 'not at once');
    await settle();
    assert.equal(seen.length, 1, 'one event for five changes');
    assert.ok(seen[0].at - start >= USAGE_EVENT_INTERVAL_MS - 5);
    assert.deepEqual(seen[0], {
      origin: 'node-a',
      at: seen[0].at,
      users: [
        { sub: 'alice', connections: 1, instruments: [1, 2, 3] },
        { sub: 'bob', connections: 1, instruments: [] },
      ],
    });
    assert.doesNotThrow(() => JSON.stringify(seen[0]), 'a cluster can publish it as it is');
    sut.reserve('a1', 'alice', [1]); // already held: no change, no event
    await settle();
    assert.equal(seen.length, 1);
    sut.disconnect('b1');
    await settle();
    assert.deepEqual(seen[1]?.users, [{ sub: 'bob', connections: 0, instruments: [] }], 'gone from here');
    sut.onApplicationShutdown();
  });
});
