import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { JwtAuthGuard, Roles } from '../auth/jwt-auth.guard.js';
import type { MarketStatus } from './market-status.js';
import { MarketStatusService } from './market-status.service.js';
import { ApiThrottlerGuard } from '../api-limits/api-throttler.guard.js';
import { ApiViewerRateLimit } from '../http/api-docs/api-responses.js';
import { MarketStatusDto } from './market-status.dto.js';

@ApiTags('market data')
@Controller('api/market')
@UseGuards(JwtAuthGuard, ApiThrottlerGuard)
export class MarketStatusController {
  constructor(private readonly status: MarketStatusService) {}

  @ApiOperation({ summary: 'The NSE market status and its next change' })
  @ApiOkResponse({ type: MarketStatusDto })
  @ApiViewerRateLimit()
  @Get('status')
  @Roles('viewer')
  get(): MarketStatus {
    return this.status.current();
  }
}
