import { Injectable } from '@nestjs/common';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppConfigService } from '../config/app-config.service.js';

/**
 * The sealed Kite session in DATA_DIR (`kite-session.sealed`, mode 0600), for a node without Redis,
 * so that a restart does not ask the owner to log in with Kite again. Holds exactly what Redis
 * would (AES-256-GCM under SESSION_ENCRYPTION_KEY), never the token in clear. I/O only.
 */
@Injectable()
export class SessionFile {
  private readonly path: string;

  constructor(config: AppConfigService) {
    this.path = join(config.values.dataDir, 'kite-session.sealed');
  }

  /** The sealed text, or undefined without a file. */
  async read(): Promise<string | undefined> {
    try {
      const text = (await readFile(this.path, 'utf8')).trim();
      return text || undefined;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Replaces the file through a temporary one and a rename, so a crash leaves the old or the new. */
  async write(sealed: string): Promise<void> {
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, sealed, { mode: 0o600 });
    await rename(tmp, this.path);
  }

  async delete(): Promise<void> {
    await rm(this.path, { force: true });
  }
}
