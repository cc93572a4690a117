import { BadRequestException, Controller, Get, Query, Req, Res, UseGuards } from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { AppConfigService } from '../config/app-config.service.js';
import { SESSION_COOKIE, STATE_COOKIE, STATE_TTL_MS } from './auth.constants.js';
import { KiteSessionService, KiteLoginError, type AuthStatus } from './kite-session.service.js';
import { readCookie } from './cookies.js';
import { loginResultPage } from './login-page.js';
import { TokenService } from './token.service.js';

@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: KiteSessionService,
    private readonly tokens: TokenService,
    private readonly config: AppConfigService,
  ) {}

  private get secureCookies(): boolean {
    return this.config.values.publicUrl.startsWith('https://');
  }

  @Get('status')
  status(): AuthStatus {
    return this.auth.status();
  }

  /** Starts the Kite login: a random `state` bound to a short-lived httpOnly cookie, then Kite's login page. */
  @Get('kite/login')
  @UseGuards(ThrottlerGuard)
  login(@Res() res: Response): void {
    const state = randomBytes(16).toString('base64url');
    res.cookie(STATE_COOKIE, state, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secureCookies,
      maxAge: STATE_TTL_MS,
      path: '/api/auth/kite',
    });
    const { apiKey, loginUrl } = this.config.values.kite;
    const url = new URL(loginUrl);
    url.searchParams.set('v', '3');
    url.searchParams.set('api_key', apiKey);
    url.searchParams.set('redirect_params', `state=${state}`);
    res.redirect(302, url.toString());
  }

  /** Kite's redirect: checks `state`, exchanges the request token, sets the dashboard session cookie. */
  @Get('kite/callback')
  @UseGuards(ThrottlerGuard)
  async callback(
    @Req() req: Request,
    @Res() res: Response,
    @Query('state') state: unknown,
    @Query('request_token') requestToken: unknown,
    @Query('status') status: unknown,
  ): Promise<void> {
    const expected = readCookie(req, STATE_COOKIE);
    if (typeof state !== 'string' || !expected || !sameText(state, expected)) {
      throw new BadRequestException(
        'login state is missing or does not match; start the login again from the dashboard',
      );
    }
    res.clearCookie(STATE_COOKIE, { path: '/api/auth/kite' });
    if (
      status !== 'success' ||
      typeof requestToken !== 'string' ||
      !/^[A-Za-z0-9]{6,128}$/.test(requestToken)
    ) {
      throw new BadRequestException('Kite did not return a request token; start the login again');
    }
    const origin = new URL(this.config.values.publicUrl).origin;
    let session;
    try {
      session = await this.auth.loginWithRequestToken(requestToken);
    } catch (err) {
      if (!(err instanceof KiteLoginError)) throw err;
      res
        .status(403)
        .type('html')
        .send(loginResultPage(origin, false, err.message));
      return;
    }
    const { token, expiresIn } = this.tokens.mint(session.userId, 'admin');
    res.cookie(SESSION_COOKIE, token, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secureCookies,
      maxAge: expiresIn * 1000,
      path: '/',
    });
    res
      .status(200)
      .type('html')
      .send(
        loginResultPage(origin, true, `Logged in to Kite as ${session.userId}. You can close this window.`),
      );
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
