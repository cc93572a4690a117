import type { Socket } from 'socket.io';
import type { Principal } from '../auth/token.service.js';
import { istIso } from '../clock/ist.js';
import type { TickEncoding } from '../contracts/compact-tick.contract.js';
import type { TickMode } from '../kite/kite.constants.js';
import type { Tick } from '../kite/tick.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../contracts/socket-protocol.contract.js';
import type { TokenBucket } from './rate-limiter.js';

/**
 * What the gateway keeps per connected client, out of what crosses nodes. Kept small: an idle
 * client holds its principal and the shared empty NO_SUBS; the rest is made when first needed.
 */
export interface ClientState {
  principal: Principal;
  /** Instrument → the mode this client subscribed it in. */
  subs: Map<number, TickMode>;
  /** subscribe/unsubscribe events: a burst of 20, refilled at 10 a second; made at the first one. */
  bucket?: TokenBucket;
  /** Conflated ticks of a slow client, latest per instrument. */
  pending?: Map<number, Tick>;
  /** Set when the client connected with `auth.encoding: 'compact'`: it gets `ticks_compact` rows. */
  compact?: true;
  /** A slow client's transport 'drain' listener, while it is slow. */
  onDrain?: () => void;
}

/** The subscriptions of a client that has none yet: one map for all of them, which refuses writes. */
class NoSubscriptions extends Map<number, TickMode> {
  override set(): this {
    throw new Error('NO_SUBS is shared: take the client its own map with ownSubs() first');
  }
}
export const NO_SUBS: Map<number, TickMode> = new NoSubscriptions();

/** The client's own subscriptions map, made at its first subscription (an idle client has none). */
export function ownSubs(state: ClientState): Map<number, TickMode> {
  if (state.subs === NO_SUBS) state.subs = new Map();
  return state.subs;
}

/** Where the ClientState sits in `socket.data`: a symbol key, which the Redis adapter's encoder skips. */
export const CLIENT = Symbol('client');

/**
 * Socket.IO's `socket.data`: what an admin sees of a client on any node (`fetchSockets()` through
 * the Redis adapter serializes it), plus the node-local ClientState under a symbol.
 */
export interface SocketData {
  node: string;
  user: string;
  role: string;
  connected_at: string;
  subscriptions: number;
  slow: boolean;
  [CLIENT]: ClientState;
}

/** A newly admitted client's `socket.data`: nothing is allocated that it may never need. */
export function socketData(node: string, principal: Principal, encoding: TickEncoding): SocketData {
  const state: ClientState = { principal, subs: NO_SUBS };
  if (encoding === 'compact') state.compact = true;
  return {
    node,
    user: principal.sub,
    role: principal.role,
    connected_at: istIso(Date.now()),
    subscriptions: 0,
    slow: false,
    [CLIENT]: state,
  };
}

export type MarketSocket = Socket<
  ClientToServerEvents,
  ServerToClientEvents,
  Record<string, never>,
  SocketData
>;

/** The room of the clients of one instrument in one mode. */
export const room = (token: number, mode: TickMode): string => `${token}:${mode}`;

/** The room of every socket of one user (the JWT `sub`), on every node. */
export const userRoom = (sub: string): string => `user:${sub}`;

/** The room of this node's clients that may see the account's order updates (canSeeOrders). */
export const ORDERS_ROOM = 'orders';
