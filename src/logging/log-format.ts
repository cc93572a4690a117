import { createRequire } from 'node:module';

type Resolve = (id: string) => string;

/**
 * pino-pretty's entry file when logs should be human-readable (development, on a terminal), else
 * undefined for JSON. pino-pretty is a dev dependency: an install without dev dependencies (the
 * Docker image) has none, and then the logs stay JSON rather than the boot failing on a missing target.
 */
export function prettyTarget(
  nodeEnv: string,
  isTTY: boolean,
  resolve: Resolve = createRequire(import.meta.url).resolve,
): string | undefined {
  if (nodeEnv !== 'development' || !isTTY) return undefined;
  try {
    return resolve('pino-pretty');
  } catch {
    return undefined;
  }
}
