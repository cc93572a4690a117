import { Controller, Get, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AddressThrottlerGuard } from '../auth/address-throttler.guard.js';
import { ApiAddressRateLimit } from '../http/api-docs/api-responses.js';
import { LimitsDto } from './desk.dto.js';
import { JwtAuthGuard, Roles } from '../auth/jwt-auth.guard.js';
import { CacheService } from '../cache/cache.service.js';
import { AppConfigService } from '../config/app-config.service.js';
import type { LimitsView } from '../contracts/desk.contract.js';

@ApiTags('admin')
@ApiAddressRateLimit()
@Controller('api/admin/limits')
@UseGuards(AddressThrottlerGuard, JwtAuthGuard)
@Roles('admin')
export class LimitsController {
  constructor(
    private readonly config: AppConfigService,
    private readonly cache: CacheService,
  ) {}

  /** The configured per-user and per-client caps, and the cache mode (as /health reports it). */
  @Get()
  @ApiOperation({ summary: 'The per-user and per-client limits in force, and the cache mode' })
  @ApiOkResponse({ type: LimitsDto })
  limits(): LimitsView {
    const c = this.config.values;
    const mode = this.cache.mode;
    return {
      limits: {
        max_connections_per_user: c.maxConnectionsPerUser,
        max_instruments_per_user: c.maxInstrumentsPerUser,
        max_subscriptions_per_client: c.maxSubscriptionsPerClient,
        max_queued_quotes_per_user: c.maxQueuedQuotesPerUser,
        api_rate_limit_per_minute: c.apiRateLimitPerMinute,
        max_unauthenticated_per_address: c.maxUnauthenticatedPerAddress,
      },
      cache: { mode: mode === 'fallback' ? 'memory fallback' : mode, ttl_ms: c.cacheTtlMs },
    };
  }
}
