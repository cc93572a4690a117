import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import type { IncomingMessage } from 'node:http';
import { AppConfigService } from '../config/app-config.service.js';
import { ROLES, type Role } from './auth.constants.js';
import { AuthCookies } from './auth-cookies.js';
import { durationSeconds } from './expiry.js';
import { newTokenId, signClientToken, TOKEN_ID, type ExtraClaims } from './jwt-claims.js';
import { limitsClaim, type TokenLimits } from './token-limits.js';
import { TokenRegistry, type TokenKind } from './token-registry.js';
import { scopesClaim, type Scope } from './token-scopes.js';
import { MAX_TTL_S } from './token-ttl.js';
import { ownSub } from './token-sub.js';

export interface Principal {
  sub: string;
  role: Role;
  /** Expiry, epoch seconds. */
  exp: number;
  /** Issued at, epoch seconds. */
  iat?: number;
  /**
   * The token's id: what revocation names. `verify` refuses a token without one, so every principal
   * it returns has it; optional only for principals built by hand (unit fixtures).
   */
  jti?: string;
  /** The id of the token that minted this one. */
  parent?: string;
  scopes?: Scope[];
  /** Narrower limits than the per-user defaults (see token-limits.ts). */
  limits?: TokenLimits;
}

/** A freshly minted token; `stored` settles once the registry has it (never rejects). */
export interface MintedToken {
  token: string;
  id: string;
  sub: string;
  expiresIn: number;
  /** Epoch ms. */
  expiresAt: number;
  stored: Promise<void>;
}

export { jwtOptions, newTokenId, signClientToken, TOKEN_ID } from './jwt-claims.js';

/** Mints and verifies the JWTs of dashboard and API clients; the verifier HTTP and Socket.IO share. */
@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfigService,
    private readonly registry: TokenRegistry,
    private readonly cookies: AuthCookies,
  ) {}

  /**
   * Mints a token. With a `parent`, it is revoked with its parent; one minted after its parent was
   * revoked (a race with the revocation) is revoked once it is stored.
   */
  mint(
    sub: string | undefined,
    role: Role,
    ttl = this.config.values.jwtTtl,
    kind: TokenKind = 'api',
    extra: ExtraClaims = {},
  ): MintedToken {
    const expiresIn = durationSeconds(ttl);
    // An invite's token is minted from a stored expiry: the documented cap holds whatever it says.
    if (kind === 'invite' && expiresIn > MAX_TTL_S) {
      throw new Error(
        `refusing to mint a ${kind} token of ${expiresIn}s: the most is ${MAX_TTL_S}s (30 days)`,
      );
    }
    const id = newTokenId();
    sub ??= ownSub('client', role, id);
    const token = signClientToken(this.jwt, sub, role, expiresIn, id, extra);
    // The claims as signed, so that the registry's times are the token's own.
    const { iat, exp } = this.jwt.decode<{ iat: number; exp: number }>(token);
    const parent = extra.parent;
    const stored = this.registry
      .record({
        id,
        sub,
        role,
        kind,
        issuedAt: iat * 1000,
        expiresAt: exp * 1000,
        parent,
        scopes: extra.scopes?.length ? [...extra.scopes] : undefined,
        limits: extra.limits,
      })
      .then(async () => {
        if (parent && this.registry.isRevoked(parent)) await this.registry.revoke(id);
      });
    return { token, id, sub, expiresIn, expiresAt: exp * 1000, stored };
  }

  /**
   * The principal of a valid token; undefined for a missing, forged, expired, malformed or revoked
   * one, and for one without an id (minted before tokens could be revoked).
   */
  verify(token: string | undefined): Principal | undefined {
    if (!token || token.length > 4096) return undefined;
    try {
      const p = this.jwt.verify<{
        sub?: unknown;
        role?: unknown;
        exp?: unknown;
        iat?: unknown;
        jti?: unknown;
        parent?: unknown;
        scopes?: unknown;
        limits?: unknown;
      }>(token, { algorithms: ['HS256'] });
      if (typeof p.sub !== 'string' || !ROLES.includes(p.role as Role) || typeof p.exp !== 'number') {
        return undefined;
      }
      if (typeof p.jti !== 'string' || !TOKEN_ID.test(p.jti) || this.registry.isRevoked(p.jti)) {
        return undefined;
      }
      const parent = typeof p.parent === 'string' && TOKEN_ID.test(p.parent) ? p.parent : undefined;
      const limits = limitsClaim(p.limits);
      if (limits === false) return undefined;
      const iat = typeof p.iat === 'number' ? p.iat : undefined;
      const principal: Principal = { sub: p.sub, role: p.role as Role, exp: p.exp, iat, jti: p.jti };
      if (parent) principal.parent = parent;
      const scopes = scopesClaim(p.scopes);
      if (scopes) principal.scopes = scopes;
      if (limits) principal.limits = limits;
      return principal;
    } catch {
      return undefined;
    }
  }

  /** `verify`, and a valid token's use noted in the registry (HTTP auth and socket handshakes). */
  admit(token: string | undefined): Principal | undefined {
    const principal = this.verify(token);
    if (principal) this.registry.seen(principal);
    return principal;
  }

  /** The JWT a request carries and how: `Authorization: Bearer …` first, then the session cookie. */
  credential(req: Pick<IncomingMessage, 'headers'>): { token?: string; via?: 'bearer' | 'cookie' } {
    const auth = req.headers.authorization;
    if (auth?.startsWith('Bearer ')) return { token: auth.slice(7).trim(), via: 'bearer' };
    const token = this.cookies.readSession(req);
    return token ? { token, via: 'cookie' } : {};
  }

  /** The dashboard session cookie's token (Socket.IO handshakes without `auth.token`). */
  sessionCookie(req: Pick<IncomingMessage, 'headers'>): string | undefined {
    return this.cookies.readSession(req);
  }

  /** The principal of a request that may carry credentials (a valid one), without refusing it. */
  principalOf(req: Pick<IncomingMessage, 'headers'>): Principal | undefined {
    return this.verify(this.credential(req).token);
  }
}

/** Whether a principal's role grants `needed` (admin includes viewer). */
export function grants(role: Role, needed: Role): boolean {
  return role === 'admin' || role === needed;
}
