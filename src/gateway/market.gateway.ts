import { type OnApplicationShutdown } from '@nestjs/common';
import {
  WebSocketGateway,
  WebSocketServer,
  type OnGatewayConnection,
  type OnGatewayDisconnect,
  type OnGatewayInit,
} from '@nestjs/websockets';
import type { Namespace } from 'socket.io';
import { canSeeOrders } from '../auth/token-scopes.js';
import { TokenService } from '../auth/token.service.js';
import { CacheService } from '../cache/cache.service.js';
import { AppConfigService } from '../config/app-config.service.js';
import { Clock } from '../clock/clock.js';
import { istIso } from '../clock/ist.js';
import { RelayEvents } from '../events/relay-events.js';
import type { TickMode } from '../kite/kite.constants.js';
import { MarketFeedService } from '../market-feed/market-feed.service.js';
import { MarketStatusService } from '../market-status/market-status.service.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { OrderUpdatesService } from '../orders/order-updates.service.js';
import { ClientDirectory, socketIoClient, type ConnectedClient } from './client-directory.js';
import { ClientSubscriptionService } from './client-subscription.service.js';
import {
  CLIENT,
  ORDERS_ROOM,
  socketData,
  userRoom,
  type MarketSocket,
  type SocketData,
} from './client-state.js';
import {
  MARKET_NAMESPACE,
  type ClientToServerEvents,
  type ServerToClientEvents,
  type SubscribeAck,
  type UnsubscribeAck,
} from '../contracts/socket-protocol.contract.js';
import { ExpirySweep } from './expiry-sweep.js';
import { tickSnapshot } from './tick-snapshot.js';
import { TickFanout } from './tick-fanout.js';
import { UnauthenticatedConnections } from './unauthenticated-connections.js';
import { UserLimitsService } from './user-limits.service.js';
import { forgetCredentials } from './handshake-credentials.js';
import { cancelReleaseOnClose, refusal, releaseOnClose } from './handshake-admission.js';
import { COMPACT_ROOM, emitTicks, handshakeEncoding } from './tick-encoding.js';

export type { ConnectedClient } from './client-directory.js';

/**
 * Socket.IO `/market`: socket I/O only. Handshake auth, per-client expiry, the events each client
 * gets, and wiring: subscriptions are ClientSubscriptionService's, the fan-out TickFanout's.
 * Handlers are attached with `socket.on` rather than `@SubscribeMessage` because an event without
 * an ack callback must be handled too (silently), and the ack is written by us, not by the return value.
 * Per socket it keeps as little as it can: the listeners are shared functions (the socket is their
 * `this`), one sweep ends expired tokens, and the handshake forgets the token once it is read.
 */
