import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { canSeeOrders } from '../auth/token-scopes.js';
import type { Principal } from '../auth/token.service.js';
import { CacheService } from '../cache/cache.service.js';
import { AppConfigService } from '../config/app-config.service.js';
import { istIso } from '../clock/ist.js';
import { RelayEvents } from '../events/relay-events.js';
import { ClientDirectory, type ConnectedClient } from '../gateway/client-directory.js';
import { NO_SUBS } from '../gateway/client-state.js';
import { ClientSubscriptionService } from '../gateway/client-subscription.service.js';
import { ExpirySweep } from '../gateway/expiry-sweep.js';
import { TICK_SOURCE, type TickSource } from '../market-feed/tick-source.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { OrderUpdatesService } from '../orders/order-updates.service.js';
import { MAX_MESSAGE_BYTES, parseClientMessage, rawText } from './client-message.js';
import { errorFrame, type KiteClient } from './kite-client.js';
import { KiteMessages } from './kite-messages.js';
import { kiteWsMetrics, type KiteWsMetrics } from './kite-ws.metrics.js';
import { BinaryWire } from './binary-wire.js';
import { PacketFanout } from './packet-fanout.js';
import { UpgradeAdmission } from './upgrade-admission.js';
import { kiteWsTarget, refuseUpgrade } from './ws-upgrade.js';

/** Kite sends a heartbeat when a second passes without data; checked 4 times a second. */
const HEARTBEAT_MS = 1000;
const TICK_MS = 250;
/** Past this many bytes in its socket buffer a client is slow (latest packet per instrument only). */
export const SLOW_BYTES = 1024 * 1024;
/** Well-formed messages waiting to be handled per client; more are answered with an error and dropped. */
const MAX_QUEUED = 64;
/** A closing socket that does not answer the close handshake is cut after this. */
const CLOSE_GRACE_MS = 1000;

/**
 * Kite's ticker protocol at `/kite/ws` on the gateway's port: the official KiteTickers connect to
 * it by changing their `root`. Upgrades are refused Kite's way (403, 429); subscriptions go through
 * the same service, limits and feed union as Socket.IO clients; frames are slices of the upstream
 * packets (PacketFanout). Socket I/O only: decisions are the services'.
 */
