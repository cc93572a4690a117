import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/** Bytes of an HMAC-SHA256. */
export const MAC_BYTES = 32;
const INFO = 'kite-relay cluster mac v1';

/**
 * The cluster key: HKDF-SHA256 of CLUSTER_SECRET, or of SESSION_ENCRYPTION_KEY when that is not
 * set, under its own `info` so that it is independent of the key that seals the session.
 */
export function deriveClusterKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'kite-relay', INFO, 32));
}

/** HMAC-SHA256 over the parts, each preceded by its length (no two part lists sign alike). */
export function macOf(key: Buffer, parts: readonly (Buffer | string)[]): Buffer {
  const h = createHmac('sha256', key);
  const len = Buffer.allocUnsafe(4);
  for (const p of parts) {
    const b = typeof p === 'string' ? Buffer.from(p, 'utf8') : p;
    len.writeUInt32BE(b.length, 0);
    h.update(len).update(b);
  }
  return h.digest();
}

/** Constant-time comparison of a MAC with the expected one (false for any other length). */
export function sameMac(given: Buffer, expected: Buffer): boolean {
  return given.length === expected.length && timingSafeEqual(given, expected);
}
