import type { Counter } from 'prom-client';
import type { Socket } from 'socket.io';
import type { UserLimitsService } from './user-limits.service.js';

/** A handshake refused: counted by reason, answered with the reason as the connect error. */
export function refusal(refused: Counter, reason: string): Error {
  refused.inc({ reason });
  return new Error(reason);
}

/** Each admitted connection's 'close' listener, until its socket connects (a weak entry: none stays). */
const releases = new WeakMap<Socket['conn'], () => void>();

/**
 * A socket whose transport closes between its admission and its connection gives its place back
 * (Socket.IO then never reports a disconnect). Made here, not in the handshake middleware: a closure
 * made there would keep the middleware's whole context (its `next` among it) alive.
 */
export function releaseOnClose(conn: Socket['conn'], id: string, limits: UserLimitsService): void {
  const release = () => limits.disconnect(id);
  releases.set(conn, release);
  conn.once('close', release);
}

/** The socket connected: its disconnect gives the place back from now on, so the listener goes. */
export function cancelReleaseOnClose(conn: Socket['conn']): void {
  const release = releases.get(conn);
  if (!release) return;
  releases.delete(conn);
  conn.off('close', release);
}
