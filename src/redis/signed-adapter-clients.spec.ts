import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { createAdapter } from '@socket.io/redis-adapter';
import type { Namespace } from 'socket.io';
import { deriveClusterKey } from './cluster-mac.js';
import { signedAdapterClients } from './signed-adapter-clients.js';

const KEY = deriveClusterKey('adapter-spec-secret-0123456789abcdef012345');
const PREFIX = 'kr:socket.io';
const REQUESTS = `${PREFIX}-request#/market#`;

/** A stand-in for ioredis: publish is recorded (or refused), messages are emitted by the test. */
class FakeRedis extends EventEmitter {
  readonly published: { channel: string; message: Buffer }[] = [];
  readonly subscribed: string[] = [];
  refuse?: Error;
  publish(channel: string, message: Buffer): Promise<number> {
    if (this.refuse) return Promise.reject(this.refuse);
    this.published.push({ channel, message });
    return Promise.resolve(1);
  }
  subscribe(...channels: unknown[]): Promise<number> {
    return this.command('subscribe', channels);
  }
  psubscribe(...patterns: unknown[]): Promise<number> {
    return this.command('psubscribe', patterns);
  }
  unsubscribe(...channels: unknown[]): Promise<number> {
    return this.command('unsubscribe', channels);
  }
  punsubscribe(...patterns: unknown[]): Promise<number> {
    return this.command('punsubscribe', patterns);
  }
  private command(name: string, args: unknown[]): Promise<number> {
    if (this.refuse) return Promise.reject(this.refuse);
    this.subscribed.push(`${name} ${args.flat().join(' ')}`);
    return Promise.resolve(1);
  }
}

function pair(key = KEY) {
  const pub = new FakeRedis();
  const sub = new FakeRedis();
  const drops: string[] = [];
  const clients = signedAdapterClients(pub as unknown as Redis, sub as unknown as Redis, {
    key,
    nodeId: 'node-a',
    channelPrefix: PREFIX,
    dropped: (r) => drops.push(r),
    publishFailed: () => drops.push('not_published'),
    subscribeFailed: () => drops.push('not_subscribed'),
  });
  return { raw: pub, drops, pub: clients.pub, sub: clients.sub, rawSub: sub };
}

describe('signedAdapterClients', () => {
  it("what one node publishes, another's adapter listeners get as the adapter's own bytes, once per message", async () => {
    const a = pair();
    const b = pair();
    await a.pub.publish(REQUESTS, '{"type":6,"data":["x"]}');
    const sent = a.raw.published[0];
    assert.notEqual(sent.message[0], 0x7b, 'sealed, not the bare JSON');
    const heard: string[][] = [[], []];
    // Two namespaces' adapters listen on one connection.
    for (const list of heard) b.sub.on('messageBuffer', (_c: Buffer, m: Buffer) => list.push(m.toString()));
    b.sub.emit('messageBuffer', Buffer.from(sent.channel), sent.message);
    assert.deepEqual(heard, [['{"type":6,"data":["x"]}'], ['{"type":6,"data":["x"]}']]);
    assert.deepEqual(b.drops, []);
    // The same message again (a replay) reaches nobody.
    b.sub.emit('messageBuffer', Buffer.from(sent.channel), Buffer.from(sent.message));
    assert.deepEqual(b.drops, ['replayed']);
    assert.equal(heard[0].length, 1);
  });

  it('unsigned, badly signed and re-addressed messages are dropped and counted; other channels are not the adapter’s', async () => {
    const a = pair(deriveClusterKey('another-deployment-secret-0123456789abcdef'));
    const b = pair();
    const heard: Buffer[] = [];
    b.sub.on('pmessageBuffer', (_p: Buffer, _c: Buffer, m: Buffer) => heard.push(m));
    const broadcast = Buffer.from(`${PREFIX}#/market#`);
    b.sub.emit('pmessageBuffer', Buffer.from('p'), broadcast, Buffer.from('{"forged":true}'));
    await a.pub.publish(`${PREFIX}#/market#`, Buffer.from([1, 2, 3]));
    b.sub.emit('pmessageBuffer', Buffer.from('p'), broadcast, a.raw.published[0].message);
    const own = pair();
    await own.pub.publish(REQUESTS, 'for the request channel');
    b.sub.emit('pmessageBuffer', Buffer.from('p'), broadcast, own.raw.published[0].message);
    b.sub.emit('pmessageBuffer', Buffer.from('p'), Buffer.from('kr:bus:frames'), Buffer.from('x'));
    assert.deepEqual(heard, []);
    assert.deepEqual(b.drops, ['unsigned', 'bad_signature', 'bad_signature']);
  });

  it('a publish Redis refuses (NOPERM after an ACL change) is counted and never rejects', async () => {
    const a = pair();
    a.raw.refuse = new Error(
      'NOPERM this user has no permissions to access one of the channels used as arguments',
    );
    assert.equal(await a.pub.publish(REQUESTS, 'x'), 0);
    assert.deepEqual(a.drops, ['not_published']);
  });

  it("the adapter's own unawaited (un)subscribes, refused by a closed connection, are counted and never reject unhandled", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const b = pair();
      const nsp = { name: '/market', server: { encoder: {} } } as unknown as Namespace;
      const adapter = createAdapter(b.pub, b.sub, { key: PREFIX })(nsp);
      assert.deepEqual(b.rawSub.subscribed, [
        `psubscribe ${PREFIX}#/market#*`,
        `subscribe ${PREFIX}-request#/market# ${PREFIX}-response#/market# ${PREFIX}-response#/market#${(adapter as unknown as { uid: string }).uid}#`,
      ]);
      b.rawSub.refuse = new Error('Connection is closed.');
      void adapter.close();
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(b.drops, ['not_subscribed', 'not_subscribed']);
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('off removes the listener the adapter added', () => {
    const b = pair();
    const fn = () => assert.fail('removed');
    b.sub.on('messageBuffer', fn);
    b.sub.off('messageBuffer', fn);
    assert.equal(b.sub.listenerCount('messageBuffer'), 0);
  });
});
