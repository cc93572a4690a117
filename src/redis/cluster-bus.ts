import { Injectable, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { RedisClients } from './redis-clients.js';

const FRAME_VERSION = 1;

/** A raw Kite frame as it crossed the bus: who published it, under which tenure. */
export interface BusFrame {
  nodeId: string;
  fencing: number;
  frame: Buffer;
}

type FrameListener = (f: BusFrame) => void;
type MessageListener = (msg: Record<string, unknown>) => void;

/**
 * Redis pub/sub between the nodes of a cluster, shaped like socket.io-redis-adapter's
 * doPublish/onRawMessage: binary Kite frames exactly as Kite sent them (with the publisher's node id
 * and fencing number in a small header), and JSON messages (cluster events, node records). I/O
 * only; a malformed message is dropped and counted by the caller's `onMalformed`.
 */
@Injectable()
export class ClusterBus implements OnModuleInit, OnApplicationShutdown {
  private readonly frameListeners = new Set<FrameListener>();
  private readonly messageListeners = new Set<MessageListener>();
  private malformed = 0;
  private readonly onBuffer = (channel: Buffer, message: Buffer) =>
    this.dispatch(channel.toString(), message);

  constructor(private readonly redis: RedisClients) {}

  private get framesChannel(): string {
    return this.redis.key('bus:frames');
  }

  private get messagesChannel(): string {
    return this.redis.key('bus:messages');
  }

  /** Messages dropped as malformed so far. */
  get malformedCount(): number {
    return this.malformed;
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

  onMessage(fn: MessageListener): () => void {
    this.messageListeners.add(fn);
    return () => this.messageListeners.delete(fn);
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

  async publishMessage(msg: Record<string, unknown>): Promise<boolean> {
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
      if (!f) return void this.malformed++;
      for (const fn of this.frameListeners) fn(f);
    } else if (channel === this.messagesChannel) {
      let msg: unknown;
      try {
        msg = JSON.parse(message.toString('utf8'));
      } catch {
        return void this.malformed++;
      }
      if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return void this.malformed++;
      for (const fn of this.messageListeners) fn(msg as Record<string, unknown>);
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
