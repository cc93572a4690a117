import {
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
  UseGuards,
} from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AddressThrottlerGuard } from '../auth/address-throttler.guard.js';
import { ApiAddressRateLimit, ApiError } from '../http/api-docs/api-responses.js';
import { CreateInviteBody, InviteCreatedDto, InviteListDto, InviteViewDto } from './desk.dto.js';
import { istIso } from '../clock/ist.js';
import { JsonBodyGuard } from '../auth/json-body.guard.js';
import { JwtAuthGuard, Roles, type AuthedRequest } from '../auth/jwt-auth.guard.js';
import { parseInviteRequest } from './invite-input.js';
import { InviteService, type InviteView } from './invite.service.js';
import { unavailableAs503 } from './unavailable.js';

/** Viewer invites for a desk: create (the link carries a one-time code), list, revoke. Admin only. */
@ApiTags('admin')
@ApiAddressRateLimit()
@ApiError(
  503,
  'Redis is configured but does not answer: invites wait rather than risk a second use.',
  'invites are kept in Redis, which is not answering; try again',
)
@Controller('api/admin/invites')
@UseGuards(AddressThrottlerGuard, JwtAuthGuard, JsonBodyGuard)
@Roles('admin')
export class InvitesController {
  constructor(private readonly invites: InviteService) {}

  /** `{name, ttl?, from?}` → `{id, url, expires_at}`; the url's fragment holds the code, shown only here. */
  @Post()
  @ApiOperation({ summary: 'Create a viewer invite link (one-time code)' })
  @ApiBody({ type: CreateInviteBody })
  @ApiCreatedResponse({ type: InviteCreatedDto, description: 'Cache-Control: no-store.' })
  @ApiError(
    400,
    "A missing or malformed name, ttl or from; a ttl past the caller's own token.",
    'name must be 1 to 64 characters',
  )
  @ApiError(415, 'The body is not JSON.', 'send a JSON body (Content-Type: application/json)')
  @HttpCode(201)
  @Header('Cache-Control', 'no-store')
  async create(
    @Req() req: AuthedRequest,
    @Body() body: unknown,
  ): Promise<{ id: string; url: string; expires_at: string }> {
    const creator = req.principal!;
    const request = parseInviteRequest(body, creator.exp);
    const made = await unavailableAs503(this.invites.create(request, creator));
    return { id: made.id, url: made.url, expires_at: istIso(made.expiresAt) };
  }

  /** The live invites: unused, and used ones with their token. */
  @Get()
  @ApiOperation({ summary: 'The live invites (never a code)' })
  @ApiOkResponse({ type: InviteListDto })
  @Header('Cache-Control', 'no-store')
  async list(): Promise<{ invites: InviteView[] }> {
    return { invites: await unavailableAs503(this.invites.list()) };
  }

  /** Revokes the code and, if it was used, its token (its sockets drop on every node). */
  @Delete(':id')
  @ApiOperation({ summary: 'Revoke an invite, and its token if it was used' })
  @ApiParam({ name: 'id', description: 'The invite id.' })
  @ApiOkResponse({ type: InviteViewDto })
  @ApiError(404, 'No live invite has this id.', 'no live invite has this id')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async revoke(@Param('id') id: string): Promise<InviteView> {
    const revoked = await unavailableAs503(this.invites.revoke(id));
    if (!revoked) throw new NotFoundException('no live invite has this id');
    return revoked;
  }
}
