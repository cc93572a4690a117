import {
  applyDecorators,
  ForbiddenException,
  Injectable,
  SetMetadata,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import { AppConfigService } from '../config/app-config.service.js';
import { ApiRole } from '../http/api-docs/api-responses.js';
import type { Role } from './auth.constants.js';
import { fromAllowedOrigin, UNSAFE_METHODS } from './same-origin.js';
import { TokenService, grants, type Principal } from './token.service.js';

export const ROLE_KEY = 'kite-relay:role';
/** The role a route needs (`viewer` or `admin`); the API description shows the same one. */
export const Roles = (role: Role) => applyDecorators(SetMetadata(ROLE_KEY, role), ApiRole(role));

/** What the guard leaves on an authenticated request. */
export type AuthedRequest = IncomingMessage & { principal?: Principal; authVia?: 'bearer' | 'cookie' };

/**
 * HTTP guard: a valid JWT (Bearer header or session cookie) with the route's role; 401 / 403
 * otherwise. A cookie-authenticated unsafe method must also come from an allowed origin (403):
 * a bearer token cannot be sent by a page of another origin, a cookie can.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  private readonly origins: ReadonlySet<string>;

  constructor(
    private readonly tokens: TokenService,
    private readonly reflector: Reflector,
    config: AppConfigService,
  ) {
    const { publicUrl, corsOrigins } = config.values;
    this.origins = new Set([new URL(publicUrl).origin, ...corsOrigins]);
  }

  canActivate(context: ExecutionContext): boolean {
    const needed =
      this.reflector.getAllAndOverride<Role | undefined>(ROLE_KEY, [
        context.getHandler(),
        context.getClass(),
      ]) ?? 'viewer';
    const req = context.switchToHttp().getRequest<AuthedRequest>();
    const { token, via } = this.tokens.credential(req);
    const principal = this.tokens.admit(token);
    if (!principal) {
      throw new UnauthorizedException('a valid token is required (Authorization: Bearer, or log in)');
    }
    if (
      via === 'cookie' &&
      UNSAFE_METHODS.has(req.method ?? '') &&
      !fromAllowedOrigin(req.headers, this.origins)
    ) {
      throw new ForbiddenException(
        'cross-origin request refused: a cookie-authenticated change must come from PUBLIC_URL or CORS_ORIGINS (or use Authorization: Bearer)',
      );
    }
    if (!grants(principal.role, needed)) throw new ForbiddenException(`the ${needed} role is required`);
    req.principal = principal;
    req.authVia = via;
    return true;
  }
}
