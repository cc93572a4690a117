import type { TickMode } from '../kite/kite.constants.js';
import type { Tick } from '../kite/tick.js';
import type { FeedStatus } from '../contracts/feed-status.contract.js';
import type { MarketStatus } from '../contracts/market-status.contract.js';
import type { OwnershipState } from '../contracts/ownership.contract.js';

/**
 * Every event that travels inside a node, with its payload. One map, typed once; the modules that
 * raise an event own it (session: KiteSessionService; feed: MarketFeedService; market: MarketStatusService).
 * Types only: the bus that carries them is `RelayEvents` (relay-events.ts).
 */
export interface RelayEventMap {
  /**
   * A Kite session was installed (login, manual token, restore, or a notice from another node).
   * `fresh`: a new access token (not the restore of one this deployment already had).
   */
  'session.changed': SessionNotice & { fresh: boolean; userId: string; expiresAt: number };
  /** Kite refused the token or the daily expiry passed: a person must log in again. */
  'session.expired': SessionNotice & { reason: string };
  /** Logged out. */
  'session.cleared': SessionNotice;
  /** Every cached quote is void (a new key generation). */
  'quotes.invalidated': { origin: string; generation: number };
  /** A node stored a new instrument master in Redis: the others load it from there. */
  'instruments.stored': { origin: string; fetchedAt: number };
  /** The instrument master was (re)loaded. */
  'instruments.loaded': { count: number };
  /** The feed's state changed. */
  'feed.status': FeedStatus;
  /** Decoded ticks, once per frame, in arrival order. */
  'feed.ticks': Tick[];
  /** The market status at a transition instant. */
  'market.status': MarketStatus;
  /** The market status every HEARTBEAT_INTERVAL_MS. */
  'market.heartbeat': MarketStatus;
  /** Who may hold the upstream changed (role, holder, fencing, Redis reachability). */
  'ownership.changed': OwnershipState;
  /** Another node's clients' demand (instrument → mode), or empty when the node left. */
  'cluster.demand': { node: string; demand: ReadonlyMap<number, TickMode> };
  /**
   * An admin revoked a minted token: every node refuses it from now on and disconnects its sockets.
   * `id` is the token's jti (not a secret); `exp` its expiry in epoch seconds (the JWT's `exp`).
   * `cascade: false`: this token alone (a logout), not the unused invites it created.
   */
  'token.revoked': { origin: string; id: string; exp: number; cascade?: boolean };
  /** The shared Redis answers again (true) or stopped answering (false). */
  'redis.availability': { up: boolean };
  /**
   * What users hold on this node changed (UserLimitsService, at most every 100 ms): each changed
   * user's sockets and distinct instruments here (zeros: it holds nothing here any more). Local;
   * a cluster publishes it so that the other nodes' CLUSTER_USAGE counts it.
   */
  'usage.changed': { origin: string; users: UserUsageNotice[] };
}

/** What one user holds on the node `origin` of a 'usage.changed' (a list, never keyed by `sub`). */
export interface UserUsageNotice {
  sub: string;
  connections: number;
  instruments: number[];
}

/** Where a session event came from: this node's id, or another node's when the cluster bus relayed it. */
export interface SessionNotice {
  origin: string;
}

export type RelayEventName = keyof RelayEventMap;

/**
 * The events that must reach every node of a cluster (the list itself is `CLUSTER_EVENTS` in
 * relay-events.ts, checked against this union). Their payloads carry no secret (never the access
 * token: a node that hears "session.changed" reads the sealed session from Redis itself).
 */
export type ClusterEventName =
  | 'session.changed'
  | 'session.expired'
  | 'session.cleared'
  | 'quotes.invalidated'
  | 'instruments.stored'
  | 'token.revoked';
