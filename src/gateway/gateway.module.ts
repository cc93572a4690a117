import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { CacheModule } from '../cache/cache.module.js';
import { InstrumentsModule } from '../instruments/instruments.module.js';
import { MarketFeedModule } from '../market-feed/market-feed.module.js';
import { MarketStatusModule } from '../market-status/market-status.module.js';
import { OrdersModule } from '../orders/orders.module.js';
import { ClientDirectory } from './client-directory.js';
import { ClientSubscriptionService } from './client-subscription.service.js';
import { ClientsController } from './clients.controller.js';
import { ClusterModule } from '../cluster/cluster.module.js';
import { ClusterUsageView } from '../cluster/cluster-usage.view.js';
import { CLUSTER_USAGE } from './cluster-usage.js';
import { MarketGateway } from './market.gateway.js';
import { UnauthenticatedConnections } from './unauthenticated-connections.js';
import { UserLimitsService } from './user-limits.service.js';

/** Socket.IO `/market`: the fan-out to dashboard and API clients. */
@Module({
  imports: [
    AuthModule,
    CacheModule,
    ClusterModule,
    InstrumentsModule,
    MarketFeedModule,
    MarketStatusModule,
    OrdersModule,
  ],
  controllers: [ClientsController],
  providers: [
    MarketGateway,
    ClientDirectory,
    ClientSubscriptionService,
    UserLimitsService,
    UnauthenticatedConnections,
    // What users hold on the other nodes (nothing, standalone), from their node records.
    { provide: CLUSTER_USAGE, useExisting: ClusterUsageView },
  ],
  // The Kite-protocol endpoint (kite-compat/) shares the client rules: one subscription service, one set of limits.
  exports: [UserLimitsService, ClientSubscriptionService, UnauthenticatedConnections, ClientDirectory],
})
export class GatewayModule {}
