import type { Logger } from '@nestjs/common';
import type { Clock } from '../clock/clock.js';
import { istDate } from '../clock/ist.js';
import { errorText } from '../common/error-text.js';
import type { RecordConfig } from '../config/app-config.js';
import { daysToDelete } from './retention.js';
import type { TapeFiles } from './tape-files.js';
import type { TapeMetrics } from './tape.metrics.js';

const DISK_CHECK_MS = 10_000;
const RETENTION_CHECK_MS = 60_000;

/**
 * The tape's upkeep, one job at a time: the free-disk floor (checked every 10 s) and the deletion of
 * the oldest days past RECORD_RETENTION_DAYS or RECORD_MAX_BYTES (every minute, and at boot).
 */
export class TapeHousekeeping {
  paused = false;
  lastError?: string;
  private busy = false;
  private lastDisk = 0;
  private lastRetention = 0;

  constructor(
    private readonly files: TapeFiles,
    private readonly cfg: RecordConfig,
    private readonly clock: Clock,
    private readonly m: TapeMetrics,
    private readonly logger: Logger,
    /** The day being written (never deleted), and what to do when the floor is crossed. */
    private readonly hooks: { openDay(): string | undefined; pausedChanged(paused: boolean): void },
  ) {}

  /** Called every second; starts at most one due job. */
  tick(): void {
    if (this.busy) return;
    const now = Date.now();
    if (now - this.lastDisk >= DISK_CHECK_MS) void this.run(() => this.checkDisk());
    else if (now - this.lastRetention >= RETENTION_CHECK_MS) void this.run(() => this.retention());
  }

  async boot(): Promise<void> {
    await this.run(() => this.checkDisk());
    await this.run(() => this.retention());
  }

  private async run(job: () => Promise<void>): Promise<void> {
    this.busy = true;
    try {
      await job();
    } catch (err) {
      this.lastError = errorText(err);
      this.m.errors.inc();
      this.logger.warn(`tape: upkeep failed: ${this.lastError}`);
    } finally {
      this.busy = false;
    }
  }

  private async checkDisk(): Promise<void> {
    this.lastDisk = Date.now();
    const free = await this.files.freeBytes();
    this.m.free.set(free);
    const low = free < this.cfg.minFreeBytes;
    if (low === this.paused) return;
    this.paused = low;
    this.m.paused.set(low ? 1 : 0);
    if (low) this.logger.warn(`tape: free disk ${free} B is below RECORD_MIN_FREE_BYTES: recording paused`);
    else this.logger.log('tape: free disk is above RECORD_MIN_FREE_BYTES again: recording resumes');
    this.hooks.pausedChanged(low);
  }

  private async retention(): Promise<void> {
    this.lastRetention = Date.now();
    const today = istDate(this.clock.now());
    const plan = daysToDelete(await this.files.days(), today, this.cfg.retentionDays, this.cfg.maxBytes);
    for (const d of plan) {
      if (d.day === this.hooks.openDay()) continue;
      await this.files.removeDay(d.day);
      this.m.deleted.inc({ reason: d.reason });
      const why = d.reason === 'retention' ? 'older than RECORD_RETENTION_DAYS' : 'over RECORD_MAX_BYTES';
      this.logger.log(`tape: deleted ${d.day} (${why})`);
    }
  }
}
