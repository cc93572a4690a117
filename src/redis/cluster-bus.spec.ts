import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { AppConfigService } from '../config/app-config.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { sealEnvelope } from './bus-envelope.js';
import type { BusMessage } from './bus-messages.contract.js';
import { ClusterBus, type BusFrame } from './cluster-bus.js';
import { ClusterKey } from './cluster-key.js';
import type { RedisClients } from './redis-clients.js';

const PREFIX = 'kite-relay:';
const MESSAGES = `${PREFIX}bus:messages`;
const FRAMES = `${PREFIX}bus:frames`;
const SECRET = 'cluster-bus-spec-secret-0123456789abcdef';

/** Redis pub/sub in memory: what any command connection publishes, every subscriber gets. */
class FakePubSub {
  private readonly subscribers: (EventEmitter & { channels: Set<string> })[] = [];
  clients(): RedisClients {
    const subscriber = Object.assign(new EventEmitter(), {
      channels: new Set<string>(),
      async subscribe(...channels: string[]) {
        for (const c of channels) subscriber.channels.add(c);
      },
    });
    this.subscribers.push(subscriber);
    const command = { publish: async (channel: string, body: Buffer) => this.publish(channel, body) };
    const clients = { configured: true, up: true, command, subscriber, key: (n: string) => PREFIX + n };
    return clients as unknown as RedisClients;
  }
  publish(channel: string, body: Buffer): number {
    const to = this.subscribers.filter((s) => s.channels.has(channel));
    for (const s of to) s.emit('messageBuffer', Buffer.from(channel), body);
    return to.length;
  }
}

async function node(pubsub: FakePubSub, nodeId: string) {
  const config = { values: { nodeId, sessionEncryptionKey: SECRET } } as unknown as AppConfigService;
  const metrics = new MetricsService();
  const key = new ClusterKey(config, metrics);
  const sut = new ClusterBus(pubsub.clients(), key, config, metrics);
  await sut.onModuleInit();
  const got: BusMessage[] = [];
  /** Which kind's listener heard each message. */
  const heard: string[] = [];
  const frames: BusFrame[] = [];
  for (const kind of ['feed', 'node', 'node-gone', 'event', 'order'] as const) {
    sut.onMessage(kind, (m) => {
      got.push(m);
      heard.push(kind);
    });
  }
  sut.onFrame((f) => frames.push(f));
  /** The series of bus_messages_dropped_total, as "channel/reason count". */
  const dropped = async () => {
    const m = await metrics.registry.getSingleMetric('kite_relay_bus_messages_dropped_total')!.get();
    return m.values.map((v) => `${v.labels.channel}/${v.labels.reason} ${v.value}`).sort();
  };
  return { sut, key, got, heard, frames, dropped };
}

/** Signed with the cluster key, as node `from` would sign it: only the body is wrong, if anything. */
let seq = 0;
function signed(key: Buffer, channel: string, from: string, body: string | Buffer): Buffer {
  const envelope = { nodeId: from, boot: 1, seq: ++seq, sentAt: Date.now(), body: Buffer.from(body) };
  return sealEnvelope(key, channel, envelope);
}

const feed = (node: string) => JSON.stringify({ type: 'feed', node, fencing: 3, state: 'LIVE' });

describe('ClusterBus: the one check of what enters from Redis', () => {
  it('carries a typed message and a frame from one node to the others, to listeners of that kind only', async () => {
    const pubsub = new FakePubSub();
    const a = await node(pubsub, 'node-0');
    const b = await node(pubsub, 'node-1');
    assert.equal(await a.sut.publishMessage({ type: 'node-gone', id: 'node-0' }), true);
    assert.equal(await a.sut.publishFrame(7, Buffer.from([0, 1, 0, 8])), true);
    assert.deepEqual(b.got, [{ type: 'node-gone', id: 'node-0' }]);
    assert.deepEqual(b.heard, ['node-gone']);
    assert.deepEqual(b.frames, [{ nodeId: 'node-0', fencing: 7, frame: Buffer.from([0, 1, 0, 8]) }]);
    assert.deepEqual(await b.dropped(), []);
  });

  it('drops a correctly signed message that is malformed, of an unknown kind, invalid, or speaks for another node, each counted under its reason', async () => {
    const pubsub = new FakePubSub();
    const b = await node(pubsub, 'node-1');
    const k = b.key.key;
    pubsub.publish(MESSAGES, signed(k, MESSAGES, 'node-0', '{"type":"feed",'));
    pubsub.publish(MESSAGES, signed(k, MESSAGES, 'node-0', '["feed"]'));
    pubsub.publish(MESSAGES, signed(k, MESSAGES, 'node-0', '{"type":"orders","node":"node-0"}'));
    pubsub.publish(MESSAGES, signed(k, MESSAGES, 'node-0', '{"type":"feed","node":"node-0","state":"UP"}'));
    pubsub.publish(MESSAGES, signed(k, MESSAGES, 'node-0', '{"type":"node-gone","id":"node-0/x"}'));
    pubsub.publish(MESSAGES, signed(k, MESSAGES, 'node-0', feed('node-1')));
    pubsub.publish(MESSAGES, signed(k, MESSAGES, 'node-0', '{"type":"node-gone","id":"node-2"}'));
    pubsub.publish(FRAMES, signed(k, FRAMES, 'node-0', Buffer.from([1, 2, 3])));
    assert.deepEqual(b.got, [], 'no listener saw any of them');
    assert.deepEqual(b.frames, []);
    assert.deepEqual(await b.dropped(), [
      'frames/invalid 1',
      'messages/invalid 2',
      'messages/malformed 2',
      'messages/unknown_kind 1',
      'messages/wrong_sender 2',
    ]);
    pubsub.publish(MESSAGES, signed(k, MESSAGES, 'node-0', feed('node-0')));
    assert.deepEqual(
      b.got,
      [{ type: 'feed', node: 'node-0', fencing: 3, state: 'LIVE' }],
      'the sender goes on',
    );
  });

  it('drops unsigned, badly signed and replayed input before it is read', async () => {
    const pubsub = new FakePubSub();
    const b = await node(pubsub, 'node-1');
    pubsub.publish(MESSAGES, Buffer.from(feed('node-0')));
    pubsub.publish(MESSAGES, signed(Buffer.alloc(32, 7), MESSAGES, 'node-0', feed('node-0')));
    // Signed for another channel:
    pubsub.publish(MESSAGES, signed(b.key.key, FRAMES, 'node-0', feed('node-0')));
    const genuine = signed(b.key.key, MESSAGES, 'node-0', feed('node-0'));
    pubsub.publish(MESSAGES, genuine);
    pubsub.publish(MESSAGES, genuine);
    assert.equal(b.got.length, 1, 'the genuine one once');
    assert.deepEqual(await b.dropped(), [
      'messages/bad_signature 2',
      'messages/replayed 1',
      'messages/unsigned 1',
    ]);
  });
});
