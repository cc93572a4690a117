import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { Clock } from '../clock/clock.js';
import { UpstreamOwnership, type OwnershipState } from '../cluster/upstream-ownership.js';
import { errorText } from '../common/error-text.js';
import { AppConfigService } from '../config/app-config.service.js';
import type { RecordConfig } from '../config/app-config.js';
import { RelayEvents } from '../events/relay-events.js';
import { InstrumentsService } from '../instruments/instruments.service.js';
import type { MarketCalendar } from '../market-status/calendar.js';
import { MARKET_CALENDAR } from '../market-status/market-status.constants.js';
import { MetricsService } from '../metrics/metrics.service.js';
import {
  TICK_SOURCE,
  type SourceEvent,
  type SourceFrame,
  type TickSource,
} from '../market-feed/tick-source.js';
import { DayMasterCopy } from './day-master-copy.js';
import { eventRecord, UpstreamSubscriptions } from './event-records.js';
import { RecordingCalendar } from './record-window.js';
import { GapTracker, OpenSegment } from './open-segment.js';
import { RecordKind, jsonPayload } from './tape-format.js';
import { TapeFiles } from './tape-files.js';
import { TapeHousekeeping } from './tape-housekeeping.js';
import { tapeStatus } from './tape-status.js';
import { tapeMetrics, type TapeMetrics } from './tape.metrics.js';

/** Uncompressed bytes the recorder may hold in memory; past it whole frames are dropped and counted. */
export const RECORD_QUEUE_BYTES = 32 * 1024 * 1024;
/** After an I/O error, how long the recorder waits before it opens a new segment. */
const RETRY_AFTER_MS = 10_000;

/**
 * The tape recorder: taps the node's tick source and writes what its own upstream received (never
 * bus frames: only the holder, or a standalone node, records) into one segment per IST day and
 * tenure, while the market calendar says so. It never blocks the tick path: records are queued in
 * memory and written by SegmentWriter off the event loop; past RECORD_QUEUE_BYTES, while the disk
 * is below its floor, or after an I/O error, whole frames are dropped, counted, and a gap record
 * says so in the file. Failures reach metrics, /health and the log, never the clients.
 */
