import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { UpstreamOwnership } from '../cluster/upstream-ownership.js';
import type { AppConfigService } from '../config/app-config.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { ClusterBus } from '../redis/cluster-bus.js';
import type { RedisClients } from '../redis/redis-clients.js';
import { OrderUpdatesService } from './order-updates.service.js';
import type { OrderUpdate } from './order-update.js';

const order = {
  order_id: '251203000123456',
  status: 'OPEN',
  filled_quantity: 0,
  exchange_update_timestamp: null,
};
const frame = (data: unknown) => JSON.stringify({ type: 'order', data });

function setup(role: 'standalone' | 'holder' | 'follower', nodeId = 'n1') {
  const published: Record<string, unknown>[] = [];
  let busListener: (msg: Record<string, unknown>) => void = () => undefined;
  const ownership = { state: { role, fencing: role === 'standalone' ? null : 7 } };
  const bus = {
    // The bus validates kinds where a message enters; the service subscribes to `order` alone.
    onMessage(kind: string, fn: (msg: Record<string, unknown>) => void) {
      assert.equal(kind, 'order');
      busListener = fn;
      return () => undefined;
    },
    publishMessage(msg: Record<string, unknown>) {
      published.push(msg);
      return Promise.resolve(true);
    },
  };
  const metrics = new MetricsService();
  const sut = new OrderUpdatesService(
    { values: { nodeId } } as unknown as AppConfigService,
    ownership as unknown as UpstreamOwnership,
    bus as unknown as ClusterBus,
    { configured: role !== 'standalone' } as unknown as RedisClients,
    metrics,
  );
  sut.onModuleInit();
  const got: OrderUpdate[] = [];
  sut.onOrder((u) => got.push(u));
  const count = async (name: string) =>
    (await metrics.registry.getSingleMetric(`kite_relay_${name}`)?.get())?.values[0]?.value ?? 0;
  return { sut, got, published, ownership, fromBus: (m: Record<string, unknown>) => busListener(m), count };
}

describe('OrderUpdatesService', () => {
  it('standalone: each update once, verbatim; the same update on a second shard is dropped and counted', async () => {
    const { sut, got, published, count } = setup('standalone');
    const raw = frame(order);
    sut.fromUpstream(raw, order);
    sut.fromUpstream(frame(order), { ...order });
    assert.equal(got.length, 1);
    assert.equal(got[0].raw, raw);
    assert.deepEqual(got[0].data, order);
    assert.equal(published.length, 0, 'nothing on a bus without a cluster');
    assert.equal(await count('order_updates_forwarded_total'), 1);
    assert.equal(await count('order_updates_repeats_dropped_total'), 1);
  });

  it('the holder publishes each first-seen update once, raw, with its node and fencing', () => {
    const { sut, got, published } = setup('holder');
    sut.fromUpstream(frame(order), order);
    sut.fromUpstream(frame(order), order);
    assert.equal(got.length, 1);
    assert.deepEqual(published, [{ type: 'order', node: 'n1', fencing: 7, raw: frame(order) }]);
  });

  it("a follower delivers the holder's update once, ignores its own node's, and after a takeover replays nothing", () => {
    const { sut, got, published, ownership, fromBus } = setup('follower');
    const msg = { type: 'order', node: 'n0', fencing: 7, raw: frame(order) };
    fromBus(msg);
    fromBus(msg);
    fromBus({ ...msg, node: 'n1', raw: frame({ ...order, status: 'COMPLETE' }) });
    assert.equal(got.length, 1);
    assert.equal(got[0].raw, msg.raw);
    ownership.state = { role: 'holder', fencing: 8 };
    sut.fromUpstream(frame(order), order);
    assert.equal(got.length, 1, 'an update this node already delivered is not delivered again');
    assert.equal(published.length, 0, 'nor published again');
  });

  it('malformed input is dropped and counted; a throwing listener keeps the update from nobody else', async () => {
    const { sut, got, fromBus, count } = setup('follower');
    sut.fromUpstream(frame('not an order'), 'not an order');
    sut.fromUpstream(frame({ status: 'OPEN' }), { status: 'OPEN' });
    sut.fromUpstream(frame([order]), [order]);
    sut.fromUpstream('x'.repeat(70_000), order);
    fromBus({ type: 'order', node: 'n0', raw: '{"type":"order","data":' });
    sut.malformed('upstream');
    assert.equal(await count('order_updates_malformed_total'), 6);
    assert.equal(got.length, 0);
    sut.onOrder(() => {
      throw new Error('boom');
    });
    const late: OrderUpdate[] = [];
    sut.onOrder((u) => late.push(u));
    sut.fromUpstream(frame(order), order);
    assert.equal(late.length, 1);
  });
});
