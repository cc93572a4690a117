import { BadRequestException, Body, Controller, Delete, HttpCode, Post, UseGuards } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { ROLES, type Role } from './auth.constants.js';
import { KiteSessionService, KiteLoginError, type AuthStatus } from './kite-session.service.js';
import { durationSeconds } from './expiry.js';
import { JwtAuthGuard, Roles } from './jwt-auth.guard.js';
import { TokenService } from './token.service.js';

const MAX_TTL_S = 30 * 86400;

@Controller('api/admin')
@UseGuards(ThrottlerGuard, JwtAuthGuard)
@Roles('admin')
export class AdminController {
  constructor(
    private readonly auth: KiteSessionService,
    private readonly tokens: TokenService,
  ) {}

  /** Installs an access token obtained elsewhere, after checking it with Kite. */
  @Post('session')
  @HttpCode(200)
  async install(@Body() body: unknown): Promise<AuthStatus> {
    const token = (body as { access_token?: unknown } | undefined)?.access_token;
    if (typeof token !== 'string' || !/^[A-Za-z0-9]{8,128}$/.test(token)) {
      throw new BadRequestException('access_token must be the token string Kite issued (letters and digits)');
    }
    try {
      await this.auth.installAccessToken(token);
    } catch (err) {
      if (err instanceof KiteLoginError) throw new BadRequestException(err.message);
      throw err;
    }
    return this.auth.status();
  }

  @Delete('session')
  @HttpCode(200)
  async logout(): Promise<AuthStatus> {
    await this.auth.logout();
    return this.auth.status();
  }

  /** Mints a JWT for a programmatic client. */
  @Post('tokens')
  @HttpCode(201)
  mint(@Body() body: unknown): { token: string; role: Role; expires_in: number } {
    const { role, ttl, sub } = (body ?? {}) as { role?: unknown; ttl?: unknown; sub?: unknown };
    if (!ROLES.includes(role as Role)) throw new BadRequestException('role must be viewer or admin');
    const ttlText = typeof ttl === 'string' || typeof ttl === 'number' ? String(ttl) : '12h';
    let seconds: number;
    try {
      seconds = durationSeconds(ttlText);
    } catch {
      throw new BadRequestException('ttl must be a duration such as 30m, 12h or 7d');
    }
    if (seconds < 1 || seconds > MAX_TTL_S) throw new BadRequestException('ttl must be between 1s and 30d');
    const name = typeof sub === 'string' && /^[\w.@-]{1,64}$/.test(sub) ? sub : `client-${role as string}`;
    const { token, expiresIn } = this.tokens.mint(name, role as Role, `${seconds}s`);
    return { token, role: role as Role, expires_in: expiresIn };
  }
}
