import { BadRequestException } from '@nestjs/common';
import { tokenTtlSeconds } from '../auth/token-ttl.js';

/** A person's name as people write it: 1–64 characters, no control or format characters. */
const NAME = /^[^\p{C}]{1,64}$/u;

/** What `POST /api/admin/invites` asks for, validated. */
export interface InviteRequest {
  name: string;
  seconds: number;
  /** Whom the invitee is told to ask when the link no longer works. */
  from?: string;
}

/** Validates `{name, ttl, from?}`; the ttl by the tokens API's rules (tokenTtlSeconds). */
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
  const seconds = tokenTtlSeconds(ttl, callerExp, 'the invite', nowMs);
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
