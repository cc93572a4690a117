import type { FeedStatus } from '../../contracts/feed-status.contract.js';
import type { MarketStatus } from '../../contracts/market-status.contract.js';

/** A tiny observable store: `set` merges a patch and tells every subscriber what changed. */
export interface Store<S extends object> {
  get(): Readonly<S>;
  set(patch: Partial<S>): void;
  /** Calls `fn` after every change with the new and the previous state; returns an unsubscribe. */
  subscribe(fn: (now: Readonly<S>, before: Readonly<S>) => void): () => void;
}

export function createStore<S extends object>(initial: S): Store<S> {
  let state: S = { ...initial };
  const listeners = new Set<(now: S, before: S) => void>();
  return {
    get: () => state,
    set(patch) {
      const before = state;
      const keys = Object.keys(patch) as (keyof S)[];
      if (keys.every((k) => Object.is(patch[k], before[k]))) return;
      state = { ...before, ...patch };
      for (const fn of [...listeners]) fn(state, before);
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
}

/** Who the dashboard's own token says it is (`GET /api/auth/me`). */
export interface Me {
  sub: string;
  role: 'viewer' | 'admin';
  expires_at: string;
}

/** What the dashboard knows beyond its watchlist rows. */
export interface DashboardState {
  /** Undefined without a valid dashboard session. */
  me?: Me;
  market?: MarketStatus;
  feed?: FeedStatus;
  /** Server time − local time, from the last market status or heartbeat. */
  clockOffset: number;
  /** Local time of the last `ticks` event (0: none yet). */
  lastTickAt: number;
  /** The selected row's symbol: it streams in full mode and shows depth and chart. */
  selected?: string;
}

export const store = createStore<DashboardState>({ clockOffset: 0, lastTickAt: 0 });

/** The server's "now" as this browser estimates it. */
export const serverNow = (): number => Date.now() + store.get().clockOffset;
