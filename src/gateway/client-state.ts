import type { Socket } from 'socket.io';
import type { Principal } from '../auth/token.service.js';
import type { TickMode } from '../kite/kite.constants.js';
import type { Tick } from '../kite/tick.js';
import type { ClientToServerEvents, ServerToClientEvents } from './market-events.js';
import type { TokenBucket } from './rate-limiter.js';

/** What the gateway keeps per connected client (Socket.IO's `socket.data`). */
export interface ClientState {
  principal: Principal;
  /** Instrument → the mode this client subscribed it in. */
  subs: Map<number, TickMode>;
  /** subscribe/unsubscribe events: a burst of 20, refilled at 10 a second. */
  bucket: TokenBucket;
  expiry?: NodeJS.Timeout;
  /** Conflated ticks of a slow client, latest per instrument. */
  pending?: Map<number, Tick>;
}

export type MarketSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  ClientState
>;

/** The room of the clients of one instrument in one mode. */
export const room = (token: number, mode: TickMode): string => `${token}:${mode}`;
