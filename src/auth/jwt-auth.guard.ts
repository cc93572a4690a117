import {
  ForbiddenException,
  Injectable,
  SetMetadata,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { IncomingMessage } from 'node:http';
import { SESSION_COOKIE, type Role } from './auth.constants.js';
import { bearerOrCookie } from './cookies.js';
import { TokenService, grants, type Principal } from './token.service.js';

const ROLE_KEY = 'kite-relay:role';
/** The role a route needs (`viewer` or `admin`). */
export const Roles = (role: Role) => SetMetadata(ROLE_KEY, role);

/** HTTP guard: a valid JWT (Bearer header or session cookie) with the route's role; 401 / 403 otherwise. */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(
    private readonly tokens: TokenService,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const needed =
      this.reflector.getAllAndOverride<Role | undefined>(ROLE_KEY, [
        context.getHandler(),
        context.getClass(),
      ]) ?? 'viewer';
    const req = context.switchToHttp().getRequest<IncomingMessage & { principal?: Principal }>();
    const principal = this.tokens.verify(bearerOrCookie(req, SESSION_COOKIE));
    if (!principal) {
      throw new UnauthorizedException('a valid token is required (Authorization: Bearer, or log in)');
    }
    if (!grants(principal.role, needed)) throw new ForbiddenException(`the ${needed} role is required`);
    req.principal = principal;
    return true;
  }
}
