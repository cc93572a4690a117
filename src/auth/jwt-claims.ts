import type { JwtModuleOptions, JwtService } from '@nestjs/jwt';
import { createSecretKey, randomBytes } from 'node:crypto';
import type { Role } from './auth.constants.js';
import type { TokenLimits } from './token-limits.js';
import type { Scope } from './token-scopes.js';

// What a client JWT says and how it is signed; shared by TokenService, `npm run token` and the
// bench, and kept free of the application's services so that the CLI starts quickly.

/**
 * The one JWT configuration (the app's JwtModule, `npm run token`, the bench). The secret is a
 * KeyObject, not the string: given a string, jsonwebtoken first tries to parse it as a PEM public
 * key and catches the failure on every verify (288 µs against 5.6 µs a verify, measured; that is
 * every Socket.IO handshake and every authenticated request).
 */
export function jwtOptions(secret: string): JwtModuleOptions {
  return { secret: createSecretKey(Buffer.from(secret, 'utf8')), signOptions: { algorithm: 'HS256' } };
}

/** A random token id (jti): 16 bytes, base64url. */
export function newTokenId(): string {
  return randomBytes(16).toString('base64url');
}

/** The shape of a token id, checked before an id from a URL is looked up. */
export const TOKEN_ID = /^[A-Za-z0-9_-]{22}$/;

/** The optional claims of a minted token; each is left out of the JWT when absent or empty. */
export interface ExtraClaims {
  /** The id of the token that minted this one (revoking it revokes this one). */
  parent?: string;
  scopes?: readonly Scope[];
  limits?: TokenLimits;
}

/** Signs a client JWT: the one place its claims are written. Every token carries an id (`jti`). */
export function signClientToken(
  jwt: JwtService,
  sub: string,
  role: Role,
  expiresIn: number,
  jti = newTokenId(),
  extra: ExtraClaims = {},
): string {
  const claims: Record<string, unknown> = { sub, role };
  if (extra.parent) claims.parent = extra.parent;
  if (extra.scopes && extra.scopes.length > 0) claims.scopes = [...extra.scopes];
  if (extra.limits) claims.limits = extra.limits;
  return jwt.sign(claims, { expiresIn, jwtid: jti });
}
