import { BadRequestException } from '@nestjs/common';
import { durationSeconds } from '../auth/expiry.js';

const MAX_TTL_S = 30 * 86400;
const DEFAULT_TTL = '12h';
/** A person's name as people write it: 1–64 characters, no control or format characters. */
const NAME = /^[^\p{C}]{1,64}$/u;

/** What `POST /api/admin/invites` asks for, validated. */
export interface InviteRequest {
  name: string;
  seconds: number;
  /** Whom the invitee is told to ask when the link no longer works. */
  from?: string;
}

/**
 * Validates `{name, ttl, from?}` with the tokens API's ttl rules: 1s to 30d, and never past
 * `callerExp` (the asking token's expiry, epoch seconds; compared with the wall clock like a JWT).
 * Without a ttl: 12h, or what the asking token has left if that is less (a fresh dashboard login
 * has JWT_TTL, 12h by default, so a default of exactly 12h would always be a second too long).
 */
export function parseInviteRequest(body: unknown, callerExp: number, nowMs = Date.now()): InviteRequest {
  const { name, ttl, from } = (body ?? {}) as { name?: unknown; ttl?: unknown; from?: unknown };
  const clean = (v: unknown) => (typeof v === 'string' ? v.trim() : undefined);
  const who = clean(name);
  if (who === undefined || !NAME.test(who)) {
    throw new BadRequestException('name must be 1 to 64 characters (the person the invite is for)');
  }
  let asker: string | undefined;
  if (from !== undefined) {
    asker = clean(from);
    if (asker === undefined || !NAME.test(asker)) {
      throw new BadRequestException('from must be 1 to 64 characters (whom the invitee should ask)');
    }
  }
  if (ttl !== undefined && typeof ttl !== 'string' && typeof ttl !== 'number') {
    throw new BadRequestException('ttl must be a duration such as 30m, 12h or 7d');
  }
  const left = callerExp - Math.floor(nowMs / 1000);
  let seconds: number;
  try {
    seconds = durationSeconds(ttl === undefined ? DEFAULT_TTL : String(ttl));
  } catch {
    throw new BadRequestException('ttl must be a duration such as 30m, 12h or 7d');
  }
  if (seconds < 1 || seconds > MAX_TTL_S) throw new BadRequestException('ttl must be between 1s and 30d');
  if (left < 1) throw new BadRequestException('the token that creates the invite expires now; log in again');
  if (ttl === undefined) seconds = Math.min(seconds, left);
  if (seconds > left) {
    throw new BadRequestException(
      `ttl of ${seconds}s would outlive the token that creates the invite (it expires in ${Math.max(0, left)}s); ask for at most that`,
    );
  }
  return { name: who, seconds, from: asker };
}

/**
 * The subject of an invite's token: `invite:<slug of the name>.<6 characters of the invite id>`. Its
 * own user for the per-user limits, never equal to a Kite user id or another invite's, and a valid
 * `DELETE /api/admin/clients?user=` argument.
 */
export function inviteSub(name: string, id: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^\w.@-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 40)
    .replace(/[-.]+$/, '');
  return `invite:${slug || 'viewer'}.${id.slice(0, 6)}`;
}
