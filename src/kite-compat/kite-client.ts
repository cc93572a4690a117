import type { WebSocket } from 'ws';
import type { Principal } from '../auth/token.service.js';
import type { ClientState } from '../gateway/client-state.js';
import type { FanoutMember } from './packet-fanout.js';

/** One Kite-protocol client on this node. */
export interface KiteClient {
  /** `kite:<uuid>`: its key in the subscription registry and the per-user limits. */
  readonly id: string;
  readonly ws: WebSocket;
  /** The state ClientSubscriptionService keeps for a client, as for a Socket.IO one. */
  readonly state: ClientState;
  readonly member: FanoutMember;
  readonly connectedAt: number;
  /** Messages are handled one after another, in the order they came. */
  queue: Promise<void>;
  queued: number;
  closed: boolean;
}

export const principalOf = (c: KiteClient): Principal => c.state.principal;

/** Sends Kite's text error frame `{"type":"error","data":"…"}` (data a string: the Go client asserts it). */
export function errorFrame(message: string): string {
  return JSON.stringify({ type: 'error', data: message });
}
