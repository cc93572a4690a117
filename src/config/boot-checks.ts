import { accessSync, constants, mkdirSync } from 'node:fs';
import type { AppConfig } from './app-config.js';

/**
 * Checks that need the outside world, after the schema: each answers a problem line
 * (`- NAME: what is wrong and how to fix it`) or undefined.
 */
export function checkDataDir(config: AppConfig): string | undefined {
  try {
    mkdirSync(config.dataDir, { recursive: true });
    accessSync(config.dataDir, constants.W_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return `- DATA_DIR: ${config.dataDir} cannot be created or written (${code}); point DATA_DIR at a writable directory`;
  }
}

/** With RECORD=on, the tape's folder must be creatable and writable (else exit 78 naming RECORD_DIR). */
export function checkRecordDir(config: AppConfig): string | undefined {
  if (!config.record.enabled) return undefined;
  try {
    mkdirSync(config.record.dir, { recursive: true });
    accessSync(config.record.dir, constants.W_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return `- RECORD_DIR: ${config.record.dir} cannot be created or written (${code}); point RECORD_DIR at a writable directory or set RECORD=off`;
  }
}
