import { readdirSync, statSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DayUsage } from './retention.js';

/** A day folder's name: the IST trading date. */
export const DAY_PATTERN = /^\d{4}-\d\d-\d\d$/;
export const SEGMENT_SUFFIX = '.ktape';
/** The day's instrument master, as the recorder found it that day (gzip'd JSON, as DATA_DIR keeps it). */
export const MASTER_FILE = 'instruments.json.gz';

/**
 * `<started, UTC compact>-<node>-f<fencing>.ktape`: names sort by start time, and one node's
 * tenure (fencing number) or restart always gets a file of its own.
 */
export function segmentFileName(node: string, fencing: number | null, startedAt: number): string {
  const stamp = new Date(startedAt).toISOString().replace(/[-:]/g, '').replace('.', '').replace('Z', '');
  return `${stamp}-${node}-f${fencing ?? 0}${SEGMENT_SUFFIX}`;
}

/** The tape's files on disk, I/O only: the recorder decides what to write and delete. */
export class TapeFiles {
  constructor(readonly root: string) {}

  dayDir(day: string): string {
    return join(this.root, day);
  }

  async days(): Promise<DayUsage[]> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    const out: DayUsage[] = [];
    for (const day of names.filter((n) => DAY_PATTERN.test(n))) {
      let bytes = 0;
      for (const f of await readdir(this.dayDir(day)).catch(() => [] as string[])) {
        bytes += await stat(join(this.dayDir(day), f)).then(
          (s) => s.size,
          () => 0,
        );
      }
      out.push({ day, bytes });
    }
    return out;
  }

  async removeDay(day: string): Promise<void> {
    await rm(this.dayDir(day), { recursive: true, force: true });
  }

  /** Writes the day's master atomically (a crash leaves the old file or none, never half of one). */
  async writeMaster(day: string, blob: Buffer): Promise<void> {
    await mkdir(this.dayDir(day), { recursive: true });
    const tmp = join(this.dayDir(day), `.${MASTER_FILE}.tmp`);
    await writeFile(tmp, blob, { mode: 0o640 });
    await rename(tmp, join(this.dayDir(day), MASTER_FILE));
  }

  /** Bytes available to this process on the disk that holds the tape. */
  async freeBytes(): Promise<number> {
    await mkdir(this.root, { recursive: true });
    const s = await statfs(this.root);
    return s.bavail * s.bsize;
  }
}

/** A day's segment files in start order (for the CLIs). */
export function segmentsOf(root: string, day: string): string[] {
  const dir = join(root, day);
  return readdirSync(dir)
    .filter((f) => f.endsWith(SEGMENT_SUFFIX))
    .sort()
    .map((f) => join(dir, f));
}

/** The day folders under `root`, oldest first (for the CLIs). */
export function daysIn(root: string): string[] {
  return readdirSync(root)
    .filter((n) => DAY_PATTERN.test(n) && statSync(join(root, n)).isDirectory())
    .sort();
}
