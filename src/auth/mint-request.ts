import { BadRequestException } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { ROLES, type Role } from './auth.constants.js';
import { parseTokenLimits, type TokenLimits } from './token-limits.js';
import { parseScopes, type Scope } from './token-scopes.js';
import { subProblem } from './token-sub.js';

/** `POST /api/admin/tokens`, validated (the ttl is checked against the caller by tokenTtlSeconds). */
export interface MintRequest {
  role: Role;
  ttl: unknown;
  /** Undefined: the token gets a sub of its own. */
  sub?: string;
  scopes: Scope[];
  limits?: TokenLimits;
}

const FIELDS = ['role', 'ttl', 'sub', 'scopes', 'max_connections', 'max_instruments', 'exchanges'];

/**
 * Validates a mint body; every problem is a 400 that says what to send. `sessionUser` is the Kite
 * user id of the current session, refused as a sub like the allowlisted ones.
 */
export function mintRequest(
  body: unknown,
  config: Pick<AppConfig, 'allowedKiteUserIds' | 'maxConnectionsPerUser' | 'maxInstrumentsPerUser'>,
  sessionUser?: string,
): MintRequest {
  const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !FIELDS.includes(k));
  if (unknown.length > 0) {
    throw new BadRequestException(
      `unknown field(s): ${unknown
        .slice(0, 5)
        .map((k) => k.slice(0, 32))
        .join(', ')}; known: ${FIELDS.join(', ')}`,
    );
  }
  if (!ROLES.includes(b.role as Role)) throw new BadRequestException('role must be viewer or admin');
  let sub: string | undefined;
  if (b.sub !== undefined) {
    const ids = [...(config.allowedKiteUserIds ?? []), ...(sessionUser ? [sessionUser] : [])];
    const problem = subProblem(b.sub, ids);
    if (problem) throw new BadRequestException(problem);
    sub = b.sub as string;
  }
  const scopes = parseScopes(b.scopes);
  if (typeof scopes === 'string') throw new BadRequestException(scopes);
  const limits = parseTokenLimits(b, {
    maxConnections: config.maxConnectionsPerUser,
    maxInstruments: config.maxInstrumentsPerUser,
  });
  if (typeof limits === 'string') throw new BadRequestException(limits);
  return { role: b.role as Role, ttl: b.ttl, sub, scopes, limits };
}
