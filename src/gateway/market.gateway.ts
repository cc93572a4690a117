import { type OnApplicationShutdown } from '@nestjs/common';
import {
  WebSocketGateway,
  WebSocketServer,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
} from '@nestjs/websockets';
import type { Namespace } from 'socket.io';
import { TokenService } from '../auth/token.service.js';
import { CacheService } from '../cache/cache.service.js';
import { istIso } from '../clock/ist.js';
import { RelayEvents } from '../events/relay-events.js';
import { MODE_RANK, type TickMode } from '../kite/kite.constants.js';
import type { Tick } from '../kite/tick.js';
import { MarketFeedService } from '../market-feed/market-feed.service.js';
import { MarketStatusService } from '../market-status/market-status.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ClientSubscriptionService } from './client-subscription.service.js';
import type { ClientState, MarketSocket } from './client-state.js';
import {
  MARKET_NAMESPACE,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SubscribeAck,
  type UnsubscribeAck,
} from './market-events.js';
import { projectTick } from './project-tick.js';
import { TokenBucket } from './rate-limiter.js';
import { TickFanout } from './tick-fanout.js';

/** Per-socket rate limit on subscribe/unsubscribe: a bucket of 20, refilled at 10 a second. */
const BUCKET = 20;
const REFILL_PER_S = 10;

/**
 * Socket.IO `/market`: socket I/O only. Handshake auth, per-client expiry, the events each client
 * gets, and wiring: subscriptions are ClientSubscriptionService's, the fan-out TickFanout's.
 * Handlers are attached with `socket.on` rather than `@SubscribeMessage` because an event without
 * an ack callback must be handled too (silently), and the ack is written by us, not by the return value.
 */
@WebSocketGateway({ namespace: MARKET_NAMESPACE })
export class MarketGateway
  implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnApplicationShutdown
{
  @WebSocketServer() private ns!: Namespace<
    ClientToServerEvents,
    ServerToClientEvents,
    Record<string, never>,
    ClientState
  >;
  private fanout?: TickFanout;
  private readonly off: (() => void)[] = [];
  private readonly m;

  constructor(
    private readonly tokens: TokenService,
    private readonly subscriptions: ClientSubscriptionService,
    private readonly feed: MarketFeedService,
    private readonly cache: CacheService,
    private readonly status: MarketStatusService,
    private readonly events: RelayEvents,
    metrics: MetricsService,
  ) {
    this.m = {
      clients: metrics.gauge('clients_connected', 'Socket.IO clients connected to /market on this node'),
      delivered: metrics.counter('ticks_delivered_total', 'Ticks sent to clients (one per tick per client)'),
      ackErrors: metrics.counter('ack_errors_total', 'subscribe/unsubscribe answered ok:false', ['code']),
      conflated: metrics.counter('ticks_conflated_total', 'Ticks replaced by a newer one for a slow client'),
    };
  }

  afterInit(ns: Namespace): void {
    ns.use((socket, next) => {
      const auth = socket.handshake.auth as { token?: unknown } | undefined;
      const token = typeof auth?.token === 'string' ? auth.token : this.tokens.sessionCookie(socket.request);
      const principal = this.tokens.admit(token);
      if (!principal) return next(new Error('unauthorized'));
      (socket as MarketSocket).data = {
        principal,
        subs: new Map(),
        bucket: new TokenBucket(BUCKET, REFILL_PER_S),
      };
      next();
    });
    const fanout = new TickFanout(ns, this.m);
    this.fanout = fanout;
    this.off.push(
      this.events.on('feed.ticks', (ticks) => fanout.enqueue(ticks)),
      this.events.on('token.revoked', ({ id }) => this.disconnectToken(id)),
      this.events.on('feed.status', (s) => this.ns.local.emit('feed_status', s)),
      this.events.on('market.status', (s) => this.ns.local.emit('market_status', s)),
      this.events.on('market.heartbeat', (s) => {
        const last = this.feed.lastTickAt;
        this.ns.local.emit('heartbeat', {
          server_time: s.server_time,
          market_status: s.status,
          feed: { state: this.feed.state.state, last_tick_at: last ? istIso(last) : null },
        });
      }),
    );
  }

  onApplicationShutdown(): void {
    this.fanout?.close();
    for (const off of this.off) off();
  }

  handleConnection(socket: MarketSocket): void {
    this.m.clients.inc();
    const data = socket.data;
    // Transport timing: the JWT's exp is wall-clock seconds.
    const msLeft = data.principal.exp * 1000 - Date.now();
    data.expiry = setTimeout(() => socket.disconnect(true), Math.max(0, Math.min(msLeft, 2 ** 31 - 1)));
    data.expiry.unref();
    socket.emit('market_status', this.status.current());
    socket.emit('feed_status', this.feed.state);
    socket.on('subscribe', (payload: unknown, ack?: unknown) => {
      void this.subscribe(socket, payload).then((r) => this.reply(ack, r));
    });
    socket.on('unsubscribe', (payload: unknown, ack?: unknown) => {
      const { ack: result, leave } = this.subscriptions.unsubscribe(socket.id, socket.data, payload);
      for (const r of leave) void socket.leave(r);
      this.reply(ack, result);
    });
    socket.conn.on('drain', () => this.fanout?.drained(socket));
  }

  handleDisconnect(socket: MarketSocket): void {
    this.m.clients.dec();
    clearTimeout(socket.data?.expiry);
    this.subscriptions.disconnect(socket.id);
  }

  /** A revoked token (this node's revocation or another's) ends its sockets here at once. */
  private disconnectToken(id: string): void {
    for (const socket of this.ns.sockets.values()) {
      if (socket.data.principal?.jti === id) socket.disconnect(true);
    }
  }

  /** What the server holds for one client (packets queued, conflated ticks, slow or not); tests read it. */
  clientBacklog(id: string): { packets: number; pending: number; slow: boolean } | undefined {
    const socket = this.ns.sockets.get(id);
    return socket && this.fanout?.backlog(socket);
  }

  private async subscribe(socket: MarketSocket, payload: unknown): Promise<SubscribeAck> {
    const out = await this.subscriptions.subscribe(socket.id, socket.data, payload);
    for (const r of out.leave) void socket.leave(r);
    for (const r of out.join) void socket.join(r);
    if (out.fresh.length > 0) void this.snapshot(socket, out.fresh, out.mode);
    return out.ack;
  }

  private reply(ack: unknown, result: SubscribeAck | UnsubscribeAck): void {
    if (!result.ok) this.m.ackErrors.inc({ code: result.error.code });
    if (typeof ack === 'function') (ack as (r: unknown) => void)(result);
  }

  /** The last fresh tick of each newly subscribed instrument, in one `ticks` event. */
  private async snapshot(socket: MarketSocket, tokens: number[], mode: TickMode): Promise<void> {
    const quotes = await this.cache.getQuotes(tokens); // never rejects (CacheService)
    const ticks: Tick[] = [];
    for (const t of tokens) {
      const q = quotes.get(t);
      if (q && MODE_RANK[q.tick.mode] >= MODE_RANK[mode]) ticks.push(projectTick(q.tick, mode));
    }
    if (ticks.length > 0 && socket.connected) socket.emit('ticks', ticks);
  }
}
