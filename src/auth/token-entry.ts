import { ROLES, type Role } from './auth.constants.js';
import { limitsClaim, type TokenLimits } from './token-limits.js';
import { scopesClaim, type Scope } from './token-scopes.js';

import type { TokenKind } from '../contracts/tokens.contract.js';

export type { TokenKind } from '../contracts/tokens.contract.js';

/** A minted token as the registry knows it (never the token itself). Times are epoch ms. */
export interface TokenEntry {
  id: string;
  sub: string;
  role: Role;
  kind: TokenKind;
  issuedAt: number;
  expiresAt: number;
  lastSeen?: number;
  /** The id of the token that minted it (none: a dashboard login or `npm run token`). */
  parent?: string;
  scopes?: Scope[];
  limits?: TokenLimits;
}

/** What a token says about itself when it is used (the verified claims). */
export interface SeenToken {
  jti?: string;
  sub: string;
  role: Role;
  iat?: number;
  exp: number;
  parent?: string;
  scopes?: Scope[];
  limits?: TokenLimits;
}

/** The entry of a used token that this node did not mint and Redis does not know: `npm run token` (no Redis there). */
export function cliEntry(id: string, t: SeenToken): TokenEntry {
  const { sub, role, parent, scopes, limits } = t;
  return {
    id,
    sub,
    role,
    kind: 'cli',
    issuedAt: (t.iat ?? t.exp) * 1000,
    expiresAt: t.exp * 1000,
    parent,
    scopes,
    limits,
  };
}

/** The stored form of an entry: its claims and kind, without the id (the field name) or uses. */
export function stored(e: TokenEntry): string {
  return JSON.stringify({
    sub: e.sub,
    role: e.role,
    kind: e.kind,
    iat: e.issuedAt,
    exp: e.expiresAt,
    parent: e.parent,
    scopes: e.scopes,
    limits: e.limits,
  });
}

export function parseEntry(id: string, text: string): TokenEntry | undefined {
  try {
    const v = JSON.parse(text) as {
      sub?: unknown;
      role?: unknown;
      kind?: unknown;
      iat?: unknown;
      exp?: unknown;
      parent?: unknown;
      scopes?: unknown;
      limits?: unknown;
    };
    if (typeof v.sub !== 'string' || !ROLES.includes(v.role as Role)) return undefined;
    if (typeof v.iat !== 'number' || typeof v.exp !== 'number') return undefined;
    const kind = (['api', 'login', 'cli', 'invite'] as const).find((k) => k === v.kind) ?? 'api';
    const e: TokenEntry = { id, sub: v.sub, role: v.role as Role, kind, issuedAt: v.iat, expiresAt: v.exp };
    if (typeof v.parent === 'string') e.parent = v.parent;
    const scopes = scopesClaim(v.scopes);
    if (scopes) e.scopes = scopes;
    const limits = limitsClaim(v.limits);
    if (limits) e.limits = limits;
    return e;
  } catch {
    return undefined;
  }
}
