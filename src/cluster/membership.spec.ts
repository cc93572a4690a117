import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import { Logger } from '@nestjs/common';
import type { AppConfigService } from '../config/app-config.service.js';
import type { RelayEventMap } from '../events/event-map.js';
import { RelayEvents } from '../events/relay-events.js';
import type { TickMode } from '../kite/kite.constants.js';
import type { BusMessage, NodeRecord } from '../redis/bus-messages.contract.js';
import type { ClusterBus } from '../redis/cluster-bus.js';
import type { NodeRecordStore } from '../redis/node-record.store.js';
import type { RedisClients } from '../redis/redis-clients.js';
import { ClusterUsageView } from './cluster-usage.view.js';
import { ClusterMembership } from './membership.js';
import type { UpstreamOwnership } from './upstream-ownership.js';

const TTL = 5000;
Logger.overrideLogger(false);

/** Node records in memory, each expiring after its TTL as Redis' PX does. */
class FakeStore {
  readonly records = new Map<string, { json: string; expiresAt: number }>();
  writes = 0;
  async write(id: string, json: string, ttlMs: number): Promise<void> {
    this.writes++;
    this.records.set(id, { json, expiresAt: Date.now() + ttlMs });
  }
  async delete(id: string): Promise<void> {
    this.records.delete(id);
  }
  async readAll(): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    for (const [id, r] of this.records) if (r.expiresAt > Date.now()) out.set(id, r.json);
    return out;
  }
  record(id: string): NodeRecord | undefined {
    const r = this.records.get(id);
    return r && r.expiresAt > Date.now() ? (JSON.parse(r.json) as NodeRecord) : undefined;
  }
}

/** The bus as membership uses it: 'node' and 'node-gone' in, everything it publishes recorded. */
class FakeBus {
  readonly published: BusMessage[] = [];
  private readonly listeners = new Map<string, (m: BusMessage) => void>();
  onMessage(kind: string, fn: (m: BusMessage) => void) {
    this.listeners.set(kind, fn);
    return () => this.listeners.delete(kind);
  }
  async publishMessage(msg: BusMessage): Promise<boolean> {
    this.published.push(msg);
    return true;
  }
  deliver(msg: BusMessage) {
    this.listeners.get(msg.type)?.(msg);
  }
}

const record = (id: string, more: Partial<NodeRecord> = {}): NodeRecord => ({
  id,
  role: 'follower',
  demand: [],
  usage: [],
  clients: 0,
  ...more,
});

/** Lets the fakes' resolved promises run (no time passes). */
const settle = () => new Promise((r) => setImmediate(r));

function member(nodeId = 'a', store = new FakeStore(), configured = true) {
  const bus = new FakeBus();
  const events = new RelayEvents();
  const demands: RelayEventMap['cluster.demand'][] = [];
  events.on('cluster.demand', (d) => demands.push(d));
  const ownership = { state: { role: 'holder', holder: nodeId, fencing: 3, redisUp: true } };
  const sut = new ClusterMembership(
    { values: { nodeId, leaseTtlMs: TTL } } as unknown as AppConfigService,
    { configured, up: configured } as RedisClients,
    store as unknown as NodeRecordStore,
    bus as unknown as ClusterBus,
    ownership as unknown as UpstreamOwnership,
    events,
  );
  return { sut, store, bus, events, demands };
}

/** Another node's record, as it would have written it. */
async function plant(store: FakeStore, r: NodeRecord, ttl = TTL) {
  await store.write(r.id, JSON.stringify(r), ttl);
}

