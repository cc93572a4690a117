import { Injectable } from '@nestjs/common';
import { exchangeRefusal } from '../auth/token-limits.js';
import { AppConfigService } from '../config/app-config.service.js';
import { InstrumentsService } from '../instruments/instruments.service.js';
import type { TickMode } from '../kite/kite.constants.js';
import { MarketFeedService } from '../market-feed/market-feed.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ownSubs, room, type ClientState } from './client-state.js';
import { TokenBucket } from './rate-limiter.js';
import type { SubscribeAck, UnsubscribeAck } from '../contracts/socket-protocol.contract.js';
import { UserLimitsService } from './user-limits.service.js';
import { ackError, validateInstrumentsPayload } from './validate-payload.js';

/** Per-client rate limit on subscribe/unsubscribe: a bucket of 20, refilled at 10 a second. */
const BUCKET = 20;
const REFILL_PER_S = 10;

/** Takes one subscribe/unsubscribe event from the client's bucket, made at its first such event. */
function allowed(state: ClientState): boolean {
  return (state.bucket ??= new TokenBucket(BUCKET, REFILL_PER_S)).take();
}

/** What the gateway does on the socket after a subscribe: rooms to leave and join, instruments to snapshot. */
export interface SubscribeOutcome {
  ack: SubscribeAck;
  leave: string[];
  join: string[];
  /** Instruments new to this client (or in a new mode): they get the last fresh tick at once. */
  fresh: number[];
  mode: TickMode;
}

const none = (ack: SubscribeAck): SubscribeOutcome => ({
  ack,
  leave: [],
  join: [],
  fresh: [],
  mode: 'quote',
});

/**
 * A client's subscribe and unsubscribe, without the socket: rate limit, payload validation,
 * instrument resolution, the per-client and per-user limits, the feed's acquire/release, and the ack.
 */
@Injectable()
export class ClientSubscriptionService {
  private readonly rejectedTotal;

  constructor(
    private readonly config: AppConfigService,
    private readonly instruments: InstrumentsService,
    private readonly feed: MarketFeedService,
    private readonly limits: UserLimitsService,
    metrics: MetricsService,
  ) {
    this.rejectedTotal = metrics.counter('subscribe_rejected_total', 'Instruments refused in a subscribe', [
      'reason',
    ]);
  }

  async subscribe(client: string, state: ClientState, payload: unknown): Promise<SubscribeOutcome> {
    if (!allowed(state)) {
      return none(ackError('rate_limited', 'too many subscribe/unsubscribe events; slow down'));
    }
    const max = this.config.values.maxSubscriptionsPerClient;
    const v = validateInstrumentsPayload(payload, true, max);
    if (!v.ok) return none(v);
    await this.instruments.ready();
    const rejected: { instrument: string | number; reason: string }[] = [];
    const wanted = new Map<number, { symbol?: string; input: string | number }>();
    for (const input of v.instruments) {
      const r = this.instruments.resolve(input);
      const refusal = r.ok ? exchangeRefusal(state.principal.limits, r.symbol) : undefined;
      if (!r.ok) rejected.push({ instrument: input, reason: r.reason });
      else if (refusal) rejected.push({ instrument: input, reason: refusal });
      else if (!wanted.has(r.token)) wanted.set(r.token, { symbol: r.symbol, input });
    }
    const added = [...wanted.keys()].filter((t) => !state.subs.has(t)).length;
    if (state.subs.size + added > max) {
      return none(
        ackError(
          'subscription_limit',
          `at most ${max} subscriptions per client (MAX_SUBSCRIPTIONS_PER_CLIENT); unsubscribe some first`,
        ),
      );
    }
    // Reserved before the feed is asked, so that a user's concurrent subscribes cannot pass the cap together.
    const fresh = [...wanted.keys()].filter((t) => !state.subs.has(t));
    const reservation = this.limits.reserve(client, state.principal.sub, fresh, state.principal.limits);
    if (!reservation.ok) {
      this.rejectedTotal.inc({ reason: 'user_limit' }, reservation.adding);
      return none(
        ackError(
          'user_limit',
          `at most ${reservation.max} distinct instruments per user over all its connections (MAX_INSTRUMENTS_PER_USER, or the token's max_instruments); ` +
            `this user holds ${reservation.held} and the request adds ${reservation.adding}; unsubscribe some first`,
        ),
      );
    }
    const result = await this.feed.acquire(
      client,
      [...wanted.keys()].map((token) => ({ token, mode: v.mode })),
    );
    const refused = result.rejected.map((r) => r.token).filter((t) => !state.subs.has(t));
    if (refused.length > 0) this.limits.release(client, refused);
    for (const r of result.rejected) {
      rejected.push({ instrument: wanted.get(r.token)?.input ?? r.token, reason: r.reason });
    }
    for (const r of rejected) this.rejectedTotal.inc({ reason: r.reason });
    const out: SubscribeOutcome = {
      ack: { ok: true, subscribed: [], rejected },
      leave: [],
      join: [],
      fresh: [],
      mode: v.mode,
    };
    for (const { token, mode } of result.accepted) {
      const old = state.subs.get(token);
      if (old && old !== mode) out.leave.push(room(token, old));
      if (old !== mode) out.fresh.push(token);
      ownSubs(state).set(token, mode);
      out.join.push(room(token, mode));
      if (out.ack.ok) {
        out.ack.subscribed.push({ instrument_token: token, symbol: wanted.get(token)?.symbol, mode });
      }
    }
    return out;
  }

  unsubscribe(
    client: string,
    state: ClientState,
    payload: unknown,
  ): { ack: UnsubscribeAck; leave: string[] } {
    if (!allowed(state)) {
      return { ack: ackError('rate_limited', 'too many subscribe/unsubscribe events; slow down'), leave: [] };
    }
    const v = validateInstrumentsPayload(
      payload,
      false,
      Math.max(this.config.values.maxSubscriptionsPerClient, 1),
    );
    if (!v.ok) return { ack: v, leave: [] };
    const tokens: number[] = [];
    const leave: string[] = [];
    for (const input of v.instruments) {
      const r = this.instruments.resolve(input);
      const mode = r.ok ? state.subs.get(r.token) : undefined;
      if (!r.ok || !mode) continue;
      tokens.push(r.token);
      leave.push(room(r.token, mode));
      state.subs.delete(r.token);
      state.pending?.delete(r.token);
    }
    this.feed.release(client, tokens);
    this.limits.release(client, tokens);
    return {
      ack: {
        ok: true,
        unsubscribed: tokens.map((t) => ({ instrument_token: t, symbol: this.instruments.symbolOf(t) })),
      },
      leave,
    };
  }

  /** A client left: every instrument it held is released, and its place in its user's count. */
  disconnect(client: string): void {
    this.feed.release(client);
    this.limits.disconnect(client);
  }
}
