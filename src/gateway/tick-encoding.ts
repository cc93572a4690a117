import { TICK_ENCODINGS, compactRow, type TickEncoding } from '../contracts/compact-tick.contract.js';
import type { Tick } from '../kite/tick.js';
import { CLIENT, type MarketSocket } from './client-state.js';

/** The room of this node's clients that asked for the compact encoding (the flush reads its members). */
export const COMPACT_ROOM = '__compact';

/**
 * The encoding a handshake asks for: `auth.encoding` absent means `json`; undefined for a value
 * the server does not know, which is refused (`unsupported_encoding`) rather than silently served
 * as JSON to a client that would then listen for the wrong event.
 */
export function handshakeEncoding(auth: { encoding?: unknown } | undefined): TickEncoding | undefined {
  const asked = auth?.encoding;
  if (asked === undefined) return 'json';
  return TICK_ENCODINGS.find((e) => e === asked);
}

/** Ticks sent outside the flush (the snapshot on subscribe, a slow client's conflated ticks), in the client's encoding. */
export function emitTicks(socket: MarketSocket, ticks: Tick[]): void {
  if (socket.data[CLIENT].compact) socket.emit('ticks_compact', ticks.map(compactRow));
  else socket.emit('ticks', ticks);
}
