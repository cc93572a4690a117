import { Controller, Get, Header, Req, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { istIso } from '../clock/ist.js';
import { MeDto } from './auth.dto.js';
import type { Role } from './auth.constants.js';
import { JwtAuthGuard, Roles, type AuthedRequest } from './jwt-auth.guard.js';

@ApiTags('auth')
@Controller('api/auth/me')
@UseGuards(JwtAuthGuard)
@Roles('viewer')
export class MeController {
  /** Who the caller's own token says it is: the dashboard shows its admin panel to an admin only. */
  @Get()
  @ApiOperation({ summary: "The caller's own token: subject, role, expiry" })
  @ApiOkResponse({ type: MeDto })
  @Header('Cache-Control', 'no-store')
  me(@Req() req: AuthedRequest): { sub: string; role: Role; expires_at: string } {
    const p = req.principal!;
    return { sub: p.sub, role: p.role, expires_at: istIso(p.exp * 1000) };
  }
}