@Injectable()
export class KiteWsServer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(KiteWsServer.name);
  private readonly wss = new WebSocketServer({
    noServer: true,
    clientTracking: false,
    perMessageDeflate: false,
    maxPayload: MAX_MESSAGE_BYTES,
  });
  private readonly clients = new Map<string, KiteClient>();
  private readonly fanout: PacketFanout;
  private readonly messages: KiteMessages;
  private readonly m: KiteWsMetrics;
  private readonly off: (() => void)[] = [];
  private timer?: NodeJS.Timeout;
  private server?: Server;
  private closing = false;
  /** Ends each client at its token's expiry: one timer for all of them, as on /market. */
  private readonly expiries = new ExpirySweep<KiteClient>((c) => this.close(c, 1008, 'token expired'));

  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly admission: UpgradeAdmission,
    private readonly subscriptions: ClientSubscriptionService,
    @Inject(TICK_SOURCE) private readonly source: TickSource,
    private readonly events: RelayEvents,
    private readonly config: AppConfigService,
    private readonly directory: ClientDirectory,
    private readonly orders: OrderUpdatesService,
    cache: CacheService,
    metrics: MetricsService,
  ) {
    this.m = kiteWsMetrics(metrics);
    const frameWindowMs = config.values.kiteWsFlushMs;
    const o = { slowBytes: SLOW_BYTES, heartbeatMs: HEARTBEAT_MS, frameWindowMs, now: Date.now };
    this.fanout = new PacketFanout(o, this.m);
    this.messages = new KiteMessages(subscriptions, this.fanout, config.values.cacheTtlMs, cache);
  }

  onApplicationBootstrap(): void {
    this.server = this.adapterHost.httpAdapter.getHttpServer() as Server;
    this.server.on('upgrade', this.onUpgrade);
    this.directory.register({ list: () => this.list(), disconnectUser: (sub) => this.disconnectUser(sub) });
    this.off.push(
      this.source.onFrame((f) => this.fanout.ingest(f.data, f.dropRepeats)),
      // Kite's order text frame verbatim, to the clients allowed to see the account's orders.
      this.orders.onOrder((u) => this.m.orders.inc(this.sendToOrderClients(u.raw))),
      this.events.on('token.revoked', ({ id }) => {
        for (const c of this.clients.values()) {
          if (c.state.principal.jti === id) this.close(c, 1008, 'token revoked');
        }
      }),
    );
    // Independent of the upstream: heartbeats go on while it is silent, down or reconnecting.
    this.timer = setInterval(() => this.fanout.tick(), TICK_MS);
    this.timer.unref();
  }

  beforeApplicationShutdown(): void {
    this.closing = true;
    this.server?.off('upgrade', this.onUpgrade);
    clearInterval(this.timer);
    this.fanout.close();
    this.expiries.close();
    for (const off of this.off) off();
    for (const c of this.clients.values()) this.close(c, 1001, 'server shutting down');
  }

  /**
   * Sends a text frame verbatim to every client allowed to see the account's orders (canSeeOrders):
   * the seam for Kite's order updates (`{"type":"order","data":…}`). Returns how many got it.
   */
  sendToOrderClients(text: string): number {
    let n = 0;
    for (const c of this.clients.values()) {
      if (c.closed || !canSeeOrders(c.state.principal)) continue;
      c.ws.send(text);
      n++;
    }
    return n;
  }

  /** This node's Kite-protocol clients, as the admin list shows them. */
  list(): ConnectedClient[] {
    return [...this.clients.values()].map((c) => ({
      id: c.id,
      protocol: 'kite' as const,
      node: this.config.values.nodeId,
      user: c.state.principal.sub,
      role: c.state.principal.role,
      connected_at: istIso(c.connectedAt),
      subscriptions: c.state.subs.size,
      slow: this.fanout.isSlow(c.member),
    }));
  }

  /** Closes every Kite-protocol socket of `sub` on this node. */
  disconnectUser(sub: string): void {
    for (const c of this.clients.values()) {
      if (c.state.principal.sub === sub) this.close(c, 1008, 'disconnected by an admin');
    }
  }

  private readonly onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer): void => {
    const target = kiteWsTarget(req.url);
    if (!target) return; // Socket.IO's, or nobody's: engine.io answers those.
    socket.on('error', () => socket.destroy());
    const refuse = (status: number, reason: string, message: string) => {
      this.m.refused.inc({ reason });
      refuseUpgrade(socket, status, message);
    };
    if (this.closing) return refuse(503, 'shutting_down', 'the server is shutting down');
    const a = this.admission.admit(req, target.accessToken);
    if (!a.ok) return refuse(a.status, a.reason, a.message);
    const { id, principal } = a;
    let upgraded = false;
    // An upgrade ws refuses (a bad handshake) or a socket gone before it completes gives its place back.
    socket.once('close', () => {
      if (!upgraded) this.admission.release(id);
    });
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      upgraded = true;
      this.connected(id, principal, ws, socket);
    });
  };

  private connected(id: string, principal: Principal, ws: WebSocket, socket: Duplex): void {
    const c: KiteClient = {
      id,
      ws,
      state: { principal, subs: NO_SUBS },
      member: this.fanout.add(new BinaryWire(ws, socket)),
      connectedAt: Date.now(),
      queue: Promise.resolve(),
      queued: 0,
      closed: false,
    };
    this.clients.set(id, c);
    this.m.clients.inc();
    // Transport timing: the JWT's exp is wall-clock seconds.
    this.expiries.add(c, principal.exp * 1000);
    ws.on('message', (data, isBinary) => this.onMessage(c, data, isBinary));
    ws.on('error', (err) => this.logger.debug(`kite ws ${id}: ${err.message}`));
    ws.once('close', () => this.gone(c));
  }

  private onMessage(c: KiteClient, data: RawData, isBinary: boolean): void {
    if (c.closed) return;
    if (isBinary) {
      return this.error(
        c,
        'binary_message',
        'binary messages are not understood; send JSON text such as {"a":"subscribe","v":[408065]}',
      );
    }
    const msg = parseClientMessage(rawText(data));
    // A malformed message needs no work: answered at once with what was wrong, it takes no place.
    if (!msg.ok) return this.error(c, msg.reason, msg.message);
    if (c.queued >= MAX_QUEUED) return this.error(c, 'flood', 'too many messages waiting; slow down');
    c.queued++;
    c.queue = c.queue
      .then(() => this.messages.apply(c, msg))
      .then(
        (errors) => {
          for (const e of errors) this.error(c, e.reason, e.message);
        },
        (err: unknown) => {
          this.logger.warn(`kite ws message failed: ${err instanceof Error ? err.message : String(err)}`);
          this.error(c, 'internal', 'the message could not be handled; try again');
        },
      )
      .finally(() => c.queued--);
  }

  /** Counted always; sent unless the client is not reading (its buffer is past the slow bound). */
  private error(c: KiteClient, reason: string, message: string): void {
    this.m.errors.inc({ reason });
    if (!c.closed && c.ws.bufferedAmount <= SLOW_BYTES) c.ws.send(errorFrame(message));
  }

  private close(c: KiteClient, code: number, reason: string): void {
    if (c.closed) return;
    c.ws.close(code, reason);
    const cut = setTimeout(() => c.ws.terminate(), CLOSE_GRACE_MS);
    cut.unref();
    this.gone(c);
  }

  /** Everything the client held is released at once: its instruments, its place in the user's count. */
  private gone(c: KiteClient): void {
    if (c.closed) return;
    c.closed = true;
    this.expiries.remove(c);
    this.clients.delete(c.id);
    this.fanout.remove(c.member);
    this.subscriptions.disconnect(c.id);
    this.m.clients.dec();
  }
}
