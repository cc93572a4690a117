import type { TickMode } from '../kite/kite.constants.js';
import type { ServerTextMessage } from '../kite/messages.js';
import { reconnectDelay } from './backoff.js';
import type { KiteConnectionHandlers } from './kite-connection.js';
import type { FeedTuning } from './market-feed.constants.js';
import { sendShardChange, sendShardState } from './shard-messages.js';
import type { ShardChange } from './subscription-registry.js';
import type { UpstreamEvent } from './tick-source.js';

/** One ticker WebSocket as the upstream sees it (KiteConnection in production, a fake in tests). */
export interface UpstreamLink {
  open(): void;
  send(text: string): boolean;
  close(): Promise<void>;
}
export type LinkFactory = (url: string, handlers: KiteConnectionHandlers) => UpstreamLink;

/** What the upstream reports to the feed. */
export interface UpstreamListener {
  /** A binary frame, as Kite sent it, on connection (shard) `shard`. */
  frame(data: Buffer, shard: number): void;
  /** A text frame, parsed (undefined when malformed), and `raw` exactly as Kite sent it. */
  text(msg: ServerTextMessage | undefined, raw: string): void;
  state(state: 'CONNECTING' | 'LIVE' | 'RECONNECTING', reason?: string): void;
  /** Kite refused the token (HTTP 403 on the upgrade): the upstream has stopped itself. */
  refused(): void;
  /** The number of open (live) connections changed. */
  connections(open: number): void;
  /** A connection dropped and will be retried: `cause` is the HTTP status, `watchdog` or `drop`. */
  dropped(cause: string): void;
  /** Connects, disconnects, subscription messages sent and raw text frames, per shard (for the tape). */
  event?(e: UpstreamEvent): void;
}

/** What the upstream needs of the subscription registry: what each shard holds. */
export interface ShardView {
  shardState(shard: number): Map<TickMode, number[]>;
  activeShards(): number[];
}

interface Shard {
  index: number;
  link?: UpstreamLink;
  live: boolean;
  attempt: number;
  lastFrameAt: number;
  retry?: NodeJS.Timeout;
}

/** One session's connections; callbacks of an older run find it replaced and do nothing. */
interface Run {
  accessToken: string;
  shards: Map<number, Shard>;
}

/**
 * The upstream Kite ticker connection(s): one per shard, reconnecting with backoff, watched for
 * silence, resubscribed after every reconnect. I/O only: whether to run at all, and with which
 * token, is MarketFeedService's decision. Times here are transport timing (Date.now, timers).
 */
export class UpstreamConnection {
  private run?: Run;
  private watchdog?: NodeJS.Timeout;

  constructor(
    private readonly endpoint: { wsRoot: string; apiKey: string },
    private readonly factory: LinkFactory,
    private readonly tuning: FeedTuning,
    private readonly shards: ShardView,
    private readonly listener: UpstreamListener,
  ) {}

  /** The access token the running connections use; undefined while stopped. */
  get accessToken(): string | undefined {
    return this.run?.accessToken;
  }

  get openConnections(): number {
    let n = 0;
    for (const s of this.run?.shards.values() ?? []) if (s.live) n++;
    return n;
  }

  /** Opens every active shard with `accessToken`. The caller stops a running upstream first. */
  start(accessToken: string): void {
    const run: Run = { accessToken, shards: new Map() };
    this.run = run;
    this.listener.state('CONNECTING');
    for (const i of this.shards.activeShards()) this.openShard(run, i, 0);
    clearInterval(this.watchdog);
    this.watchdog = setInterval(
      () => this.checkSilence(run),
      Math.max(100, Math.floor(this.tuning.watchdogMs / 5)),
    );
    this.watchdog.unref();
  }

  /** Closes every connection and resolves when they are gone; no listener call follows. */
  async stop(): Promise<void> {
    const run = this.run;
    this.run = undefined;
    clearInterval(this.watchdog);
    if (!run) return;
    await Promise.all(
      [...run.shards.values()].map(async (s) => {
        clearTimeout(s.retry);
        await s.link?.close();
        if (s.live) this.listener.event?.({ kind: 'disconnect', shard: s.index, reason: 'stopped' });
      }),
    );
    this.listener.connections(0);
  }

