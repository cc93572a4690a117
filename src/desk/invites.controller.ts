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
import { ThrottlerGuard } from '@nestjs/throttler';
import { istIso } from '../clock/ist.js';
import { JsonBodyGuard } from '../auth/json-body.guard.js';
import { JwtAuthGuard, Roles, type AuthedRequest } from '../auth/jwt-auth.guard.js';
import { parseInviteRequest } from './invite-input.js';
import { InviteService, type InviteView } from './invite.service.js';
import { unavailableAs503 } from './unavailable.js';

/** Viewer invites for a desk: create (the link carries a one-time code), list, revoke. Admin only. */
@Controller('api/admin/invites')
@UseGuards(ThrottlerGuard, JwtAuthGuard, JsonBodyGuard)
@Roles('admin')
export class InvitesController {
  constructor(private readonly invites: InviteService) {}

  /** `{name, ttl?, from?}` → `{id, url, expires_at}`; the url's fragment holds the code, shown only here. */
  @Post()
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
  @Header('Cache-Control', 'no-store')
  async list(): Promise<{ invites: InviteView[] }> {
    return { invites: await unavailableAs503(this.invites.list()) };
  }

  /** Revokes the code and, if it was used, its token (its sockets drop on every node). */
  @Delete(':id')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  async revoke(@Param('id') id: string): Promise<InviteView> {
    const revoked = await unavailableAs503(this.invites.revoke(id));
    if (!revoked) throw new NotFoundException('no live invite has this id');
    return revoked;
  }
}
