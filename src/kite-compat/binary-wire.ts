import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import type { PacketSink } from './subscription-groups.js';

/**
 * One unmasked, final WebSocket binary frame (RFC 6455 §5.2: server frames are not masked) holding
 * `payload`, header and payload in one buffer: one write and one iovec per frame.
 */
export function binaryFrame(payload: Buffer): Buffer {
  const n = payload.length;
  const head = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const out = Buffer.allocUnsafe(head + n);
  out[0] = 0x82;
  if (head === 2) {
    out[1] = n;
  } else if (head === 4) {
    out[1] = 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(n), 2);
  }
  payload.copy(out, head);
  return out;
}

/**
 * A Kite client's socket as the packet fan-out writes to it: binary frames go straight to the TCP
 * socket in one write each instead of through `ws`'s sender (two writes, a writev of two buffers,
 * about a quarter of the CPU of a write; measured in docs/benchmarks.md). The connection is `ws`'s
 * in every other way: text frames, pings, close. Without permessage-deflate `ws` writes
 * synchronously, so frames from both never interleave. Nothing is written once the socket is not open.
 */
export class BinaryWire implements PacketSink {
  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Duplex,
  ) {}

  get bufferedAmount(): number {
    return this.ws.bufferedAmount;
  }

  send(payload: Buffer): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    this.socket.write(binaryFrame(payload));
  }
}
