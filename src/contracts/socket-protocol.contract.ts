import type { TickMode } from '../kite/kite.constants.js';
import type { Tick } from '../kite/tick.js';
import type { CompactTickRow } from './compact-tick.contract.js';
import type { FeedStatus } from './feed-status.contract.js';
import type { MarketStatus, MarketStatusValue } from './market-status.contract.js';

/**
 * The Socket.IO protocol of namespace `/market` (SPEC section 4): the event maps and the payloads
 * they carry, shared by the gateway, the dashboard's browser code, tests and docs. Types only.
 */
export { MARKET_NAMESPACE } from './market-namespace.contract.js';
export type { FeedState, FeedStatus } from './feed-status.contract.js';
export type { MarketStatus, MarketStatusValue } from './market-status.contract.js';
export type {
  CompactDepth,
  CompactDepthLevel,
  CompactFullRow,
  CompactLtpRow,
  CompactQuoteRow,
  CompactTickRow,
  MarketHandshakeAuth,
  TickEncoding,
} from './compact-tick.contract.js';

export interface SubscribeRequest {
  instruments: (string | number)[];
  mode?: TickMode;
}
export interface UnsubscribeRequest {
  instruments: (string | number)[];
}
export interface AckError {
  ok: false;
  error: { code: string; message: string };
}
export type SubscribeAck =
  | {
      ok: true;
      subscribed: { instrument_token: number; symbol?: string; mode: TickMode }[];
      rejected: { instrument: string | number; reason: string }[];
    }
  | AckError;
export type UnsubscribeAck =
  { ok: true; unsubscribed: { instrument_token: number; symbol?: string }[] } | AckError;

export interface Heartbeat {
  server_time: string;
  market_status: MarketStatusValue;
  feed: { state: FeedStatus['state']; last_tick_at: string | null };
}

export interface ServerToClientEvents {
  ticks: (ticks: Tick[]) => void;
  /** Instead of `ticks`, to a client that connected with `auth.encoding: 'compact'`: one row per tick (compact-tick.contract.ts). */
  ticks_compact: (rows: CompactTickRow[]) => void;
  market_status: (status: MarketStatus) => void;
  heartbeat: (beat: Heartbeat) => void;
  feed_status: (status: FeedStatus) => void;
  /** Kite's order `data` object, once per update, to clients whose token may see orders (canSeeOrders). */
  order_update: (order: Record<string, unknown>) => void;
}

/**
 * The ack is typed as required so that `emitWithAck` infers the ack's type (an optional ack makes
 * it `any`); the server also handles an event sent without one, silently (SPEC section 4).
 */
export interface ClientToServerEvents {
  subscribe: (payload: SubscribeRequest, ack: (res: SubscribeAck) => void) => void;
  unsubscribe: (payload: UnsubscribeRequest, ack: (res: UnsubscribeAck) => void) => void;
}
