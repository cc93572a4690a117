import type { IncomingHttpHeaders } from 'node:http';

/** Methods that change state: a cookie-authenticated one must come from the gateway's own pages. */
export const UNSAFE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Whether a browser request comes from an allowed origin. SameSite=Lax still sends the cookie from
 * a same-site page on another port or subdomain, so the Origin header decides; a browser that
 * sends none still says `Sec-Fetch-Site: same-origin`. Anything else (or `Origin: null`) is refused.
 */
export function fromAllowedOrigin(headers: IncomingHttpHeaders, allowed: ReadonlySet<string>): boolean {
  const origin = headers.origin;
  if (typeof origin === 'string') return allowed.has(origin);
  return headers['sec-fetch-site'] === 'same-origin';
}
