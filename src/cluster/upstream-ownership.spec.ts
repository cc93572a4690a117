import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import assert from 'node:assert/strict';
import type { AppConfigService } from '../config/app-config.service.js';
import { RelayEvents } from '../events/relay-events.js';
import type { LeaseHolder, LeaseRepository, RenewResult } from '../redis/lease.repository.js';
import type { RedisClients } from '../redis/redis-clients.js';
import { UpstreamOwnership, type OwnershipState } from './upstream-ownership.js';

/** A lease in memory, with an outage switch: the shape of LeaseRepository, with Redis' rules. */
class FakeLease {
  holder?: { nodeId: string; fencing: number; expiresAt: number };
  fencing = 100;
  down = false;
  readonly calls: string[] = [];
  private check(call: string) {
    this.calls.push(call);
    if (this.down) throw new Error('Connection is closed.');
    if (this.holder && this.holder.expiresAt <= Date.now()) this.holder = undefined;
  }
  async acquire(nodeId: string, ttlMs: number): Promise<number | null> {
    this.check('acquire');
    if (this.holder) return null;
    this.holder = { nodeId, fencing: ++this.fencing, expiresAt: Date.now() + ttlMs };
    return this.fencing;
  }
  async renew(nodeId: string, fencing: number, ttlMs: number): Promise<RenewResult> {
    this.check('renew');
    if (!this.holder) {
      this.holder = { nodeId, fencing, expiresAt: Date.now() + ttlMs };
      return 'reestablished';
    }
    if (this.holder.nodeId !== nodeId || this.holder.fencing !== fencing) return 'lost';
    this.holder.expiresAt = Date.now() + ttlMs;
    return 'renewed';
  }
  async release(nodeId: string, fencing: number): Promise<boolean> {
    this.check('release');
    if (this.holder?.nodeId !== nodeId || this.holder.fencing !== fencing) return false;
    this.holder = undefined;
    return true;
  }
  async read(): Promise<LeaseHolder | null> {
    this.check('read');
    const h = this.holder;
    return h ? { nodeId: h.nodeId, fencing: h.fencing, ttlMs: h.expiresAt - Date.now() } : null;
  }
}

const config = (nodeId: string) =>
  ({ values: { nodeId, leaseTtlMs: 5000, leaseRenewMs: 1500 } }) as unknown as AppConfigService;

function node(nodeId: string, lease: FakeLease, configured = true) {
  const events = new RelayEvents();
  const seen: OwnershipState[] = [];
  events.on('ownership.changed', (s) => seen.push(s));
  const redis = { configured } as RedisClients;
  const sut = new UpstreamOwnership(config(nodeId), redis, lease as unknown as LeaseRepository, events);
  return { sut, events, seen };
}

describe('UpstreamOwnership: who holds the upstream', () => {
  beforeEach(() => mock.timers.enable({ apis: ['Date', 'setTimeout'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  it('without Redis a node is standalone and holds the upstream itself', () => {
    const { sut } = node('a', new FakeLease(), false);
    assert.equal(sut.state.role, 'standalone');
    assert.equal(sut.mayHoldUpstream, true);
  });

  it('the first node takes the lease with a fencing number; a second follows and knows the holder', async () => {
    const lease = new FakeLease();
    const a = node('a', lease);
    const b = node('b', lease);
    assert.equal(a.sut.mayHoldUpstream, false, 'nobody holds before the first round');
    assert.equal(await a.sut.poll(), 1500);
    assert.deepEqual(a.sut.state, { role: 'holder', holder: 'a', fencing: 101, redisUp: true });
    await b.sut.poll();
    assert.deepEqual(b.sut.state, { role: 'follower', holder: 'a', fencing: 101, redisUp: true });
    assert.equal(b.sut.mayHoldUpstream, false);
  });

  it('a follower polls again right when the lease runs out, and takes it with a higher fencing number', async () => {
    const lease = new FakeLease();
    const a = node('a', lease);
    const b = node('b', lease);
    await a.sut.poll();
    mock.timers.tick(4000); // a dies after its last renewal at t=0: 1 s of lease left
    assert.equal(await b.sut.poll(), 1005, 'waits for the expiry (+5 ms), not a whole round');
    mock.timers.tick(1005);
    await b.sut.poll();
    assert.equal(b.sut.state.role, 'holder');
    assert.ok(b.sut.state.fencing! > 101);
  });

  it('a holder whose lease was taken becomes a follower at once (and so closes its upstream)', async () => {
    const lease = new FakeLease();
    const a = node('a', lease);
    await a.sut.poll();
    lease.holder = { nodeId: 'b', fencing: 500, expiresAt: Date.now() + 5000 };
    await a.sut.poll();
    assert.deepEqual(a.sut.state, { role: 'follower', holder: 'b', fencing: 500, redisUp: true });
    assert.deepEqual(
      a.seen.map((s) => s.role),
      ['holder', 'follower'],
    );
  });

  it('Redis unreachable: the holder keeps the upstream; a follower cannot take anything', async () => {
    const lease = new FakeLease();
    const a = node('a', lease);
    const b = node('b', lease);
    await a.sut.poll();
    await b.sut.poll();
    lease.down = true;
    assert.equal(await a.sut.poll(), 500, 'retries sooner while Redis is away');
    await b.sut.poll();
    assert.deepEqual(a.sut.state, { role: 'holder', holder: 'a', fencing: 101, redisUp: false });
    assert.equal(a.sut.mayHoldUpstream, true);
    assert.equal(b.sut.state.role, 'follower');
    assert.equal(b.sut.state.redisUp, false);
  });

  it('Redis back without its data: the holder takes its lease back with the same fencing; followers wait one renewal first', async () => {
    const lease = new FakeLease();
    const a = node('a', lease);
    const b = node('b', lease);
    await a.sut.poll();
    await b.sut.poll();
    lease.down = true;
    await a.sut.poll();
    await b.sut.poll();
    lease.down = false;
    lease.holder = undefined; // restarted empty
    b.events.emit('redis.availability', { up: false });
    b.events.emit('redis.availability', { up: true });
    await b.sut.poll();
    assert.equal(b.sut.state.role, 'follower', 'b leaves a its renewal');
    assert.equal(lease.calls.filter((c) => c === 'acquire').length, 1, 'only a’s first acquire');
    await a.sut.poll();
    assert.deepEqual(a.sut.state, { role: 'holder', holder: 'a', fencing: 101, redisUp: true });
    mock.timers.tick(2000);
    await b.sut.poll();
    assert.deepEqual(b.sut.state, { role: 'follower', holder: 'a', fencing: 101, redisUp: true });
  });

  it('a graceful stop releases the lease at once: the follower takes it on its next round', async () => {
    const lease = new FakeLease();
    const a = node('a', lease);
    const b = node('b', lease);
    await a.sut.poll();
    await b.sut.poll();
    await a.sut.beforeApplicationShutdown();
    assert.equal(lease.holder, undefined);
    assert.equal(a.sut.state.role, 'follower');
    await b.sut.poll();
    assert.equal(b.sut.state.role, 'holder');
  });
});
