import type { ClientSubscriptionService } from '../gateway/client-subscription.service.js';
import type { TickMode } from '../kite/kite.constants.js';
import type { CacheService } from '../cache/cache.service.js';
import { snapshotFromCache } from './cache-snapshot.js';
import { parseClientMessage, type ClientMessage } from './client-message.js';
import type { KiteClient } from './kite-client.js';
import type { PacketFanout } from './packet-fanout.js';

/** What a message asks the server to tell the client: error sentences, each with its metric reason. */
export type MessageErrors = { reason: string; message: string }[];

/**
 * A Kite-protocol client's messages, applied through the same ClientSubscriptionService as a
 * Socket.IO client's (rate limit, resolution, per-client and per-user limits, the feed's union):
 * the rules are written once. New subscriptions start in `quote`; subscribing again keeps the mode.
 */
export class KiteMessages {
  constructor(
    private readonly subscriptions: ClientSubscriptionService,
    private readonly fanout: PacketFanout,
    private readonly snapshotMaxAgeMs: number,
    private readonly cache?: Pick<CacheService, 'getQuotes'>,
  ) {}

  handle(c: KiteClient, text: string): Promise<MessageErrors> {
    return this.apply(c, parseClientMessage(text));
  }

  /** A parsed message (the server parses on arrival, so that a malformed one never waits in the queue). */
  async apply(c: KiteClient, msg: ClientMessage): Promise<MessageErrors> {
    if (!msg.ok) return [{ reason: msg.reason, message: msg.message }];
    const { subs } = c.state;
    switch (msg.a) {
      case 'subscribe': {
        const fresh = msg.tokens.filter((t) => !subs.has(t));
        return fresh.length > 0 ? this.subscribe(c, fresh, 'quote') : [];
      }
      case 'mode': {
        const held = msg.tokens.filter((t) => subs.has(t));
        const missing = msg.tokens.filter((t) => !subs.has(t));
        const errors: MessageErrors =
          missing.length > 0
            ? [
                {
                  reason: 'not_subscribed',
                  message: `mode: not subscribed to ${list(missing)}; subscribe first`,
                },
              ]
            : [];
        return held.length > 0 ? [...errors, ...(await this.subscribe(c, held, msg.mode))] : errors;
      }
      case 'unsubscribe': {
        const r = this.subscriptions.unsubscribe(c.id, c.state, { instruments: msg.tokens });
        if (c.closed) return [];
        this.fanout.setSubscriptions(c.member, subs);
        return r.ack.ok ? [] : [{ reason: r.ack.error.code, message: `unsubscribe: ${r.ack.error.message}` }];
      }
    }
  }

  private async subscribe(c: KiteClient, tokens: number[], mode: TickMode): Promise<MessageErrors> {
    const out = await this.subscriptions.subscribe(c.id, c.state, { instruments: tokens, mode });
    // A client that left while this was on its way: what the subscribe just took is given back.
    if (c.closed) {
      this.subscriptions.disconnect(c.id);
      return [];
    }
    const { ack } = out;
    if (!ack.ok) return [{ reason: ack.error.code, message: `${action(mode)}: ${ack.error.message}` }];
    // The subscriptions change and the snapshot goes out in one turn: no live packet is missed or repeated.
    this.fanout.setSubscriptions(c.member, c.state.subs);
    if (out.fresh.length > 0) this.snapshot(c, out.fresh, out.mode);
    if (ack.rejected.length === 0) return [];
    const shown = ack.rejected.slice(0, 5).map((r) => `${String(r.instrument)} (${r.reason})`);
    const more = ack.rejected.length > 5 ? ` and ${ack.rejected.length - 5} more` : '';
    return [{ reason: 'rejected', message: `${action(mode)}: refused ${shown.join('; ')}${more}` }];
  }

  /** This node's latest packets at once; what it has none of, from the shared cache (another node's ticks). */
  private snapshot(c: KiteClient, tokens: number[], mode: TickMode): void {
    const served = new Set(this.fanout.snapshotTokens(c.member, tokens, mode, this.snapshotMaxAgeMs));
    const rest = tokens.filter((t) => !served.has(t));
    if (rest.length > 0 && this.cache) void snapshotFromCache(this.cache, this.fanout, c, rest, mode);
  }
}

const action = (mode: TickMode) => (mode === 'quote' ? 'subscribe' : `mode ${mode}`);

function list(tokens: number[]): string {
  return tokens.length > 5
    ? `${tokens.slice(0, 5).join(', ')} and ${tokens.length - 5} more`
    : tokens.join(', ');
}
