import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AuthModule } from '../auth/auth.module.js';
import { CacheModule } from '../cache/cache.module.js';
import { ClusterModule } from '../cluster/cluster.module.js';
import { MarketFeedModule } from '../market-feed/market-feed.module.js';
import { MarketStatusModule } from '../market-status/market-status.module.js';
import { TapeModule } from '../tape/tape.module.js';
import { HealthController } from './health.controller.js';
import { ReadinessService } from './readiness.service.js';

/** Terminus probes composed from the indicators the other modules export. */
@Module({
  imports: [
    TerminusModule.forRoot({ logger: false }),
    AuthModule,
    CacheModule,
    ClusterModule,
    MarketFeedModule,
    MarketStatusModule,
    TapeModule,
  ],
  controllers: [HealthController],
  providers: [ReadinessService],
  exports: [ReadinessService],
})
export class HealthModule {}