describe('ClusterMembership: who is in the cluster, and what they want', () => {
  beforeEach(() =>
    mock.timers.enable({ apis: ['Date', 'setTimeout', 'setInterval'], now: 1_800_000_000_000 }),
  );
  afterEach(() => mock.timers.reset());

  it('writes its record (expiring after the lease TTL) at boot, renews it every second, and publishes it', async () => {
    const { sut, store, bus } = member('a');
    sut.onApplicationBootstrap();
    await settle();
    assert.deepEqual(store.record('a'), record('a', { role: 'holder' }));
    assert.equal(store.records.get('a')!.expiresAt, Date.now() + TTL);
    assert.deepEqual(bus.published, [{ type: 'node', record: record('a', { role: 'holder' }) }]);
    for (let i = 0; i < 10; i++) {
      mock.timers.tick(1000);
      await settle();
    }
    assert.equal(store.writes, 11);
    assert.ok(store.record('a'), 'still alive 10 s later: renewed every second');
    await sut.beforeApplicationShutdown();
  });

  it("publishes its clients' demand (as mode indexes) 25 ms after it changes, coalescing changes", async () => {
    const { sut, store, bus } = member('a');
    sut.onApplicationBootstrap();
    await settle();
    sut.setDemand(new Map<number, TickMode>([[408065, 'ltp']]));
    sut.setDemand(
      new Map<number, TickMode>([
        [408065, 'full'],
        [256265, 'quote'],
      ]),
    );
    mock.timers.tick(24);
    await settle();
    assert.equal(bus.published.length, 1);
    mock.timers.tick(1);
    await settle();
    assert.equal(bus.published.length, 2, 'both changes in one record');
    const demand: [number, number][] = [
      [408065, 2],
      [256265, 1],
    ];
    assert.deepEqual(bus.published[1], { type: 'node', record: record('a', { role: 'holder', demand }) });
    assert.deepEqual(store.record('a')!.demand, demand);
    await sut.beforeApplicationShutdown();
  });

  it("learns the other nodes' records and demand; a node that dies is forgotten once its record expires", async () => {
    const store = new FakeStore();
    const { sut, bus, demands } = member('a', store);
    await plant(store, record('b', { demand: [[408065, 1]] }));
    sut.onApplicationBootstrap();
    await settle();
    assert.deepEqual([...sut.nodes().keys()], ['b']);
    assert.deepEqual(demands, [{ node: 'b', demand: new Map([[408065, 'quote']]) }]);

    bus.deliver({ type: 'node', record: record('b', { demand: [[408065, 1]], clients: 4 }) });
    assert.equal(sut.nodes().get('b')!.clients, 4);
    assert.equal(demands.length, 1, 'the same demand is no change');
    bus.deliver({ type: 'node', record: record('c', { demand: [[1, 0]] }) });
    assert.deepEqual(demands.at(-1), { node: 'c', demand: new Map([[1, 'ltp']]) });
    assert.equal(sut.nodes().size, 2);

    // b stops renewing: its record is gone from Redis TTL ms after its last write.
    for (let i = 0; i < 4; i++) {
      mock.timers.tick(1000);
      await settle();
    }
    assert.ok(sut.nodes().has('b'));
    mock.timers.tick(1000);
    await settle();
    assert.equal(sut.nodes().has('b'), false);
    assert.deepEqual(demands.at(-1), { node: 'b', demand: new Map() }, 'its demand is withdrawn');
    assert.equal(sut.nodes().has('c'), false, 'c never wrote a record');
    await sut.beforeApplicationShutdown();
  });

  it('forgets a node that says it stopped at once, and ignores its own and malformed records', async () => {
    const store = new FakeStore();
    const { sut, bus, demands } = member('a', store);
    await plant(store, record('b', { demand: [[5, 2]] }));
    store.records.set('c', { json: '{"id":"c","role":"king"}', expiresAt: Date.now() + TTL });
    await plant(store, record('e'));
    store.records.set('d', { ...store.records.get('e')! });
    sut.onApplicationBootstrap();
    await settle();
    assert.deepEqual([...sut.nodes().keys()].sort(), ['b', 'e'], 'c is malformed, d holds the record of e');
    bus.deliver({ type: 'node', record: record('a', { demand: [[9, 0]] }) });
    assert.equal(sut.nodes().has('a'), false, 'its own record is not another node');
    bus.deliver({ type: 'node-gone', id: 'b' });
    assert.equal(sut.nodes().has('b'), false);
    assert.deepEqual(demands.at(-1), { node: 'b', demand: new Map() });
    await sut.beforeApplicationShutdown();
  });

  it('a node that stops removes its record, says so, and writes nothing more', async () => {
    const { sut, store, bus } = member('a');
    sut.onApplicationBootstrap();
    await settle();
    sut.setDemand(new Map<number, TickMode>([[1, 'ltp']]));
    await sut.beforeApplicationShutdown();
    assert.equal(store.records.has('a'), false);
    assert.deepEqual(bus.published.at(-1), { type: 'node-gone', id: 'a' });
    const writes = store.writes;
    mock.timers.tick(5000);
    await settle();
    assert.equal(store.writes, writes);
  });

  it('without Redis it writes and publishes nothing', async () => {
    const { sut, store, bus } = member('a', new FakeStore(), false);
    sut.onApplicationBootstrap();
    sut.setDemand(new Map<number, TickMode>([[1, 'ltp']]));
    mock.timers.tick(5000);
    await settle();
    await sut.beforeApplicationShutdown();
    assert.equal(store.writes, 0);
    assert.equal(bus.published.length, 0);
  });
});

