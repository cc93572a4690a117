import { accessSync, constants, mkdirSync } from 'node:fs';
import { pingRedis } from '../redis/redis-connection.js';
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

/**
 * Whether Redis answers. Only when it does not, and the URL names localhost from inside a container,
 * does the message add that localhost there is the container itself (a compose deployment wants the
 * service name); a localhost Redis that answers (a pod sidecar, host networking) is fine.
 */
export async function checkRedis(url: string, inContainer: boolean): Promise<string | undefined> {
  const error = await pingRedis(url);
  if (!error) return undefined;
  const host = hostOf(url);
  const local = host === 'localhost' || host === '127.0.0.1' || host === '::1' || host === '[::1]';
  const hint =
    local && inContainer
      ? '; it points at localhost, which inside a container is the container itself: use the compose service name, e.g. redis://redis:6379'
      : '; check that Redis runs and the URL names it (e.g. redis://redis:6379)';
  return `- REDIS_URL: Redis did not answer PING (${error})${hint}`;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname.toLowerCase();
  } catch {
    return undefined;
  }
}
