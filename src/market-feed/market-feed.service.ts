import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { Inject } from '@nestjs/common';
import { BehaviorSubject, Subject, type Observable, type Subscription } from 'rxjs';
import { AuthService, type KiteSession } from '../auth/auth.service.js';
import { CacheService } from '../cache/cache.service.js';
import { Clock, type ClockTimer } from '../clock/clock.js';
import { AppConfigService } from '../config/app-config.service.js';
import type { DecodedFrame } from '../kite/decode-frame.js';
import { IST_OFFSET_MS, type TickMode } from '../kite/kite.constants.js';
import { modeMessage, subscribeMessage, unsubscribeMessage } from '../kite/messages.js';
import type { Tick } from '../kite/tick.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { InstrumentsService } from './instruments.service.js';
import { KiteConnection } from './kite-connection.js';
import {
  FEED_TUNING,
  TOKENS_PER_MESSAGE,
  type FeedState,
  type FeedStatus,
  type FeedTuning,
} from './market-feed.constants.js';
import { SubscriptionRegistry, type AcquireResult } from './subscription-registry.js';
import { UpstreamOwnership } from './upstream-ownership.js';

interface Shard {
  index: number;
  conn?: KiteConnection;
  live: boolean;
  attempt: number;
  lastFrameAt: number;
  retry?: NodeJS.Timeout;
}

const chunks = (tokens: number[]) =>
  Array.from({ length: Math.ceil(tokens.length / TOKENS_PER_MESSAGE) }, (_, i) =>
    tokens.slice(i * TOKENS_PER_MESSAGE, (i + 1) * TOKENS_PER_MESSAGE),
  );

/**
 * Owns the upstream Kite ticker connection(s): one per shard for the whole application, opened at
 * bootstrap when a session exists, reconnecting with backoff, watched for silence, resubscribed
 * after every reconnect. Decodes each frame once and publishes the ticks on one stream.
 */
