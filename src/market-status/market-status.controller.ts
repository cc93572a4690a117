import { Controller, Get, UseGuards } from '@nestjs/common';
import { JwtAuthGuard, Roles } from '../auth/jwt-auth.guard.js';
import type { MarketStatus } from './market-status.js';
import { MarketStatusService } from './market-status.service.js';
import { ApiThrottlerGuard } from '../api-limits/api-throttler.guard.js';

@Controller('api/market')
@UseGuards(JwtAuthGuard, ApiThrottlerGuard)
export class MarketStatusController {
  constructor(private readonly status: MarketStatusService) {}

  @Get('status')
  @Roles('viewer')
  get(): MarketStatus {
    return this.status.current();
  }
}
