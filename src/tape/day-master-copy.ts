import type { Logger } from '@nestjs/common';
import { errorText } from '../common/error-text.js';
import { encodeMaster, type StoredMaster } from '../instruments/instrument-master.js';
import type { TapeFiles } from './tape-files.js';
import type { TapeMetrics } from './tape.metrics.js';

/** Copies the instrument master in use into a day's folder, once per day and master, so a replay resolves symbols as they were that day. */
export class DayMasterCopy {
  /** The master (its fetch time) copied into each day. */
  private readonly written = new Map<string, number>();

  constructor(
    private readonly files: TapeFiles,
    private readonly m: TapeMetrics,
    private readonly logger: Logger,
  ) {}

  has(day: string): boolean {
    return this.written.has(day);
  }

  async copy(day: string | undefined, master: StoredMaster | undefined): Promise<void> {
    if (!day || !master || this.written.get(day) === master.fetchedAt) return;
    this.written.set(day, master.fetchedAt);
    try {
      await this.files.writeMaster(day, encodeMaster(master));
    } catch (err) {
      this.written.delete(day);
      this.m.errors.inc();
      this.logger.warn(`tape: the instrument master could not be copied into ${day}: ${errorText(err)}`);
    }
  }
}
