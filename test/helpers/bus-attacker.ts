import { Redis } from 'ioredis';
import { encodeFrame } from '../../src/kite/encode-frame.js';
import { sealEnvelope } from '../../src/redis/bus-envelope.js';
import { deriveClusterKey } from '../../src/redis/cluster-mac.js';

export const PREFIX = 'kite-relay:';
export const FRAMES = `${PREFIX}bus:frames`;
export const MESSAGES = `${PREFIX}bus:messages`;

/** One LTP tick at a price the simulator never reaches: a forged tick is told apart by it. */
export function forgedFrame(token: number, price: number): Buffer {
  return encodeFrame([{ tick: { instrument_token: token, mode: 'ltp', tradable: true, last_price: price } }]);
}

/** The frame header before the bus was signed: version 1, fencing, node id. */
export function unsignedFrame(fencing: number, nodeId: string, frame: Buffer): Buffer {
  const id = Buffer.from(nodeId);
  const h = Buffer.alloc(10 + id.length);
  h.writeUInt8(1, 0);
  h.writeDoubleBE(fencing, 1);
  h.writeUInt8(id.length, 9);
  id.copy(h, 10);
  return Buffer.concat([h, frame]);
}

/**
 * Someone who can write to the deployment's Redis: publishes raw bus input and plants keys. With
 * `secret` it also holds the cluster key (a buggy or compromised node).
 */
export class BusAttacker {
  readonly redis: Redis;
  private seq = 0;

  constructor(port: number) {
    this.redis = new Redis({ host: '127.0.0.1', port, lazyConnect: false });
  }

  signed(secret: string, channel: string, nodeId: string, body: Buffer): Buffer {
    const envelope = { nodeId, boot: 1, seq: ++this.seq, sentAt: Date.now(), body };
    return sealEnvelope(deriveClusterKey(secret), channel, envelope);
  }

  signedFrame(secret: string, nodeId: string, fencing: number, frame: Buffer): Buffer {
    const body = Buffer.alloc(8 + frame.length);
    body.writeDoubleBE(fencing, 0);
    frame.copy(body, 8);
    return this.signed(secret, FRAMES, nodeId, body);
  }

  async publish(channel: string, payload: Buffer | string): Promise<void> {
    await this.redis.publish(channel, payload);
  }

  /** The next raw message on `channel` (to replay it). */
  async capture(channel: string): Promise<Buffer> {
    const sub = this.redis.duplicate();
    await sub.subscribe(channel);
    const raw = await new Promise<Buffer>((r) => sub.once('messageBuffer', (_c: Buffer, m: Buffer) => r(m)));
    sub.disconnect();
    return raw;
  }

  close(): void {
    this.redis.disconnect();
  }
}

/** The value of one counter series in a node's /metrics text (0 when absent). */
export async function counter(url: string, series: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`kite_relay_${series} `));
  return line ? Number(line.split(' ')[1]) : 0;
}
