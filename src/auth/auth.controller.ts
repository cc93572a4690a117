import { BadRequestException, Controller, Get, Header, Query, Req, Res, UseGuards } from '@nestjs/common';
import {
  ApiFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiQuery,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import { AddressThrottlerGuard } from './address-throttler.guard.js';
import type { Request, Response } from 'express';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { AppConfigService } from '../config/app-config.service.js';
import { ApiAddressRateLimit, ApiError, ApiPublic } from '../http/api-docs/api-responses.js';
import { AuthCookies } from './auth-cookies.js';
import { AuthStatusDto } from './auth.dto.js';
import { KiteSessionService, KiteLoginError, type AuthStatus } from './kite-session.service.js';
import { loginResultPage } from './login-page.js';
import { TokenService } from './token.service.js';

const HTML = { 'text/html': { schema: { type: 'string' } } };

@ApiTags('auth')
@ApiPublic()
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly auth: KiteSessionService,
    private readonly tokens: TokenService,
    private readonly cookies: AuthCookies,
    private readonly config: AppConfigService,
  ) {}

  /** The Kite session: in full for an admin token; the state alone for anyone else (viewers included). */
  @ApiOperation({ summary: 'The Kite session (who is logged in only for an admin token)' })
  @ApiOkResponse({ type: AuthStatusDto })
  @Get('status')
  @Header('Cache-Control', 'no-store')
  status(@Req() req: Request): AuthStatus {
    return this.auth.status(this.tokens.principalOf(req)?.role === 'admin');
  }

  /** Starts the Kite login: a random `state` bound to a short-lived httpOnly cookie, then Kite's login page. */
  @ApiOperation({ summary: "Start the Kite login (a browser's popup or page)" })
  @ApiFoundResponse({
    description: "To Kite's login page, with a `state` nonce bound to a short-lived httpOnly cookie.",
    headers: { Location: { schema: { type: 'string', format: 'uri' } } },
  })
  @ApiAddressRateLimit()
  @Get('kite/login')
  @UseGuards(AddressThrottlerGuard)
  login(@Res() res: Response): void {
    const state = randomBytes(16).toString('base64url');
    this.cookies.setState(res, state);
    const { apiKey, loginUrl } = this.config.values.kite;
    const url = new URL(loginUrl);
    url.searchParams.set('v', '3');
    url.searchParams.set('api_key', apiKey);
    url.searchParams.set('redirect_params', `state=${state}`);
    res.set('Cache-Control', 'no-store').redirect(302, url.toString());
  }

  /** Kite's redirect: checks `state`, exchanges the request token, sets the dashboard session cookie. */
  @ApiOperation({
    summary: "Kite's redirect after the login",
    description:
      'Checks `state`, exchanges the request token, sets the dashboard session cookie (an admin JWT) and answers a page that tells `window.opener` and closes.',
  })
  @ApiQuery({ name: 'state', type: 'string', description: 'The nonce /api/auth/kite/login sent.' })
  @ApiQuery({ name: 'request_token', type: 'string', required: false })
  @ApiQuery({ name: 'status', type: 'string', required: false, description: '`success` from Kite.' })
  @ApiOkResponse({ description: 'Logged in; the session cookie is set.', content: HTML })
  @ApiError(
    400,
    'The state is missing or does not match, or Kite returned no request token.',
    'login state is missing or does not match; start the login again from the dashboard',
  )
  @ApiResponse({
    status: 403,
    description: 'Kite refused the request token (a page saying why).',
    content: HTML,
  })
  @ApiAddressRateLimit()
  @Get('kite/callback')
  @UseGuards(AddressThrottlerGuard)
  async callback(
    @Req() req: Request,
    @Res() res: Response,
    @Query('state') state: unknown,
    @Query('request_token') requestToken: unknown,
    @Query('status') status: unknown,
  ): Promise<void> {
    // The page may carry a fresh session cookie: no cache may keep it. It arrives in the popup from
    // Kite's origin, so any COOP but unsafe-none would cut it from the dashboard that opened it.
    res.set({ 'Cache-Control': 'no-store', 'Cross-Origin-Opener-Policy': 'unsafe-none' });
    const expected = this.cookies.readState(req);
    if (typeof state !== 'string' || !expected || !sameText(state, expected)) {
      throw new BadRequestException(
        'login state is missing or does not match; start the login again from the dashboard',
      );
    }
    this.cookies.clearState(res);
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
    const minted = this.tokens.mint(session.userId, 'admin', undefined, 'login');
    await minted.stored;
    this.cookies.setSession(res, minted.token, minted.expiresIn * 1000);
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
