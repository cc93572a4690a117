import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { MetricsService } from '../metrics/metrics.service.js';
import {
  parseBusMessage,
  type BusMessage,
  type BusMessageKind,
  type BusMessageOf,
} from './bus-messages.contract.js';
import { RedisClients } from './redis-clients.js';

const FRAME_VERSION = 1;

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
 * doPublish/onRawMessage: binary Kite frames exactly as Kite sent them (with the publisher's node id
 * and fencing number in a small header), and JSON messages (the `BusMessage` union). I/O and the
 * one check at the door: a frame or message that is not one of ours is dropped here and counted in
 * kite_relay_bus_messages_dropped_total{channel,reason}; listeners only ever see typed messages.
 */
@Injectable()
export class ClusterBus implements OnModuleInit, OnApplicationShutdown {
  private readonly frameListeners = new Set<FrameListener>();
  private readonly messageListeners = new Map<BusMessageKind, Set<(msg: BusMessage) => void>>();
  private readonly dropped;
  private readonly onBuffer = (channel: Buffer, message: Buffer) =>
    this.dispatch(channel.toString(), message);

  constructor(
    private readonly redis: RedisClients,
    metrics: MetricsService,
  ) {
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

  /** Publishes a frame; resolves false when Redis did not take it (the caller's own clients are served locally). */
  async publishFrame(nodeId: string, fencing: number, frame: Buffer): Promise<boolean> {
    const id = Buffer.from(nodeId, 'utf8');
    const header = Buffer.allocUnsafe(10 + id.length);
    header.writeUInt8(FRAME_VERSION, 0);
    header.writeDoubleBE(fencing, 1);
    header.writeUInt8(id.length, 9);
    id.copy(header, 10);
    return this.publish(this.framesChannel, Buffer.concat([header, frame]));
  }

  async publishMessage(msg: BusMessage): Promise<boolean> {
    return this.publish(this.messagesChannel, Buffer.from(JSON.stringify(msg), 'utf8'));
  }

  private async publish(channel: string, payload: Buffer): Promise<boolean> {
    const client = this.redis.command;
    if (!client || !this.redis.up) return false;
    try {
      await client.publish(channel, payload);
      return true;
    } catch {
      return false;
    }
  }

  private dispatch(channel: string, message: Buffer): void {
    if (channel === this.framesChannel) {
      const f = decodeBusFrame(message);
      if (!f) return this.dropped.inc({ channel: 'frames', reason: 'malformed' });
      for (const fn of this.frameListeners) fn(f);
    } else if (channel === this.messagesChannel) {
      const parsed = parseBusMessage(message.toString('utf8'));
      if (!parsed.ok) return this.dropped.inc({ channel: 'messages', reason: parsed.reason });
      const set = this.messageListeners.get(parsed.message.type);
      for (const fn of set ?? []) fn(parsed.message);
    }
  }
}

/** The inverse of the frame header; undefined for anything that is not one of ours. */
export function decodeBusFrame(message: Buffer): BusFrame | undefined {
  if (message.length < 10 || message.readUInt8(0) !== FRAME_VERSION) return undefined;
  const idLength = message.readUInt8(9);
  if (message.length < 10 + idLength) return undefined;
  const fencing = message.readDoubleBE(1);
  if (!Number.isFinite(fencing)) return undefined;
  return {
    fencing,
    nodeId: message.toString('utf8', 10, 10 + idLength),
    frame: message.subarray(10 + idLength),
  };
}
