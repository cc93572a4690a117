import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { CacheModule } from '../cache/cache.module.js';
import { InstrumentsModule } from '../instruments/instruments.module.js';
import { MarketFeedModule } from '../market-feed/market-feed.module.js';
import { MarketStatusModule } from '../market-status/market-status.module.js';
import { ClientSubscriptionService } from './client-subscription.service.js';
import { CLUSTER_USAGE, StandaloneUsage } from './cluster-usage.js';
import { MarketGateway } from './market.gateway.js';
import { UnauthenticatedConnections } from './unauthenticated-connections.js';
import { UserLimitsService } from './user-limits.service.js';

/** Socket.IO `/market`: the fan-out to dashboard and API clients. */
@Module({
  imports: [AuthModule, CacheModule, InstrumentsModule, MarketFeedModule, MarketStatusModule],
  providers: [
    MarketGateway,
    ClientSubscriptionService,
    UserLimitsService,
    UnauthenticatedConnections,
    // One node: nothing held elsewhere. A cluster provides its own view of the other nodes here.
    { provide: CLUSTER_USAGE, useClass: StandaloneUsage },
  ],
  exports: [UserLimitsService],
})
export class GatewayModule {}