@WebSocketGateway({ namespace: MARKET_NAMESPACE })
export class MarketGateway
  implements OnGatewayInit, OnGatewayConnection, OnGatewayDisconnect, OnApplicationShutdown
{
  @WebSocketServer() private ns!: Namespace<
    ClientToServerEvents,
    ServerToClientEvents,
    Record<string, never>,
    SocketData
  >;
  private fanout?: TickFanout;
  private readonly off: (() => void)[] = [];
  private readonly m;
  private readonly expiries = new ExpirySweep<MarketSocket>((socket) => socket.disconnect(true));
  private readonly onSubscribe: (this: MarketSocket, payload: unknown, ack?: unknown) => void;
  private readonly onUnsubscribe: (this: MarketSocket, payload: unknown, ack?: unknown) => void;

  constructor(
    private readonly tokens: TokenService,
    private readonly subscriptions: ClientSubscriptionService,
    private readonly feed: MarketFeedService,
    private readonly cache: CacheService,
    private readonly status: MarketStatusService,
    private readonly events: RelayEvents,
    private readonly config: AppConfigService,
    private readonly clock: Clock,
    private readonly limits: UserLimitsService,
    private readonly unauthenticated: UnauthenticatedConnections,
    private readonly orders: OrderUpdatesService,
    private readonly directory: ClientDirectory,
    metrics: MetricsService,
  ) {
    this.m = {
      clients: metrics.gauge('clients_connected', 'Socket.IO clients connected to /market on this node'),
      delivered: metrics.counter('ticks_delivered_total', 'Ticks sent to clients (one per tick per client)'),
      ackErrors: metrics.counter('ack_errors_total', 'subscribe/unsubscribe answered ok:false', ['code']),
      conflated: metrics.counter('ticks_conflated_total', 'Ticks replaced by a newer one for a slow client'),
      refused: metrics.counter('connections_refused_total', '/market handshakes refused', ['reason']),
    };
    // One function each for every socket, rather than a closure per socket.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const gateway = this;
    this.onSubscribe = function (payload, ack) {
      void gateway.subscribe(this, payload).then((r) => gateway.reply(ack, r));
    };
    this.onUnsubscribe = function (payload, ack) {
      gateway.unsubscribe(this, payload, ack);
    };
  }

  afterInit(ns: Namespace): void {
    ns.use((socket, next) => {
      const auth = socket.handshake.auth as { token?: unknown; encoding?: unknown } | undefined;
      const token = typeof auth?.token === 'string' ? auth.token : this.tokens.sessionCookie(socket.request);
      const principal = this.tokens.admit(token);
      if (!principal) return next(refusal(this.m.refused, 'unauthorized'));
      const encoding = handshakeEncoding(auth);
      if (!encoding) return next(refusal(this.m.refused, 'unsupported_encoding'));
      const admitted = this.limits.connect(socket.id, principal.sub, principal.limits);
      if (!admitted) return next(refusal(this.m.refused, 'too_many_connections'));
      releaseOnClose(socket.conn, socket.id, this.limits);
      this.unauthenticated.authenticated(socket.conn);
      // Nothing reads the token again, and fetchSockets() would carry it to other nodes.
      forgetCredentials(socket.handshake);
      (socket as MarketSocket).data = socketData(this.config.values.nodeId, principal, encoding);
      next();
    });
    this.directory.serve(ns);
    const fanout = new TickFanout(ns, this.m);
    this.fanout = fanout;
    this.off.push(
      this.events.on('feed.ticks', (ticks) => fanout.enqueue(ticks)),
      this.events.on('token.revoked', ({ id }) => this.disconnectToken(id)),
      // Local only: every node gets each update itself (upstream or bus), so the adapter must not relay it.
      this.orders.onOrder((u) => this.ns.local.to(ORDERS_ROOM).emit('order_update', u.data)),
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
    this.expiries.close();
    for (const off of this.off) off();
  }

  handleConnection(socket: MarketSocket): void {
    this.m.clients.inc();
    cancelReleaseOnClose(socket.conn);
    const data = socket.data[CLIENT];
    // A room per user, so that a user's sockets can be reached (and disconnected) on every node.
    void socket.join(userRoom(data.principal.sub));
    if (canSeeOrders(data.principal)) void socket.join(ORDERS_ROOM);
    if (data.compact) void socket.join(COMPACT_ROOM);
    // Transport timing: the JWT's exp is wall-clock seconds.
    this.expiries.add(socket, data.principal.exp * 1000);
    socket.emit('market_status', this.status.current());
    socket.emit('feed_status', this.feed.state);
    socket.on('subscribe', this.onSubscribe);
    socket.on('unsubscribe', this.onUnsubscribe);
  }

  handleDisconnect(socket: MarketSocket, reason?: string): void {
    this.m.clients.dec();
    this.expiries.remove(socket);
    this.subscriptions.disconnect(socket.id);
    // A client leaving /market leaves nothing: its connection would otherwise stay open and uncounted.
    if (reason === 'client namespace disconnect') socket.conn.close();
  }

  /** Every client of every protocol on every node (the Redis adapter asks the others; standalone, just this node's). */
  async listClients(): Promise<ConnectedClient[]> {
    const [sockets, others] = await Promise.all([
      this.ns.fetchSockets(),
      this.directory.list(this.ns as unknown as Namespace, this.clustered),
    ]);
    return [...sockets.map((s) => socketIoClient(s.id, s.data)), ...others];
  }

  /** Disconnects every socket of `sub`, of every protocol, on every node. */
  disconnectUser(sub: string): void {
    this.ns.in(userRoom(sub)).disconnectSockets(true);
    this.directory.disconnectUser(this.ns, this.clustered, sub);
  }

  /** With Redis, the adapter reaches the other nodes. */
  private get clustered(): boolean {
    return this.config.values.redisUrl !== undefined;
  }

  /** A revoked token (this node's revocation or another's) ends its sockets here at once. */
  private disconnectToken(id: string): void {
    for (const socket of this.ns.sockets.values()) {
      if (socket.data[CLIENT]?.principal.jti === id) socket.disconnect(true);
    }
  }

  /** What the server holds for one client (packets queued, conflated ticks, slow or not); tests read it. */
  clientBacklog(id: string): { packets: number; pending: number; slow: boolean } | undefined {
    const socket = this.ns.sockets.get(id);
    return socket && this.fanout?.backlog(socket);
  }

  private async subscribe(socket: MarketSocket, payload: unknown): Promise<SubscribeAck> {
    const out = await this.subscriptions.subscribe(socket.id, socket.data[CLIENT], payload);
    socket.data.subscriptions = socket.data[CLIENT].subs.size;
    for (const r of out.leave) void socket.leave(r);
    for (const r of out.join) void socket.join(r);
    if (out.fresh.length > 0) void this.snapshot(socket, out.fresh, out.mode);
    return out.ack;
  }

  private unsubscribe(socket: MarketSocket, payload: unknown, ack: unknown): void {
    const data = socket.data[CLIENT];
    const { ack: result, leave } = this.subscriptions.unsubscribe(socket.id, data, payload);
    for (const r of leave) void socket.leave(r);
    socket.data.subscriptions = data.subs.size;
    this.reply(ack, result);
  }

  private reply(ack: unknown, result: SubscribeAck | UnsubscribeAck): void {
    if (!result.ok) this.m.ackErrors.inc({ code: result.error.code });
    if (typeof ack === 'function') (ack as (r: unknown) => void)(result);
  }

  private async snapshot(socket: MarketSocket, tokens: number[], mode: TickMode): Promise<void> {
    const out = await tickSnapshot(
      {
        feed: this.feed,
        cache: this.cache,
        now: () => this.clock.now(),
        maxAgeMs: this.config.values.cacheTtlMs,
        queued: (t, m) => this.fanout?.queued(t, m) ?? false,
      },
      tokens,
      mode,
    );
    if (out.length > 0 && socket.connected) emitTicks(socket, out);
  }
}