@Injectable()
export class MarketFeedService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(MarketFeedService.name);
  private readonly registry = new SubscriptionRegistry();
  private readonly shards = new Map<number, Shard>();
  private readonly status = new BehaviorSubject<FeedStatus>({ state: 'AUTH_REQUIRED', reason: 'starting' });
  private readonly ticks = new Subject<Tick[]>();
  private session?: KiteSession;
  private generation = 0;
  private flushTimer?: NodeJS.Timeout;
  private watchdog?: NodeJS.Timeout;
  private instrumentsTimer?: ClockTimer;
  private authSub?: Subscription;
  private stopped = false;
  private lastTick = 0;
  private readonly m;

  /** Every decoded tick, once, in frame batches. */
  readonly ticks$: Observable<Tick[]> = this.ticks.asObservable();
  /** The feed state; replays the current one to new subscribers. */
  readonly status$: Observable<FeedStatus> = this.status.asObservable();

  constructor(
    private readonly auth: AuthService,
    private readonly cache: CacheService,
    private readonly instruments: InstrumentsService,
    private readonly ownership: UpstreamOwnership,
    private readonly config: AppConfigService,
    private readonly clock: Clock,
    @Inject(FEED_TUNING) private readonly tuning: FeedTuning,
    metrics: MetricsService,
  ) {
    this.m = {
      connections: metrics.gauge('upstream_connections', 'Open upstream Kite ticker connections'),
      instruments: metrics.gauge('upstream_instruments', 'Instruments subscribed upstream'),
      received: metrics.counter('ticks_received_total', 'Ticks decoded from the upstream'),
      malformed: metrics.counter('frames_malformed_total', 'Upstream frames dropped as malformed'),
      skipped: metrics.counter('packets_skipped_total', 'Upstream packets of unknown size skipped'),
      reconnects: metrics.counter('upstream_reconnects_total', 'Upstream reconnect attempts', ['reason']),
      state: metrics.gauge('feed_state', 'Feed state (1 for the current one)', ['state']),
    };
    this.setState('AUTH_REQUIRED', 'starting');
  }

  onApplicationBootstrap(): void {
    this.authSub = this.auth.events$.subscribe((e) => {
      if (e.type === 'session changed') void this.useSession(e.session);
      else {
        void this.stopForAuth(
          e.type === 'session expired' ? `Kite session expired: ${e.reason}` : 'logged out',
        );
      }
    });
    const current = this.auth.current;
    if (current) void this.useSession(current);
    else this.setState('AUTH_REQUIRED', 'no Kite session: log in');
    this.watchdog = setInterval(
      () => this.checkSilence(),
      Math.max(100, Math.floor(this.tuning.watchdogMs / 5)),
    );
    this.watchdog.unref();
    this.armInstrumentRefresh();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.generation++;
    this.authSub?.unsubscribe();
    clearInterval(this.watchdog);
    clearTimeout(this.flushTimer);
    this.instrumentsTimer?.cancel();
    await this.closeAll();
    this.setState('STOPPED', 'shutting down');
    this.ticks.complete();
    this.status.complete();
  }

  get state(): FeedStatus {
    return this.status.value;
  }

  get lastTickAt(): number | undefined {
    return this.lastTick || undefined;
  }

  get openConnections(): number {
    return [...this.shards.values()].filter((s) => s.live).length;
  }

  get upstreamInstruments(): number {
    return this.registry.upstreamCount;
  }

  /** Registers a client's interest; changes go upstream together after a short window. */
  acquire(client: string, items: readonly { token: number; mode: TickMode }[]): AcquireResult {
    const r = this.registry.acquire(client, items);
    this.scheduleFlush();
    return r;
  }

  release(client: string, tokens?: Iterable<number>): number[] {
    const r = this.registry.release(client, tokens);
    if (r.length > 0) this.scheduleFlush();
    return r;
  }

  upstreamMode(token: number): TickMode | undefined {
    return this.registry.upstreamMode(token);
  }

  private setState(state: FeedState, reason?: string): void {
    const cur = this.status.value;
    if (cur.state === state && cur.reason === reason) return;
    for (const s of ['CONNECTING', 'LIVE', 'RECONNECTING', 'AUTH_REQUIRED', 'STOPPED'] as const) {
      this.m.state.set({ state: s }, s === state ? 1 : 0);
    }
    if (cur.state !== state) this.logger.log(`feed: ${state}${reason ? ` (${reason})` : ''}`);
    this.status.next(reason ? { state, reason } : { state });
  }

  private async useSession(session: KiteSession): Promise<void> {
    if (this.stopped) return;
    const gen = ++this.generation;
    // The old connection closes before the new one opens: never two at once.
    await this.closeAll();
    if (gen !== this.generation) return;
    this.cache.invalidateQuotes();
    this.session = session;
    this.instruments
      .load()
      .catch((err: unknown) =>
        this.logger.warn(`instrument master not loaded: ${(err as Error).message ?? String(err)}`),
      );
    if (!(await this.ownership.mayHoldUpstream())) {
      this.setState('STOPPED', 'another node holds the upstream connection');
      return;
    }
    if (gen !== this.generation) return;
    this.setState('CONNECTING');
    this.registry.takeChanges();
    for (const i of this.registry.activeShards()) this.openShard(i);
  }

  private async stopForAuth(reason: string): Promise<void> {
    this.generation++;
    this.session = undefined;
    await this.closeAll();
    this.cache.invalidateQuotes();
    this.setState('AUTH_REQUIRED', reason);
  }

  private async closeAll(): Promise<void> {
    const all = [...this.shards.values()];
    this.shards.clear();
    await Promise.all(
      all.map(async (s) => {
        clearTimeout(s.retry);
        await s.conn?.close();
      }),
    );
    this.m.connections.set(0);
  }

  private openShard(index: number, attempt = 0): void {
    const session = this.session;
    if (!session || this.stopped) return;
    const gen = this.generation;
    const { apiKey, wsRoot } = this.config.values.kite;
    const url = new URL(wsRoot);
    url.searchParams.set('api_key', apiKey);
    url.searchParams.set('access_token', session.accessToken);
    const shard: Shard = { index, live: false, attempt, lastFrameAt: Date.now() };
    this.shards.set(index, shard);
    const conn = new KiteConnection(url.toString(), {
      onOpen: () => {
        if (gen !== this.generation) return;
        for (const [mode, tokens] of this.registry.shardState(index)) {
          for (const part of chunks(tokens)) {
            conn.send(subscribeMessage(part));
            conn.send(modeMessage(mode, part));
          }
        }
        shard.live = true;
        shard.attempt = 0;
        shard.lastFrameAt = Date.now();
        this.m.connections.set(this.openConnections);
        this.updateLiveState();
      },
      onFrame: (frame) => {
        if (gen !== this.generation) return;
        shard.lastFrameAt = Date.now();
        this.onFrame(frame);
      },
      onText: (msg) => {
        if (!msg) return this.m.malformed.inc();
        if (msg.type === 'error') {
          this.logger.warn(`Kite ticker error: ${msg.data.slice(0, 200)}`);
          if (/TokenException|token/i.test(msg.data)) {
            this.auth.reportTokenRejected(session.accessToken, 'ticker error message');
          }
        }
      },
      onClose: (info) => {
        if (gen !== this.generation || this.shards.get(index) !== shard) return;
        shard.live = false;
        this.m.connections.set(this.openConnections);
        this.onDrop(shard, session, info);
      },
    });
    shard.conn = conn;
    conn.open();
  }

  private onDrop(
    shard: Shard,
    session: KiteSession,
    info: { code?: number; reason?: string; httpStatus?: number },
  ): void {
    if (info.httpStatus === 403) {
      // Kite refused the token: the session is over; no further attempts until a new one arrives.
      this.logger.warn('Kite refused the ticker connection (403): session expired');
      this.auth.reportTokenRejected(session.accessToken, 'ticker upgrade 403');
      void this.stopForAuth('Kite refused the access token');
      return;
    }
    const exp = Math.min(this.tuning.backoffCapMs, this.tuning.backoffBaseMs * 2 ** shard.attempt);
    let delay = Math.random() * exp;
    if (info.httpStatus === 429) delay = Math.max(delay, this.tuning.tooManyRequestsMs);
    const reason = info.httpStatus
      ? `upstream answered ${info.httpStatus}`
      : `connection closed (${info.code ?? 'no code'})`;
    this.m.reconnects.inc({ reason: info.httpStatus ? String(info.httpStatus) : 'drop' });
    this.setState('RECONNECTING', reason);
    const gen = this.generation;
    shard.retry = setTimeout(() => {
      if (gen === this.generation && this.shards.get(shard.index) === shard) {
        this.openShard(shard.index, shard.attempt + 1);
      }
    }, delay);
    shard.retry.unref();
  }

  private updateLiveState(): void {
    const active = this.registry.activeShards();
    if (active.every((i) => this.shards.get(i)?.live)) this.setState('LIVE');
  }

  private checkSilence(): void {
    const now = Date.now();
    for (const shard of this.shards.values()) {
      if (!shard.live || now - shard.lastFrameAt <= this.tuning.watchdogMs) continue;
      this.logger.warn(
        `feed: no frame for ${now - shard.lastFrameAt} ms on shard ${shard.index}; reconnecting`,
      );
      shard.live = false;
      const session = this.session;
      void shard.conn?.close();
      if (session) this.onDrop(shard, session, { reason: 'watchdog' });
    }
  }

  private onFrame(frame: DecodedFrame): void {
    if (frame.heartbeat) return;
    if (frame.error) this.m.malformed.inc();
    if (frame.skipped) this.m.skipped.inc(frame.skipped);
    const ticks = frame.ticks;
    if (ticks.length === 0) return;
    for (const t of ticks) {
      const symbol = this.instruments.symbolOf(t.instrument_token);
      if (symbol) t.symbol = symbol;
    }
    this.lastTick = this.clock.now();
    this.m.received.inc(ticks.length);
    this.cache.putTicks(ticks, this.lastTick);
    this.ticks.next(ticks);
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush();
    }, this.tuning.coalesceMs);
    this.flushTimer.unref();
  }

  /** Sends the coalesced subscription changes upstream; opens or closes shards as needed. */
  private flush(): void {
    const changes = this.registry.takeChanges();
    this.m.instruments.set(this.registry.upstreamCount);
    if (!this.session || this.stopped) return;
    const active = new Set(this.registry.activeShards());
    for (const c of changes) {
      const shard = this.shards.get(c.shard);
      if (!shard) {
        if (active.has(c.shard)) {
          this.setState('CONNECTING', `opening shard ${c.shard}`);
          this.openShard(c.shard);
        }
        continue;
      }
      if (!shard.live || !shard.conn) continue; // it subscribes its whole state when it opens
      for (const part of chunks(c.unsubscribe)) shard.conn.send(unsubscribeMessage(part));
      for (const part of chunks(c.subscribe)) shard.conn.send(subscribeMessage(part));
      for (const [mode, tokens] of c.mode) {
        for (const part of chunks(tokens)) shard.conn.send(modeMessage(mode, part));
      }
    }
    for (const [i, shard] of this.shards) {
      if (!active.has(i)) {
        this.shards.delete(i);
        clearTimeout(shard.retry);
        void shard.conn?.close().then(() => this.m.connections.set(this.openConnections));
      }
    }
  }

  private armInstrumentRefresh(): void {
    // Kite publishes the instrument master once a day at about 08:30 IST.
    const now = this.clock.now();
    const ist = new Date(now + IST_OFFSET_MS);
    let next = Date.UTC(ist.getUTCFullYear(), ist.getUTCMonth(), ist.getUTCDate(), 8, 35) - IST_OFFSET_MS;
    if (next <= now) next += 86_400_000;
    this.instrumentsTimer = this.clock.at(next, () => {
      if (this.session) this.instruments.load(true).catch(() => undefined);
      this.armInstrumentRefresh();
    });
  }
}
