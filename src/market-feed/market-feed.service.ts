import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { KiteSessionService } from '../auth/kite-session.service.js';
import { ClusterMembership } from '../cluster/membership.js';
import { UpstreamOwnership } from '../cluster/upstream-ownership.js';
import { AppConfigService } from '../config/app-config.service.js';
import { RelayEvents } from '../events/relay-events.js';
import type { TickMode } from '../kite/kite.constants.js';
import { OrderUpdatesService } from '../orders/order-updates.service.js';
import { FEED_METRICS, type FeedMetrics } from './market-feed.metrics.js';
import {
  CLIENT_REGISTRY,
  FEED_TUNING,
  LINK_FACTORY,
  type FeedState,
  type FeedStatus,
  type FeedTuning,
} from './market-feed.constants.js';
import { FrameRelay } from './frame-relay.js';
import { TickPath } from './tick-path.js';
import { SubscriptionRegistry, type AcquireResult } from './subscription-registry.js';
import { UpstreamConnection, type LinkFactory } from './upstream-connection.js';
import { upstreamTextHandler } from './upstream-text.js';

/**
 * The feed's decisions: whether the upstream runs (a Kite session × this node may hold it), with
 * which token, and what it subscribes (the clients' coalesced interest). The I/O is
 * UpstreamConnection's; its frames go to FrameRelay (the node's TickSource), whose frames TickPath
 * takes: none come back here.
 */