describe('ClusterUsageView: what a user holds on the other nodes', () => {
  beforeEach(() =>
    mock.timers.enable({ apis: ['Date', 'setTimeout', 'setInterval'], now: 1_800_000_000_000 }),
  );
  afterEach(() => mock.timers.reset());

  it("sums a user's connections and unions their instruments over the other nodes' records", async () => {
    const store = new FakeStore();
    const { sut, events } = member('a', store);
    const view = new ClusterUsageView(sut, events);
    view.onApplicationBootstrap();
    await plant(store, record('b', { usage: [{ sub: 'u1', connections: 2, instruments: [1, 2] }] }));
    const c = [
      { sub: 'u1', connections: 1, instruments: [2, 3] },
      { sub: 'u2', connections: 1, instruments: [] },
    ];
    await plant(store, record('c', { usage: c }));
    sut.onApplicationBootstrap();
    await settle();
    events.emit('usage.changed', {
      origin: 'a',
      users: [{ sub: 'u1', connections: 5, instruments: [7] }],
    });
    const u1 = view.elsewhere('u1');
    assert.equal(u1.connections, 3, "this node's own 5 are not elsewhere");
    assert.deepEqual([...u1.instruments].sort(), [1, 2, 3]);
    assert.deepEqual(view.elsewhere('u2'), { connections: 1, instruments: new Set() });
    assert.deepEqual(view.elsewhere('u3'), { connections: 0, instruments: new Set() });
    await sut.beforeApplicationShutdown();
    view.onApplicationShutdown();
  });

  it("hands this node's own usage, kept whole, to its record within 100 ms", async () => {
    const { sut, store, events } = member('a');
    const view = new ClusterUsageView(sut, events);
    view.onApplicationBootstrap();
    sut.onApplicationBootstrap();
    await settle();
    events.emit('usage.changed', {
      origin: 'a',
      users: [
        { sub: 'u1', connections: 2, instruments: [1] },
        { sub: 'u2', connections: 1, instruments: [4] },
      ],
    });
    events.emit('usage.changed', { origin: 'a', users: [{ sub: 'u2', connections: 0, instruments: [] }] });
    mock.timers.tick(100);
    await settle();
    const mine = store.record('a')!;
    assert.deepEqual(mine.usage, [{ sub: 'u1', connections: 2, instruments: [1] }], 'u2 left');
    assert.equal(mine.clients, 2);
    await sut.beforeApplicationShutdown();
    view.onApplicationShutdown();
  });
});
