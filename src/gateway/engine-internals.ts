import type { Socket } from 'socket.io';

/**
 * The one read of engine.io's internals: the packets an engine.io socket holds for a client whose
 * transport cannot take them yet (`Socket.writeBuffer`, private in engine.io 6). Conflation for
 * slow clients depends on it; engine-internals.spec.ts fails loudly if an upgrade moves it.
 */
export function bufferedPackets(socket: Pick<Socket, 'conn'>): number {
  const buffer = (socket.conn as unknown as { writeBuffer?: unknown }).writeBuffer;
  return Array.isArray(buffer) ? buffer.length : 0;
}

/** Whether the engine.io socket still has the `writeBuffer` this module reads (checked by its spec). */
export function hasWriteBuffer(socket: Pick<Socket, 'conn'>): boolean {
  return Array.isArray((socket.conn as unknown as { writeBuffer?: unknown }).writeBuffer);
}