  /** Sends coalesced subscription changes; opens shards that became active, closes those that emptied. */
  apply(changes: readonly ShardChange[]): void {
    const run = this.run;
    if (!run) return;
    const active = new Set(this.shards.activeShards());
    for (const c of changes) {
      const shard = run.shards.get(c.shard);
      if (!shard) {
        if (active.has(c.shard)) {
          this.listener.state('CONNECTING', `opening shard ${c.shard}`);
          this.openShard(run, c.shard, 0);
        }
        continue;
      }
      if (!shard.live || !shard.link) continue; // it subscribes its whole state when it opens
      const sent = sendShardChange(shard.link, c);
      if (sent) this.listener.event?.(sent);
    }
    for (const [i, shard] of run.shards) {
      if (active.has(i)) continue;
      run.shards.delete(i);
      clearTimeout(shard.retry);
      if (shard.live) this.listener.event?.({ kind: 'disconnect', shard: i, reason: 'shard emptied' });
      void shard.link?.close().then(() => this.listener.connections(this.openConnections));
    }
  }

  private openShard(run: Run, index: number, attempt: number): void {
    const url = new URL(this.endpoint.wsRoot);
    url.searchParams.set('api_key', this.endpoint.apiKey);
    url.searchParams.set('access_token', run.accessToken);
    const shard: Shard = { index, live: false, attempt, lastFrameAt: Date.now() };
    run.shards.set(index, shard);
    const current = () => this.run === run && run.shards.get(index) === shard;
    const link = this.factory(url.toString(), {
      onOpen: () => {
        if (!current()) return;
        this.listener.event?.({ kind: 'connect', shard: index });
        const sent = sendShardState(link, index, this.shards.shardState(index));
        this.listener.event?.(sent);
        shard.live = true;
        shard.attempt = 0;
        shard.lastFrameAt = Date.now();
        this.listener.connections(this.openConnections);
        if (this.shards.activeShards().every((i) => run.shards.get(i)?.live)) this.listener.state('LIVE');
      },
      onFrame: (frame) => {
        if (!current()) return;
        shard.lastFrameAt = Date.now();
        this.listener.frame(frame, index);
      },
      onText: (msg, raw) => {
        if (!current()) return;
        this.listener.event?.({ kind: 'text', shard: index, text: raw, type: msg?.type ?? 'unknown' });
        this.listener.text(msg, raw);
      },
      onClose: (info) => {
        if (!current()) return;
        shard.live = false;
        this.listener.connections(this.openConnections);
        this.onDrop(run, shard, info);
      },
    });
    shard.link = link;
    link.open();
  }

  private onDrop(
    run: Run,
    shard: Shard,
    info: { code?: number; reason?: string; httpStatus?: number },
  ): void {
    if (info.httpStatus === 403) {
      this.listener.event?.({ kind: 'disconnect', shard: shard.index, reason: 'upstream answered 403' });
      // Kite refused the token: no further attempts with it.
      void this.stop();
      this.listener.refused();
      return;
    }
    const delay = reconnectDelay(shard.attempt, this.tuning, info.httpStatus);
    const reason = info.httpStatus
      ? `upstream answered ${info.httpStatus}`
      : info.reason === 'watchdog'
        ? 'no frame for the watchdog interval'
        : `connection closed (${info.code ?? 'no code'})`;
    this.listener.event?.({ kind: 'disconnect', shard: shard.index, reason });
    this.listener.dropped(
      info.httpStatus ? String(info.httpStatus) : info.reason === 'watchdog' ? 'watchdog' : 'drop',
    );
    this.listener.state('RECONNECTING', reason);
    shard.retry = setTimeout(() => {
      if (this.run === run && run.shards.get(shard.index) === shard) {
        this.openShard(run, shard.index, shard.attempt + 1);
      }
    }, delay);
    shard.retry.unref();
  }

  private checkSilence(run: Run): void {
    if (this.run !== run) return;
    const now = Date.now();
    for (const shard of run.shards.values()) {
      if (!shard.live || now - shard.lastFrameAt <= this.tuning.watchdogMs) continue;
      shard.live = false;
      this.listener.connections(this.openConnections);
      const old = shard.link;
      shard.link = undefined;
      void old?.close();
      this.onDrop(run, shard, { reason: 'watchdog' });
    }
  }
}
