import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { CacheModule } from '../cache/cache.module.js';
import { InstrumentsModule } from '../instruments/instruments.module.js';
import { MarketFeedModule } from '../market-feed/market-feed.module.js';
import { MarketStatusModule } from '../market-status/market-status.module.js';
import { ClientSubscriptionService } from './client-subscription.service.js';
import { ClientsController } from './clients.controller.js';
import { MarketGateway } from './market.gateway.js';

/** Socket.IO `/market`: the fan-out to dashboard and API clients. */
@Module({
  imports: [AuthModule, CacheModule, InstrumentsModule, MarketFeedModule, MarketStatusModule],
  controllers: [ClientsController],
  providers: [MarketGateway, ClientSubscriptionService],
})
export class GatewayModule {}
