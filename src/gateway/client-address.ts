import { normalizeIp } from '@nestjs/throttler';
import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/** Express's compiled `trust proxy` rule: whether the hop at `addr` (the i-th from the socket) is a trusted proxy. */
export type TrustProxy = (addr: string, i: number) => boolean;

/**
 * The client's address as Express computes `req.ip` (proxy-addr with the app's `trust proxy fn`:
 * X-Forwarded-For is read only through trusted proxies), normalized as the throttler does it
 * (IPv4-mapped IPv6 as IPv4, other IPv6 by /64), so one client has one key for sockets and HTTP alike.
 */
export function clientAddress(req: IncomingMessage, trust: TrustProxy): string {
  return normalizeIp(proxyaddr(req, trust));
}
