import { createHash, timingSafeEqual } from 'node:crypto';

/** Answered with a 401 from either metrics endpoint, so that a scraper knows what it lacks. */
export const METRICS_CHALLENGE = 'Bearer realm="kite-relay metrics"';

/**
 * Whether an `Authorization` header carries METRICS_TOKEN as a bearer token (always true when no
 * token is configured). Both sides are hashed to 32 bytes first, so the comparison takes the same
 * time whatever the header holds, its length included.
 */
export function metricsAuthorized(header: string | undefined, token: string | undefined): boolean {
  if (!token) return true;
  const given = /^Bearer +(\S+) *$/i.exec(header ?? '')?.[1] ?? '';
  const same = timingSafeEqual(digest(given), digest(token));
  return same && given.length > 0;
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
