import type { Counter } from 'prom-client';
import type { Socket } from 'socket.io';
import type { UserLimitsService } from './user-limits.service.js';

type Handshake = Socket['handshake'];

const NO_AUTH: Record<string, never> = Object.freeze({});
const NO_HEADERS: Handshake['headers'] = Object.freeze({});

/**
 * What a connected socket's handshake keeps once it is authenticated: no `auth` (the token is read
 * once) and no headers (among them the dashboard's session cookie or a bearer token). Nothing
 * reads them after the handshake, and the Redis adapter's fetchSockets() publishes each socket's
 * handshake to the other nodes, so whatever it keeps crosses Redis. One shared empty object
 * instead of a copy of the headers without the credentials: an idle client holds ~300 bytes less.
 * The request itself is not touched (its headers object is replaced on the handshake, not edited).
 */
export function forgetCredentials(handshake: Handshake): void {
  handshake.auth = NO_AUTH;
  handshake.headers = NO_HEADERS;
}

/** A handshake refused: counted by reason, answered with the reason as the connect error. */
export function refusal(refused: Counter, reason: string): Error {
  refused.inc({ reason });
  return new Error(reason);
}

/**
 * A socket whose transport closes before it is connected gives its place back. Made here, not in
 * the handshake middleware: a closure made there would keep the middleware's whole context (its
 * `next` among it) alive per connected client.
 */
export function releaseOnClose(conn: Socket['conn'], id: string, limits: UserLimitsService): void {
  conn.once('close', () => limits.disconnect(id));
}