@Injectable()
export class TapeRecorder implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TapeRecorder.name);
  private readonly cfg: RecordConfig;
  private readonly node: string;
  private readonly files: TapeFiles;
  private readonly m: TapeMetrics;
  private open?: OpenSegment;
  private readonly gap = new GapTracker();
  private lastBus?: { at: number; fencing: number | null };
  private retryAt = 0;
  private lastError?: string;
  private lease: OwnershipState;
  /** The upstream's subscription, so that each segment starts with the full state. */
  private readonly subs = new UpstreamSubscriptions();
  private readonly masters: DayMasterCopy;
  private closing: Promise<void>[] = [];
  private timer?: NodeJS.Timeout;
  private readonly upkeep: TapeHousekeeping;
  private readonly window: RecordingCalendar;
  private readonly off: (() => void)[] = [];
  private framesRecorded = 0;
  private framesDropped = 0;

  constructor(
    config: AppConfigService,
    private readonly clock: Clock,
    @Inject(MARKET_CALENDAR) calendar: MarketCalendar,
    @Inject(TICK_SOURCE) private readonly source: TickSource,
    private readonly events: RelayEvents,
    private readonly instruments: InstrumentsService,
    ownership: UpstreamOwnership,
    metrics: MetricsService,
  ) {
    this.cfg = config.values.record;
    this.node = config.values.nodeId;
    this.files = new TapeFiles(this.cfg.dir);
    this.m = tapeMetrics(metrics);
    this.window = new RecordingCalendar(calendar);
    this.masters = new DayMasterCopy(this.files, this.m, this.logger);
    this.upkeep = new TapeHousekeeping(this.files, this.cfg, clock, this.m, this.logger, {
      openDay: () => this.open?.day,
      pausedChanged: (paused) => paused && this.closeSegment(),
    });
    this.lease = ownership.state;
  }

  private get paused(): boolean {
    return this.upkeep.paused;
  }

  onApplicationBootstrap(): void {
    if (!this.cfg.enabled) return;
    this.off.push(
      this.source.onFrame((f) => this.onFrame(f)),
      this.source.onUpstreamEvent((e) => this.onEvent(e)),
      this.events.on('ownership.changed', (s) => this.onLease(s)),
      this.events.on('instruments.loaded', () => void this.copyMaster()),
    );
    // Transport timing: blocks are written every second of real time, whatever the market clock says.
    this.timer = setInterval(() => this.everySecond(), 1000);
    this.timer.unref();
    void this.upkeep.boot();
  }

  /** After every module's beforeApplicationShutdown, so that the upstream's last disconnect is on tape. */
  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    for (const off of this.off) off();
    this.closeSegment();
    await Promise.all(this.closing);
  }

  /** What /health shows. */
  get status() {
    const { open, lastError, retryAt, framesRecorded, framesDropped } = this;
    const upkeepError = this.upkeep.lastError;
    const now = Date.now();
    return tapeStatus({
      enabled: this.cfg.enabled,
      paused: this.paused,
      open,
      lastError,
      retryAt,
      upkeepError,
      framesRecorded,
      framesDropped,
      now,
    });
  }

  private onFrame(f: SourceFrame): void {
    const at = this.clock.now();
    // A follower records nothing, but remembers the holder's last frame: a takeover's gap starts there.
    if (f.origin !== 'upstream') return void (this.lastBus = { at, fencing: f.fencing });
    const seg = this.segmentFor(at, f.fencing);
    if (seg === 'skip') return;
    if (seg === 'drop' || seg.writer.queuedBytes + f.data.length > RECORD_QUEUE_BYTES) {
      this.framesDropped++;
      const reason = seg !== 'drop' ? 'queue_full' : this.paused ? 'disk_floor' : 'io_error';
      this.m.dropped.inc({ reason });
      return this.gap.dropped(at, reason);
    }
    this.gap.close(seg, at);
    seg.append(RecordKind.frame, at, f.shard ?? 0, f.data);
    this.framesRecorded++;
  }

  private onEvent(e: SourceEvent): void {
    if (e.kind === 'subscription') this.subs.track(e);
    if (e.kind === 'text' && e.type === 'order' && !this.cfg.orders) return;
    const at = this.clock.now();
    const seg = this.segmentFor(at, e.fencing);
    if (typeof seg === 'string') return;
    this.gap.close(seg, at);
    const { kind, payload } = eventRecord(e);
    seg.append(kind, at, e.shard, payload);
  }

  private onLease(s: OwnershipState): void {
    this.lease = s;
    if (!this.open) return;
    this.appendLease(this.open, this.clock.now());
    // A node that lost the lease stops; a new tenure opens a new segment at its first frame.
    if (s.role === 'follower' || (s.role === 'holder' && s.fencing !== this.open.fencing)) {
      this.closeSegment();
    }
  }

  private appendLease(seg: OpenSegment, at: number): void {
    const s = this.lease;
    const payload = { role: s.role, holder: s.holder, fencing: s.fencing, node: this.node };
    seg.append(RecordKind.lease, at, 0, jsonPayload(payload));
  }

  /** The segment to append to now, or why not: 'skip' (nothing is to be recorded), 'drop' (should be, cannot). */
  private segmentFor(at: number, fencing: number | null): OpenSegment | 'skip' | 'drop' {
    const { date: day, recording } = this.window.at(at);
    if (!recording) {
      this.closeSegment();
      return 'skip';
    }
    if (this.paused || Date.now() < this.retryAt) return 'drop';
    const cur = this.open;
    if (cur && cur.writer.ok && cur.day === day && cur.fencing === fencing) return cur;
    if (cur && !cur.writer.ok) return 'drop';
    this.closeSegment();
    const seg = new OpenSegment(this.files.dayDir(day), day, this.node, fencing, at, this.m, (err) =>
      this.failed(err),
    );
    this.open = seg;
    this.m.recording.set(1);
    this.logger.log(`tape: recording ${day} into ${seg.path}`);
    this.appendLease(seg, at);
    const prev = this.lastBus;
    if (prev && fencing !== null && prev.fencing !== fencing) {
      // This node took over: nothing was recorded from the old holder's last frame until now.
      const gap = { from: prev.at, to: at, reason: 'takeover', previous_fencing: prev.fencing, dropped: 0 };
      seg.append(RecordKind.gap, at, 0, jsonPayload(gap));
      this.lastBus = undefined;
    }
    for (const { shard, payload } of this.subs.snapshot()) {
      seg.append(RecordKind.subscription, at, shard, payload);
    }
    if (!this.masters.has(day)) void this.copyMaster();
    return seg;
  }

  private closeSegment(): void {
    const cur = this.open;
    if (!cur) return;
    this.open = undefined;
    this.m.recording.set(0);
    const done = cur.close();
    this.closing.push(done);
    void done.finally(() => (this.closing = this.closing.filter((p) => p !== done)));
  }

  private failed(err: unknown): void {
    // The path is ours and holds no secret; the message says what the disk said.
    this.lastError = errorText(err);
    this.retryAt = Date.now() + RETRY_AFTER_MS;
    this.m.errors.inc();
    this.logger.error(
      `tape: write failed, recording stops for ${RETRY_AFTER_MS / 1000} s: ${this.lastError}`,
    );
    this.closeSegment();
  }

  private everySecond(): void {
    if (this.open && !this.window.at(this.clock.now()).recording) this.closeSegment();
    void this.open?.flush();
    this.upkeep.tick();
  }

  /** Copies the master in use into the open day's folder (once per day and master). */
  private copyMaster(): Promise<void> {
    return this.masters.copy(this.open?.day, this.instruments.master);
  }
}
