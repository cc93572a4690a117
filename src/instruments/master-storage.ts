import { Injectable, Logger } from '@nestjs/common';
import { DAY_MS } from '../clock/ist.js';
import { errorText } from '../common/error-text.js';
import { InstrumentStore } from '../redis/instrument.store.js';
import { RedisClients } from '../redis/redis-clients.js';
import { decodeMaster, encodeMaster, type StoredMaster } from './instrument-master.js';
import { MasterFile } from './master-file.js';

/**
 * Where the instrument master is kept between restarts: Redis when configured (shared by the
 * cluster, kept 2 days), else a file in the data directory. Never throws: a store that cannot be
 * read or written is a warning, and the master is fetched from Kite again.
 */
@Injectable()
export class MasterStorage {
  private readonly logger = new Logger('InstrumentsService');

  constructor(
    private readonly store: InstrumentStore,
    private readonly file: MasterFile,
    private readonly redis: RedisClients,
  ) {}

  /** Whether the master is shared with other nodes (Redis), so that they are told when it changes. */
  get shared(): boolean {
    return this.redis.configured;
  }

  /** The stored master, or undefined (none, or unreadable: then it is discarded with a warning and refetched). */
  async read(): Promise<StoredMaster | undefined> {
    const where = this.redis.configured ? 'Redis' : 'the data directory';
    let blob: Buffer | undefined;
    try {
      blob = this.redis.configured
        ? this.redis.up
          ? await this.store.read()
          : undefined
        : await this.file.read();
    } catch (err) {
      this.logger.warn(`instrument master could not be read from ${where}: ${errorText(err)}`);
      return undefined;
    }
    if (!blob) return undefined;
    try {
      return decodeMaster(blob);
    } catch (err) {
      this.logger.warn(
        `stored instrument master in ${where} is unreadable (${errorText(err)}): discarded; it is fetched again`,
      );
      // A file that cannot be deleted is read (and discarded) again next time: nothing to add here.
      if (!this.redis.configured) await this.file.discard().catch(() => undefined);
      return undefined;
    }
  }

  async write(master: StoredMaster): Promise<void> {
    const blob = encodeMaster(master);
    try {
      if (this.redis.configured) {
        if (this.redis.up) await this.store.write(blob, 2 * DAY_MS);
      } else {
        await this.file.write(blob);
      }
    } catch (err) {
      this.logger.warn(`instrument master could not be stored: ${errorText(err)}`);
    }
  }
}
