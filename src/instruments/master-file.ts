import { Inject, Injectable } from '@nestjs/common';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppConfigService } from '../config/app-config.service.js';

/** The instrument master in the data directory (DATA_DIR), for a node without Redis. I/O only. */
@Injectable()
export class MasterFile {
  private readonly path: string;

  constructor(@Inject(AppConfigService) config: AppConfigService) {
    this.path = join(config.values.dataDir, 'instruments.json.gz');
  }

  /** The stored blob, or undefined when there is none yet. */
  async read(): Promise<Buffer | undefined> {
    try {
      return await readFile(this.path);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Writes through a temporary file and a rename, so a crash never leaves half a master behind. */
  async write(blob: Buffer): Promise<void> {
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, blob);
    await rename(tmp, this.path);
  }

  /** Removes an unreadable master, so that it is neither read nor warned about again before the refetch. */
  async discard(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