@Injectable()
export class MarketFeedService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MarketFeedService.name);
  /** The instruments this node's upstream subscribes: the union of every node's demand (here, this node's). */
  private readonly upstreamRegistry = new SubscriptionRegistry();
  private readonly upstream: UpstreamConnection;
  private status: FeedStatus = { state: 'AUTH_REQUIRED', reason: 'starting' };
  private authReason = 'no Kite session: log in';
  private decision: Promise<void> = Promise.resolve();
  private flushTimer?: NodeJS.Timeout;
  private stopped = false;
  /** Instruments acquired here since the last flush that the union did not hold yet (cluster capacity). */
  private readonly pendingNew = new Set<number>();
  private readonly off: (() => void)[] = [];
  private readonly nodeId: string;

  constructor(
    private readonly session: KiteSessionService,
    private readonly ownership: UpstreamOwnership,
    private readonly relay: FrameRelay,
    private readonly membership: ClusterMembership,
    private readonly events: RelayEvents,
    /** Every frame's way to the clients (the health and the snapshot read its last ticks). */
    readonly ticks: TickPath,
    @Inject(CLIENT_REGISTRY) private readonly clients: SubscriptionRegistry,
    @Inject(FEED_TUNING) private readonly tuning: FeedTuning,
    @Inject(LINK_FACTORY) factory: LinkFactory,
    @Inject(FEED_METRICS) private readonly m: FeedMetrics,
    config: AppConfigService,
    orders: OrderUpdatesService,
  ) {
    this.nodeId = config.values.nodeId;
    const { wsRoot, apiKey } = config.values.kite;
    // Only the holder (or a standalone node) opens it; its frames go through the relay.
    this.upstream = new UpstreamConnection({ wsRoot, apiKey }, factory, tuning, this.upstreamRegistry, {
      frame: (data, shard) => this.relay.fromUpstream(data, shard),
      text: upstreamTextHandler({
        orders,
        session,
        logger: this.logger,
        m: this.m,
        accessToken: () => this.upstream.accessToken,
      }),
      state: (state, reason) => this.upstreamState(state, reason),
      refused: () => {
        this.logger.warn('Kite refused the ticker connection (403): session expired');
        this.authReason = 'Kite refused the access token';
        this.setState('AUTH_REQUIRED', this.authReason);
        this.session.reportTokenRejected(undefined, 'ticker upgrade 403');
      },
      connections: (n) => this.m.connections.set(n),
      dropped: (cause) => this.m.reconnects.inc({ reason: cause }),
      event: (e) => this.relay.fromUpstreamEvent(e),
    });
    this.setState('AUTH_REQUIRED', 'starting');
    this.relay.attach({
      upstreamStatus: () => this.status,
      followerChanged: () => this.followerState(),
    });
  }

  onApplicationBootstrap(): void {
    this.off.push(
      this.events.on('session.changed', () => this.decide()),
      this.events.on('session.expired', (e) => {
        this.authReason = `Kite session expired: ${e.reason}`;
        this.decide();
      }),
      this.events.on('session.cleared', () => {
        this.authReason = 'logged out';
        this.decide();
      }),
      this.events.on('ownership.changed', () => this.decide()),
      // Every node keeps the union of the cluster's demand: the holder subscribes it, and capacity counts it.
      this.events.on('cluster.demand', ({ node, demand }) => {
        this.upstreamRegistry.replace(node, demand);
        this.scheduleFlush();
      }),
    );
    this.decide();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    for (const off of this.off) off();
    clearTimeout(this.flushTimer);
    await this.decision;
    await this.upstream.stop();
    this.setState('STOPPED', 'shutting down');
  }

  get state(): FeedStatus {
    return this.status;
  }

  /** When the last tick was received (clock time, epoch ms). */
  get lastTickAt(): number | undefined {
    return this.ticks.lastTickAt;
  }

  get openConnections(): number {
    return this.upstream.openConnections;
  }

  get upstreamInstruments(): number {
    return this.upstreamRegistry.upstreamCount;
  }

  /** Whether the upstream subscribes `token` (someone on some node wants it). */
  isStreamed(token: number): boolean {
    return this.upstreamRegistry.upstreamMode(token) !== undefined;
  }

  /** Registers a client's interest; the changes go upstream together after a short window. */
  async acquire(client: string, items: readonly { token: number; mode: TickMode }[]): Promise<AcquireResult> {
    const union = this.upstreamRegistry;
    const r = this.clients.acquire(client, items, (token) => {
      if (union.has(token) || this.pendingNew.has(token)) return true;
      if (union.size + this.pendingNew.size >= union.capacity) return false;
      this.pendingNew.add(token);
      return true;
    });
    this.scheduleFlush();
    return r;
  }

  release(client: string, tokens?: Iterable<number>): number[] {
    const r = this.clients.release(client, tokens);
    if (r.length > 0) this.scheduleFlush();
    return r;
  }

  private setState(state: FeedState, reason?: string): void {
    const cur = this.status;
    if (cur.state === state && cur.reason === reason) return;
    for (const s of ['CONNECTING', 'LIVE', 'RECONNECTING', 'AUTH_REQUIRED', 'STOPPED'] as const) {
      this.m.state.set({ state: s }, s === state ? 1 : 0);
    }
    if (cur.state !== state) this.logger.log(`feed: ${state}${reason ? ` (${reason})` : ''}`);
    this.status = reason ? { state, reason } : { state };
    this.events.emit('feed.status', this.status);
  }

  /** Re-decides whether the upstream runs and with which token; decisions run one after another. */
  private decide(): void {
    this.decision = this.decision.then(() => this.applyDecision());
  }

  private async applyDecision(): Promise<void> {
    if (this.stopped) return;
    const token = this.session.current?.accessToken;
    const mayHold = this.ownership.mayHoldUpstream;
    const running = this.upstream.accessToken;
    if (token && mayHold && running === token) return;
    // The old connection closes before a new one opens: never two at once.
    if (running) await this.upstream.stop();
    if (this.stopped) return;
    if (!token) return this.setState('AUTH_REQUIRED', this.authReason);
    if (!mayHold) return this.followerState();
    this.flush();
    this.upstream.start(token);
  }

  /** The upstream's own state counts while this node runs it. */
  private upstreamState(state: FeedState, reason?: string): void {
    if (this.upstream.accessToken) this.setState(state, reason);
  }

  /** A follower with a session reports the holder's feed as it reaches this node. */
  private followerState(): void {
    if (this.stopped || !this.session.current || this.ownership.mayHoldUpstream) return;
    const s = this.relay.followerStatus();
    this.setState(s.state, s.reason);
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
    }, this.tuning.coalesceMs);
    this.flushTimer.unref();
  }

  /** Moves the clients' coalesced interest into the upstream registry and sends what changed. */
  private flush(): void {
    const local = this.clients.takeDemandChanges();
    this.pendingNew.clear();
    if (local.size > 0) {
      this.upstreamRegistry.applyDemandChanges(this.nodeId, local);
      this.membership.setDemand(this.clients.demand());
    }
    const changes = this.upstreamRegistry.takeChanges();
    this.m.instruments.set(this.upstreamRegistry.upstreamCount);
    this.upstream.apply(changes);
  }
}
