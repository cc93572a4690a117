import { Injectable } from '@nestjs/common';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppConfigService } from '../config/app-config.service.js';

/**
 * This node's copy of the token revocations in DATA_DIR (`revocations.json`: id → expiry, epoch ms),
 * so that a revocation survives a Redis flush or a deleted `revoked:` key. I/O only; written
 * through a temporary file and a rename (mode 0600), never with an expiry that is not finite.
 */
@Injectable()
export class RevocationFile {
  private readonly path: string;

  constructor(config: AppConfigService) {
    this.path = join(config.values.dataDir, 'revocations.json');
  }

  /** The stored revocations that have not expired by `nowMs`; empty without a file or with a broken one. */
  async read(nowMs = Date.now()): Promise<Map<string, number>> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
      throw err;
    }
    const out = new Map<string, number>();
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      return out;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) return out;
    for (const [id, exp] of Object.entries(v as Record<string, unknown>)) {
      if (typeof exp === 'number' && Number.isFinite(exp) && exp > nowMs && id.length <= 64) out.set(id, exp);
    }
    return out;
  }

  async write(revoked: ReadonlyMap<string, number>): Promise<void> {
    const kept: Record<string, number> = {};
    for (const [id, exp] of revoked) if (Number.isFinite(exp)) kept[id] = exp;
    const tmp = `${this.path}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(kept), { mode: 0o600 });
    await rename(tmp, this.path);
  }
}
