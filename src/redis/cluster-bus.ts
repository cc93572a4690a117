import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { randomInt } from 'node:crypto';
import { AppConfigService } from '../config/app-config.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { openEnvelope, sealEnvelope } from './bus-envelope.js';
import {
  parseBusMessage,
  senderOf,
  type BusMessage,
  type BusMessageKind,
  type BusMessageOf,
} from './bus-messages.contract.js';
import { ClusterKey } from './cluster-key.js';
import { RedisClients } from './redis-clients.js';
import { ReplayGuard } from './replay-guard.js';
import { ADAPTER_KEY } from './redis-channels.js';
import { signedAdapterClients } from './signed-adapter-clients.js';

/** A raw Kite frame as it crossed the bus: who published it, under which tenure. */
export interface BusFrame {
  nodeId: string;
  fencing: number;
  frame: Buffer;
}

type FrameListener = (f: BusFrame) => void;
type MessageListener<K extends BusMessageKind> = (msg: BusMessageOf<K>) => void;

/**
 * Redis pub/sub between the nodes of a cluster, shaped like socket.io-redis-adapter's
 * doPublish/onRawMessage: binary Kite frames exactly as Kite sent them (with the publisher's
 * fencing number), and JSON messages (the `BusMessage` union), each in a signed envelope
 * (`bus-envelope.ts`: HMAC-SHA256 under the cluster key, the sender, its sequence). I/O and the one
 * check at the door: anything unsigned, badly signed, replayed or not valid is dropped here and
 * counted in kite_relay_bus_messages_dropped_total{channel,reason}; listeners see typed messages only.
 */
@Injectable()
export class ClusterBus implements OnModuleInit, OnApplicationShutdown {
  private readonly frameListeners = new Set<FrameListener>();
  private readonly messageListeners = new Map<BusMessageKind, Set<(msg: BusMessage) => void>>();
  private readonly dropped;
  private readonly nodeId: string;
  private readonly boot = randomInt(2 ** 32);
  private seq = 0;
  private readonly replays = new ReplayGuard();
  private readonly onBuffer = (channel: Buffer, message: Buffer) =>
    this.dispatch(channel.toString(), message);

  constructor(
    private readonly redis: RedisClients,
    private readonly clusterKey: ClusterKey,
    config: AppConfigService,
    metrics: MetricsService,
  ) {
    this.nodeId = config.values.nodeId;
    this.dropped = metrics.counter(
      'bus_messages_dropped_total',
      'Cluster bus frames and messages dropped at the door (not ours, or not valid)',
      ['channel', 'reason'],
    );
  }

  private get framesChannel(): string {
    return this.redis.key('bus:frames');
  }

  private get messagesChannel(): string {
    return this.redis.key('bus:messages');
  }

  async onModuleInit(): Promise<void> {
    const sub = this.redis.subscriber;
    if (!sub) return;
    sub.on('messageBuffer', this.onBuffer);
    // Queued until the subscriber is connected, and renewed by ioredis after every reconnect; it only
    // rejects when the connection is closed for good (shutdown).
    await sub.subscribe(this.framesChannel, this.messagesChannel).catch(() => undefined);
  }

  onApplicationShutdown(): void {
    this.redis.subscriber?.off('messageBuffer', this.onBuffer);
  }

  onFrame(fn: FrameListener): () => void {
    this.frameListeners.add(fn);
    return () => this.frameListeners.delete(fn);
  }

  /** Listens to one kind of message; returns the function that stops listening. */
  onMessage<K extends BusMessageKind>(kind: K, fn: MessageListener<K>): () => void {
    let set = this.messageListeners.get(kind);
    if (!set) this.messageListeners.set(kind, (set = new Set()));
    // Dispatch hands each listener only messages of its own kind.
    const untyped = fn as (msg: BusMessage) => void;
    set.add(untyped);
    return () => set.delete(untyped);
  }

  /**
   * The clients for the Socket.IO Redis adapter, its messages signed and checked as the bus's own
   * are (counted under channel "adapter"); undefined without Redis.
   */
  adapterClients(): { pub: Redis; sub: Redis } | undefined {
    const { command, subscriber } = this.redis;
    if (!command || !subscriber) return undefined;
    const drop = (reason: string) => this.dropped.inc({ channel: 'adapter', reason });
    return signedAdapterClients(command, subscriber, {
      key: this.clusterKey.key,
      nodeId: this.nodeId,
      channelPrefix: this.redis.key(ADAPTER_KEY),
      dropped: drop,
      publishFailed: () => drop('not_published'),
      subscribeFailed: () => drop('not_subscribed'),
    });
  }

  /** Publishes a frame; resolves false when Redis did not take it (the caller's own clients are served locally). */
  async publishFrame(fencing: number, frame: Buffer): Promise<boolean> {
    const body = Buffer.allocUnsafe(8 + frame.length);
    body.writeDoubleBE(fencing, 0);
    frame.copy(body, 8);
    return this.publish(this.framesChannel, body);
  }

  async publishMessage(msg: BusMessage): Promise<boolean> {
    return this.publish(this.messagesChannel, Buffer.from(JSON.stringify(msg), 'utf8'));
  }

  private async publish(channel: string, body: Buffer): Promise<boolean> {
    const client = this.redis.command;
    if (!client || !this.redis.up) return false;
    // Sealed and sent in the same turn, so the sequence reaches Redis in order.
    const envelope = { nodeId: this.nodeId, boot: this.boot, seq: ++this.seq, sentAt: Date.now(), body };
    try {
      await client.publish(channel, sealEnvelope(this.clusterKey.key, channel, envelope));
      return true;
    } catch {
      return false;
    }
  }

  private dispatch(channel: string, raw: Buffer): void {
    const name =
      channel === this.framesChannel ? 'frames' : channel === this.messagesChannel ? 'messages' : '';
    if (!name) return;
    const drop = (reason: string) => this.dropped.inc({ channel: name, reason });
    const opened = openEnvelope(this.clusterKey.key, channel, raw);
    if (!opened.ok) return drop(opened.reason);
    const { envelope } = opened;
    const fresh = this.replays.check(envelope, Date.now());
    if (fresh !== 'ok') return drop(fresh);
    if (name === 'frames') {
      const f = frameOf(envelope.nodeId, envelope.body);
      if (!f) return drop('invalid');
      for (const fn of this.frameListeners) fn(f);
    } else {
      const parsed = parseBusMessage(envelope.body.toString('utf8'));
      if (!parsed.ok) return drop(parsed.reason);
      if (senderOf(parsed.message) !== envelope.nodeId) return drop('wrong_sender');
      const set = this.messageListeners.get(parsed.message.type);
      for (const fn of set ?? []) fn(parsed.message);
    }
  }
}

/** A frame's body: its fencing number, then the Kite frame as Kite sent it. */
function frameOf(nodeId: string, body: Buffer): BusFrame | undefined {
  if (body.length < 8) return undefined;
  const fencing = body.readDoubleBE(0);
  if (!Number.isFinite(fencing)) return undefined;
  return { nodeId, fencing, frame: body.subarray(8) };
}
