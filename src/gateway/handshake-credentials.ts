import type { Socket } from 'socket.io';

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
