import {
  BadRequestException,
  Body,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Req,
  Res,
  UseGuards,
} from '@nestjs/common';
import {
  ApiBody,
  ApiExtraModels,
  ApiOkResponse,
  ApiCreatedResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { AddressThrottlerGuard } from './address-throttler.guard.js';
import type { Response } from 'express';
import { istIso } from '../clock/ist.js';
import { ApiAddressRateLimit, ApiError } from '../http/api-docs/api-responses.js';
import { AuthCookies } from './auth-cookies.js';
import {
  AccessTokenBody,
  AuthStatusDto,
  MintedTokenDto,
  MintTokenBody,
  RequestTokenBody,
  TokenListDto,
  TokenViewDto,
} from './auth.dto.js';
import { mintRequest } from './mint-request.js';
import { tokenTtlSeconds } from './token-ttl.js';
import { AppConfigService } from '../config/app-config.service.js';
import { JsonBodyGuard } from './json-body.guard.js';
import { JwtAuthGuard, Roles, type AuthedRequest } from './jwt-auth.guard.js';
import { KiteSessionService, KiteLoginError, type AuthStatus } from './kite-session.service.js';
import type { TokenEntry } from './token-registry.js';
import { TokenRegistry } from './token-registry.js';
import { TOKEN_ID, TokenService } from './token.service.js';
import type { TokenView } from '../contracts/tokens.contract.js';

const JSON_ONLY = 'The body is not JSON (Content-Type: application/json).';

@ApiTags('admin')
@ApiExtraModels(AccessTokenBody, RequestTokenBody)
@ApiAddressRateLimit()
@Controller('api/admin')
@UseGuards(AddressThrottlerGuard, JwtAuthGuard, JsonBodyGuard)
@Roles('admin')
export class AdminController {
  constructor(
    private readonly auth: KiteSessionService,
    private readonly tokens: TokenService,
    private readonly registry: TokenRegistry,
    private readonly cookies: AuthCookies,
    private readonly config: AppConfigService,
  ) {}

  /**
   * Installs a Kite session: `{access_token}` obtained elsewhere (checked with Kite's profile), or
   * `{request_token}` from Kite's login redirect (exchanged here with the checksum). Exactly one.
   */
  @ApiOperation({ summary: 'Install a Kite session from a token obtained elsewhere' })
  @ApiBody({
    description: 'Exactly one of `access_token` or `request_token`.',
    schema: { oneOf: [{ $ref: getSchemaPath(AccessTokenBody) }, { $ref: getSchemaPath(RequestTokenBody) }] },
  })
  @ApiOkResponse({ type: AuthStatusDto, description: 'The new Kite session.' })
  @ApiError(
    400,
    'Not exactly one token, not a token of that form, or Kite refused it.',
    'send exactly one of access_token or request_token',
  )
  @ApiError(415, JSON_ONLY, 'send a JSON body (Content-Type: application/json)')
  @Post('session')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async install(@Body() body: unknown): Promise<AuthStatus> {
    const { access_token: access, request_token: request } = (body ?? {}) as Record<string, unknown>;
    if ((access === undefined) === (request === undefined)) {
      throw new BadRequestException('send exactly one of access_token or request_token');
    }
    const token = access ?? request;
    const shape = access === undefined ? /^[A-Za-z0-9]{6,128}$/ : /^[A-Za-z0-9]{8,128}$/;
    if (typeof token !== 'string' || !shape.test(token)) {
      throw new BadRequestException(
        `${access === undefined ? 'request_token' : 'access_token'} must be the token string Kite issued (letters and digits)`,
      );
    }
    try {
      if (access !== undefined) await this.auth.installAccessToken(token);
      else await this.auth.loginWithRequestToken(token);
    } catch (err) {
      if (err instanceof KiteLoginError) throw new BadRequestException(err.message);
      throw err;
    }
    return this.auth.status();
  }

  /** Logs out of Kite; also ends the dashboard session of a browser that asked with its cookie. */
  @ApiOperation({ summary: 'Log out of Kite; the feed goes to AUTH_REQUIRED' })
  @ApiOkResponse({ type: AuthStatusDto, description: 'The state after logout (UNAUTHENTICATED).' })
  @Delete('session')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async logout(@Req() req: AuthedRequest, @Res({ passthrough: true }) res: Response): Promise<AuthStatus> {
    await this.auth.logout();
    this.cookies.clearSession(res);
    if (req.authVia === 'cookie' && req.principal?.jti) {
      // A logout ends this session only: the tokens it minted live on until revoked or expired.
      await this.registry.revoke(req.principal.jti, { cascade: false });
    }
    return this.auth.status();
  }

  /** Mints a JWT for a programmatic client; it cannot outlive the token that asks for it. */
  @ApiOperation({ summary: 'Mint a JWT for a programmatic client' })
  @ApiBody({ type: MintTokenBody })
  @ApiCreatedResponse({ type: MintedTokenDto })
  @ApiError(
    400,
    'An unknown role or scope, a malformed ttl or sub, a sub that is refused, limits wider than the defaults, or a ttl past 30d or past the asking token.',
    'ttl must be a duration such as 30m, 12h or 7d',
  )
  @ApiError(415, JSON_ONLY, 'send a JSON body (Content-Type: application/json)')
  @Post('tokens')
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  async mint(@Req() req: AuthedRequest, @Body() body: unknown): Promise<MintedTokenDto> {
    const ask = mintRequest(body, this.config.values, this.auth.status().user_id);
    const seconds = tokenTtlSeconds(ask.ttl, req.principal!.exp, 'the token');
    const minted = this.tokens.mint(ask.sub, ask.role, `${seconds}s`, 'api', {
      parent: req.principal!.jti,
      scopes: ask.scopes,
      limits: ask.limits,
    });
    await minted.stored;
    return {
      token: minted.token,
      id: minted.id,
      role: ask.role,
      sub: minted.sub,
      scopes: ask.scopes,
      limits: ask.limits ?? null,
      parent: req.principal!.jti ?? null,
      expires_in: minted.expiresIn,
      expires_at: istIso(minted.expiresAt),
    };
  }

  /** The live minted tokens (every node's, with Redis). */
  @ApiOperation({ summary: 'List the live tokens (never the tokens themselves)' })
  @ApiOkResponse({ type: TokenListDto })
  @Get('tokens')
  @Header('Cache-Control', 'no-store')
  async list(): Promise<TokenListDto> {
    return { tokens: (await this.registry.list()).map(view) };
  }

  /** Revokes one token: refused at once on HTTP, its sockets disconnected, on every node. */
  @ApiOperation({ summary: 'Revoke a token: refused at once on HTTP, its sockets disconnected' })
  @ApiParam({ name: 'id', schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{22}$' } })
  @ApiOkResponse({ type: TokenViewDto, description: 'The revoked entry.' })
  @ApiError(404, 'No live token has this id.', 'no live token has this id')
  @Delete('tokens/:id')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async revoke(@Param('id') id: string): Promise<TokenView> {
    const entry = TOKEN_ID.test(id) ? await this.registry.revoke(id) : undefined;
    if (!entry) throw new NotFoundException('no live token has this id');
    return view(entry);
  }
}

function view(e: TokenEntry): TokenView {
  return {
    id: e.id,
    sub: e.sub,
    role: e.role,
    kind: e.kind,
    parent: e.parent ?? null,
    scopes: e.scopes ?? [],
    limits: e.limits ?? null,
    issued_at: istIso(e.issuedAt),
    expires_at: istIso(e.expiresAt),
    last_seen: e.lastSeen === undefined ? null : istIso(e.lastSeen),
  };
}
