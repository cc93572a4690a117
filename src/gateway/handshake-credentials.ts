import type { Socket } from 'socket.io';

type Handshake = Socket['handshake'];

const NO_AUTH: Record<string, never> = Object.freeze({});
/** Request headers that carry a credential (the dashboard's session cookie, a bearer token). */
const CREDENTIAL_HEADERS = new Set(['cookie', 'authorization']);

/**
 * What a connected socket's handshake keeps once it is authenticated: no `auth` (the token is read
 * once) and no credential header. The Redis adapter's fetchSockets() publishes each socket's
 * handshake to the other nodes, so whatever it keeps crosses Redis. The request itself is not
 * touched (its headers object is replaced on the handshake, not edited).
 */
export function forgetCredentials(handshake: Handshake): void {
  handshake.auth = NO_AUTH;
  const kept: Handshake['headers'] = {};
  for (const [name, value] of Object.entries(handshake.headers)) {
    if (!CREDENTIAL_HEADERS.has(name)) kept[name] = value;
  }
  handshake.headers = kept;
}
