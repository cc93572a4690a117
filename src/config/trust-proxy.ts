import { isIP } from 'node:net';

/** Express's "trust proxy" setting: off/on, a hop count, or the addresses of trusted proxies. */
export type TrustProxy = boolean | number | readonly string[];

const NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** Parses TRUST_PROXY (`false`, `true`, a hop count, or a comma list); undefined when malformed. */
export function parseTrustProxy(text: string): TrustProxy | undefined {
  const v = text.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (/^\d+$/.test(v)) {
    const hops = Number(v);
    return hops <= 16 ? hops : undefined;
  }
  const items = v.split(',').map((s) => s.trim());
  return items.every((item) => NAMES.has(item) || isAddressOrCidr(item)) ? items : undefined;
}

function isAddressOrCidr(item: string): boolean {
  const [address, prefix, extra] = item.split('/');
  if (extra !== undefined) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}
