import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { AppConfigService } from '../config/app-config.service.js';
import { RelayEvents } from '../events/relay-events.js';
import { FEED_TUNING, type FeedStatus, type FeedTuning } from './market-feed.constants.js';
import type { SourceEvent, SourceFrame, TickSource, UpstreamEvent } from './tick-source.js';
import { MetricsService } from '../metrics/metrics.service.js';
import type { FeedMessage } from '../redis/bus-messages.contract.js';
import { ClusterBus, type BusFrame } from '../redis/cluster-bus.js';
import { RedisClients } from '../redis/redis-clients.js';
import { FencingGate } from '../cluster/fencing-gate.js';
import { UpstreamOwnership } from '../cluster/upstream-ownership.js';

/** What the relay needs of the feed: the feed's own state. Frames go out through the TickSource port. */
export interface FeedHooks {
  /** The upstream's state on this node (meaningful on the holder). */
  upstreamStatus(): FeedStatus;
  /** The follower view changed: the feed re-reads `followerStatus()`. */
  followerChanged(): void;
}

/** A frame of an unconfirmed tenure makes the follower read the lease again, at most this often. */
const RECHECK_MS = 250;

/**
 * Where a node's ticks come from. The holder serves its upstream frames to its own clients and
 * publishes each one, exactly as Kite sent it, with its fencing number; the other nodes feed the
 * same decoder from the bus. A follower uses only frames of the lease it last read (its holder and
 * fencing number): a lower number is stale, a higher one is not trusted until the lease, read again,
 * says so, so no client gets ticks of two tenures and no frame can silence the holder. Right after
 * a takeover repeats are dropped too. Followers report the holder's feed state, or why they cannot
 * (Redis away, no holder, no frames).
 */
