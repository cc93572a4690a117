import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { CacheService } from '../cache/cache.service.js';
import { Clock } from '../clock/clock.js';
import { RelayEvents } from '../events/relay-events.js';
import { InstrumentsService } from '../instruments/instruments.service.js';
import { decodeFrame } from '../kite/decode-frame.js';
import type { Tick } from '../kite/tick.js';
import { FEED_METRICS, type FeedMetrics } from './market-feed.metrics.js';
import { RepeatFilter } from './repeat-filter.js';
import { TICK_SOURCE, type TickSource } from './tick-source.js';

/**
 * The tick path of a node, whatever the frames' source (its own upstream, or the holder's over the
 * bus): it takes every frame of the node's TickSource, decodes it once, drops repeats, adds
 * symbols, caches the ticks and raises them as feed.ticks. Malformed parts are counted, never thrown.
 * The frame path runs one way: upstream (or bus) → FrameRelay (the TickSource) → here → events.
 */
@Injectable()
export class TickPath implements OnModuleDestroy {
  private readonly repeats = new RepeatFilter();
  private lastTick = 0;
  private readonly off: () => void;

  constructor(
    private readonly instruments: InstrumentsService,
    private readonly cache: CacheService,
    private readonly events: RelayEvents,
    private readonly clock: Clock,
    @Inject(FEED_METRICS) private readonly m: FeedMetrics,
    @Inject(TICK_SOURCE) source: TickSource,
  ) {
    this.off = source.onFrame((f) => this.ingest(f.data, f.dropRepeats, f.origin === 'bus'));
  }

  onModuleDestroy(): void {
    this.off();
  }

  /** When the last tick was received (clock time, epoch ms). */
  get lastTickAt(): number | undefined {
    return this.lastTick || undefined;
  }

  /**
   * One binary frame exactly as Kite sent it. `dropRepeats`: right after an upstream takeover.
   * `fromBus`: the holder's frame, whose ticks the holder writes to the shared cache itself.
   */
  ingest(data: Buffer, dropRepeats = false, fromBus = false): void {
    const frame = decodeFrame(data);
    if (frame.heartbeat) return;
    if (frame.error) this.m.malformed.inc();
    if (frame.skipped) this.m.skipped.inc(frame.skipped);
    const now = this.clock.now();
    const ticks = this.repeats.pass(frame.ticks, dropRepeats, now);
    if (ticks.length === 0) return;
    for (const t of ticks) {
      const symbol = this.instruments.symbolOf(t.instrument_token);
      if (symbol) t.symbol = symbol;
    }
    this.lastTick = now;
    this.m.received.inc(ticks.length);
    this.m.lastTick.set(Math.floor(now / 1000));
    this.cache.putTicks(ticks, now, fromBus);
    this.events.emit('feed.ticks', ticks);
  }

  /** The last tick this node delivered for `token`, and when (clock time). */
  latest(token: number): { tick: Tick; at: number } | undefined {
    return this.repeats.latest(token);
  }

  /** A tick a client gets from the shared cache, newer than this node's (RepeatFilter.seed); false: do not serve it. */
  seed(tick: Tick, at: number): boolean {
    return this.repeats.seed(tick, at);
  }
}
