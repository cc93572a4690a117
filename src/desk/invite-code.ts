import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { newTokenId, TOKEN_ID } from '../auth/jwt-claims.js';

/**
 * An invite code is `<id>.<secret>` (selector and verifier): the id finds the invite, the 256-bit
 * random secret proves the holder. Only sha256 of the whole code is stored, so a Redis dump or a
 * listing holds nothing that opens the dashboard.
 */
export interface NewInviteCode {
  id: string;
  code: string;
  hash: string;
}

const CODE = /^([A-Za-z0-9_-]{22})\.[A-Za-z0-9_-]{43}$/;

export function newInviteCode(): NewInviteCode {
  const id = newTokenId();
  const code = `${id}.${randomBytes(32).toString('base64url')}`;
  return { id, code, hash: hashCode(code) };
}

/** The id and hash of a well-formed code; undefined for anything else (never throws). */
export function parseInviteCode(text: unknown): { id: string; hash: string } | undefined {
  if (typeof text !== 'string') return undefined;
  const m = CODE.exec(text);
  return m ? { id: m[1], hash: hashCode(text) } : undefined;
}

/** sha256 of a code, hex. */
export function hashCode(code: string): string {
  return createHash('sha256').update(code, 'utf8').digest('hex');
}

/** Compares two hashes in constant time. */
export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Whether `id` has the shape of an invite id (checked before an id from a URL is looked up). */
export const isInviteId = (id: string): boolean => TOKEN_ID.test(id);