@Injectable()
export class FrameRelay implements TickSource, OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(FrameRelay.name);
  private readonly gate = new FencingGate();
  private hooks?: FeedHooks;
  private readonly listeners = new Set<(frame: SourceFrame) => void>();
  private readonly eventListeners = new Set<(event: SourceEvent) => void>();
  private holderStatus?: { status: FeedStatus; at: number; node: string };
  private lastBusFrameAt = 0;
  private lastRecheck = 0;
  private timer?: NodeJS.Timeout;
  private readonly off: (() => void)[] = [];
  private readonly nodeId: string;
  private readonly m;

  constructor(
    config: AppConfigService,
    private readonly ownership: UpstreamOwnership,
    private readonly bus: ClusterBus,
    private readonly redis: RedisClients,
    private readonly events: RelayEvents,
    @Inject(FEED_TUNING) private readonly tuning: FeedTuning,
    metrics: MetricsService,
  ) {
    this.nodeId = config.values.nodeId;
    this.m = {
      received: metrics.counter(
        'bus_frames_received_total',
        'Upstream frames received from the holder over Redis',
      ),
      dropped: metrics.counter(
        'bus_frames_dropped_total',
        'Bus frames dropped: stale tenure, a tenure the lease does not name (yet), or not from the lease holder',
        ['reason'],
      ),
      published: metrics.counter(
        'bus_frames_published_total',
        'Upstream frames this node published as holder',
      ),
      info: metrics.gauge('node_info', 'This node (1), with its id and role', ['node_id', 'role']),
      fencing: metrics.gauge(
        'cluster_fencing',
        'Fencing number of the upstream tenure in force (0 when none)',
      ),
    };
  }

  onModuleInit(): void {
    this.updateInfo();
    if (!this.redis.configured) return;
    this.off.push(
      this.bus.onFrame((f) => this.fromBus(f)),
      this.bus.onMessage('feed', (msg) => this.onFeed(msg)),
      this.events.on('ownership.changed', (s) => {
        if (s.fencing !== null) this.gate.observe(s.fencing, Date.now());
        this.updateInfo();
        this.hooks?.followerChanged();
      }),
      this.events.on('redis.availability', () => this.hooks?.followerChanged()),
      this.events.on('feed.status', (s) => {
        if (this.ownership.state.role === 'holder') void this.announce(s);
      }),
    );
    // The holder re-announces its state every renewal; a follower re-checks its view as often.
    this.timer = setInterval(() => this.tick(), Math.min(1000, this.tuning.watchdogMs / 2));
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
    for (const off of this.off) off();
  }

  attach(hooks: FeedHooks): void {
    this.hooks = hooks;
  }

  onFrame(listener: (frame: SourceFrame) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onUpstreamEvent(listener: (event: SourceEvent) => void): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  /** Something this node's own upstream did besides a binary frame: told to the port's listeners. */
  fromUpstreamEvent(e: UpstreamEvent): void {
    if (this.eventListeners.size === 0) return;
    const { role, fencing } = this.ownership.state;
    const event: SourceEvent = { ...e, receivedAt: Date.now(), fencing: role === 'holder' ? fencing : null };
    for (const l of this.eventListeners) l(event);
  }

  private emit(frame: SourceFrame): void {
    for (const l of this.listeners) l(frame);
  }

  /** A frame from this node's own upstream: served here, and published when this node holds the lease. */
  fromUpstream(frame: Buffer, shard: number): void {
    const { role, fencing } = this.ownership.state;
    const now = Date.now();
    if (role !== 'holder' || fencing === null) {
      const standalone = { data: frame, receivedAt: now, shard, fencing: null, origin: 'upstream' as const };
      return this.emit({ ...standalone, dropRepeats: false });
    }
    // This node's own lease names its fencing number.
    this.gate.observe(fencing, now);
    if (this.gate.admit(fencing) === 'stale') {
      // A newer tenure exists: this node is about to learn it lost the lease; its frames stop here.
      this.ownership.nudge();
      return;
    }
    const dropRepeats = this.gate.inSwitchWindow(now);
    this.emit({ data: frame, receivedAt: now, shard, fencing, origin: 'upstream', dropRepeats });
    this.m.published.inc();
    void this.bus.publishFrame(fencing, frame);
  }

  /** What a follower reports as its feed state. */
  followerStatus(): FeedStatus {
    const now = Date.now();
    if (!this.redis.up) {
      return { state: 'RECONNECTING', reason: 'Redis unreachable: no ticks from the cluster' };
    }
    if (!this.ownership.state.holder) {
      return { state: 'CONNECTING', reason: 'waiting for a node to hold the upstream' };
    }
    const h = this.holderStatus;
    if (!h || h.node !== this.ownership.state.holder || now - h.at > 3 * this.tuning.watchdogMs) {
      return { state: 'CONNECTING', reason: `waiting for the feed of ${this.ownership.state.holder}` };
    }
    if (h.status.state === 'LIVE' && now - this.lastBusFrameAt > this.tuning.watchdogMs) {
      return { state: 'RECONNECTING', reason: 'no frames from the holder' };
    }
    return h.status;
  }

  private fromBus(f: BusFrame): void {
    if (f.nodeId === this.nodeId) return;
    const now = Date.now();
    const verdict = this.gate.admit(f.fencing);
    if (verdict === 'stale') return this.m.dropped.inc({ reason: 'stale' });
    if (verdict === 'unconfirmed') {
      this.recheckLease(now);
      return this.m.dropped.inc({ reason: 'unconfirmed' });
    }
    if (f.nodeId !== this.ownership.state.holder) return this.m.dropped.inc({ reason: 'not_holder' });
    this.lastBusFrameAt = now;
    this.m.received.inc();
    const dropRepeats = this.gate.inSwitchWindow(now);
    this.emit({
      data: f.frame,
      receivedAt: now,
      shard: null,
      fencing: f.fencing,
      origin: 'bus',
      dropRepeats,
    });
  }

  /** A tenure the lease did not name when last read: a takeover (read it now), or a buggy or forged frame. */
  private recheckLease(now: number): void {
    if (now - this.lastRecheck < RECHECK_MS) return;
    this.lastRecheck = now;
    this.ownership.nudge();
  }

  private onFeed(msg: FeedMessage): void {
    if (msg.node === this.nodeId) return;
    const verdict = this.gate.admit(msg.fencing);
    if (verdict === 'unconfirmed') this.recheckLease(Date.now());
    if (verdict !== 'accept' || msg.node !== this.ownership.state.holder) return;
    const { state } = msg;
    const status: FeedStatus = msg.reason !== undefined ? { state, reason: msg.reason } : { state };
    const changed =
      this.holderStatus?.status.state !== state || this.holderStatus.status.reason !== status.reason;
    this.holderStatus = { status, at: Date.now(), node: msg.node };
    if (changed) this.hooks?.followerChanged();
  }

  private async announce(status: FeedStatus): Promise<void> {
    const { fencing } = this.ownership.state;
    if (fencing === null) return;
    await this.bus.publishMessage({ type: 'feed', node: this.nodeId, fencing, ...status });
  }

  private tick(): void {
    if (this.ownership.state.role === 'holder' && this.hooks) void this.announce(this.hooks.upstreamStatus());
    else this.hooks?.followerChanged();
  }

  private updateInfo(): void {
    const { role, fencing } = this.ownership.state;
    this.m.info.reset();
    this.m.info.set({ node_id: this.nodeId, role }, 1);
    this.m.fencing.set(fencing ?? 0);
    if (role === 'holder') this.logger.debug(`holding the upstream with fencing ${fencing}`);
  }
}
