import {
  Body,
  ConflictException,
  Controller,
  ForbiddenException,
  Get,
  Header,
  HttpCode,
  HttpException,
  HttpStatus,
  Post,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import { ApiBody, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AddressThrottlerGuard } from '../auth/address-throttler.guard.js';
import { ApiAddressRateLimit, ApiError, ApiPublic } from '../http/api-docs/api-responses.js';
import { InviteGoneBody, RedeemInviteBody, RedeemedDto } from './desk.dto.js';
import type { Request, Response } from 'express';
import { istIso } from '../clock/ist.js';
import { AppConfigService } from '../config/app-config.service.js';
import { AuthCookies } from '../auth/auth-cookies.js';
import { JsonBodyGuard } from '../auth/json-body.guard.js';
import { fromAllowedOrigin } from '../auth/same-origin.js';
import { TokenService } from '../auth/token.service.js';
import { INVITE_PAGE } from './invite-page.js';
import { InviteService, type RefusalReason } from './invite.service.js';
import { unavailableAs503 } from './unavailable.js';

const REFUSED: Record<RefusalReason, string> = {
  used: 'This invite link has already been used: each link opens the dashboard once.',
  expired: 'This invite link has expired.',
  revoked: 'This invite link has been revoked.',
  unknown: 'This invite link is not valid (it may have been cut short when it was copied).',
};

const ADMIN_BROWSER =
  'This browser is signed in as an admin, and the invite is for someone else: the link was not used. Copy it from the admin panel and open it in a private window or another browser.';

/** The invite link's page and the exchange of its code for the viewer cookie. */
@ApiTags('auth')
@Controller()
export class InviteRedeemController {
  private readonly origins: ReadonlySet<string>;

  constructor(
    private readonly invites: InviteService,
    private readonly tokens: TokenService,
    private readonly cookies: AuthCookies,
    config: AppConfigService,
  ) {
    const { publicUrl, corsOrigins } = config.values;
    this.origins = new Set([new URL(publicUrl).origin, ...corsOrigins]);
  }

  /** The page of `${PUBLIC_URL}/invite#code=…`: the fragment never reaches this server, a log or a Referer. */
  @Get('invite')
  @ApiPublic()
  @ApiOperation({ summary: "The page an invite link opens (HTML); its script spends the fragment's code" })
  @ApiOkResponse({
    description: 'An HTML page (no-store).',
    content: { 'text/html': { schema: { type: 'string' } } },
  })
  @Header('Cache-Control', 'no-store')
  page(@Res() res: Response): void {
    res.type('html').send(INVITE_PAGE);
  }

  /**
   * `{code}` → the httpOnly viewer cookie and `{sub, role, expires_at}`; a used, expired, revoked or
   * unknown code → 410 with the reason and whom to ask. JSON only and from the gateway's own origin
   * (a page elsewhere can neither post JSON without a preflight nor spend a code in a visitor's name).
   */
  @Post('api/auth/invite')
  @ApiPublic()
  @ApiAddressRateLimit()
  @ApiOperation({
    summary: 'Exchange a one-time invite code for the viewer cookie (from the gateway origin, JSON only)',
  })
  @ApiBody({ type: RedeemInviteBody })
  @ApiOkResponse({ type: RedeemedDto, description: 'Sets the httpOnly viewer cookie; no-store.' })
  @ApiError(
    403,
    'The request did not come from PUBLIC_URL or CORS_ORIGINS.',
    'an invite is opened from its link on PUBLIC_URL',
  )
  @ApiError(409, 'This browser is signed in as an admin; the code was not spent.', ADMIN_BROWSER)
  @ApiResponse({
    status: 410,
    type: InviteGoneBody,
    description: 'A used, expired, revoked or unknown code.',
  })
  @ApiError(415, 'The body is not JSON.', 'send a JSON body (Content-Type: application/json)')
  @ApiError(
    503,
    'Redis is configured but does not answer.',
    'invites are kept in Redis, which is not answering; try again',
  )
  @UseGuards(AddressThrottlerGuard, JsonBodyGuard)
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async redeem(
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
    @Body() body: unknown,
  ): Promise<{ sub: string; role: 'viewer'; expires_at: string }> {
    if (!fromAllowedOrigin(req.headers, this.origins)) {
      throw new ForbiddenException('an invite is opened from its link on PUBLIC_URL');
    }
    // An admin who opens a link in the same browser would lose the admin session and spend the code.
    if (this.tokens.verify(this.cookies.readSession(req))?.role === 'admin') {
      throw new ConflictException(ADMIN_BROWSER);
    }
    const { code } = (body ?? {}) as { code?: unknown };
    const r = await unavailableAs503(this.invites.redeem(code));
    if (!r.ok) {
      const help = r.ask
        ? `Ask ${r.ask} for a new link.`
        : 'Ask the person who sent it to you for a new link.';
      throw new HttpException(
        {
          statusCode: HttpStatus.GONE,
          error: 'Gone',
          message: `${REFUSED[r.reason]} ${help}`,
          reason: r.reason,
          ask: r.ask ?? null,
        },
        HttpStatus.GONE,
      );
    }
    this.cookies.setSession(res, r.token.token, r.token.expiresIn * 1000);
    return { sub: r.invite.sub, role: 'viewer', expires_at: istIso(r.token.expiresAt) };
  }
}
