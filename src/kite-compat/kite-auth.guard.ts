import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { AuthedRequest } from '../auth/jwt-auth.guard.js';
import { TokenService, grants } from '../auth/token.service.js';
import { kiteAccessToken } from './kite-auth-header.js';
import { KiteException } from './kite-exception.js';

/**
 * Kite's credentials, `Authorization: token <api_key>:<access_token>`, where the access token is a
 * kite-relay token verified (signature, expiry, revocation) by TokenService as every other route
 * does; the api_key is ignored. A missing, bad or revoked token is Kite's 403 TokenException.
 */
@Injectable()
export class KiteAuthGuard implements CanActivate {
  constructor(private readonly tokens: TokenService) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const principal = this.tokens.admit(kiteAccessToken(req.headers.authorization));
    if (!principal || !grants(principal.role, 'viewer')) {
      throw new KiteException(
        403,
        'TokenException',
        'Incorrect `api_key` or `access_token`: send `Authorization: token <api_key>:<kite-relay token>` with a valid, unrevoked kite-relay token',
      );
    }
    req.principal = principal;
    req.authVia = 'bearer';
    return true;
  }
}
