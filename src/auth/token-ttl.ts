import { BadRequestException } from '@nestjs/common';
import { durationSeconds } from './expiry.js';

/** The longest a minted token (API, invite) may live: 30 days. */
export const MAX_TTL_S = 30 * 86400;
const DEFAULT_TTL = '12h';

/**
 * The lifetime, in seconds, of a token minted on behalf of a token that expires at `callerExp`
 * (epoch seconds, compared with the wall clock like a JWT): `ttl` as `30m`, `12h`, `7d` or seconds,
 * 1 s to 30 d, and never past the caller. Without a ttl: 12h, or what the caller has left if that is
 * less (a fresh dashboard login has JWT_TTL, 12h by default, so exactly 12h would be a second too long).
 * `what` names the thing minted in the message ("the token", "the invite").
 */
export function tokenTtlSeconds(ttl: unknown, callerExp: number, what: string, nowMs = Date.now()): number {
  if (ttl !== undefined && typeof ttl !== 'string' && typeof ttl !== 'number') {
    throw new BadRequestException('ttl must be a duration such as 30m, 12h or 7d');
  }
  let seconds: number;
  try {
    seconds = durationSeconds(ttl === undefined ? DEFAULT_TTL : String(ttl));
  } catch {
    throw new BadRequestException('ttl must be a duration such as 30m, 12h or 7d');
  }
  if (seconds < 1 || seconds > MAX_TTL_S) throw new BadRequestException('ttl must be between 1s and 30d');
  const left = callerExp - Math.floor(nowMs / 1000);
  if (left < 1) throw new BadRequestException(`the token that creates ${what} expires now; log in again`);
  if (ttl === undefined) seconds = Math.min(seconds, left);
  if (seconds > left) {
    throw new BadRequestException(
      `ttl of ${seconds}s would outlive the token that creates ${what} (it expires in ${Math.max(0, left)}s); ask for at most that`,
    );
  }
  return seconds;
}
