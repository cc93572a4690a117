import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AuthModule } from '../auth/auth.module.js';
import { CacheModule } from '../cache/cache.module.js';
import { InstrumentsService } from './instruments.service.js';
import { DEFAULT_FEED_TUNING, FEED_TUNING, type FeedTuning } from './market-feed.constants.js';
import { MarketFeedHealthIndicator } from './market-feed.health.js';
import { MarketFeedService } from './market-feed.service.js';
import { QuotesController } from './quotes.controller.js';
import { QuotesService } from './quotes.service.js';
import { UpstreamOwnership } from './upstream-ownership.js';

@Module({})
export class MarketFeedModule {
  static forRoot(tuning: Partial<FeedTuning> = {}): DynamicModule {
    return {
      module: MarketFeedModule,
      global: true,
      imports: [AuthModule, CacheModule, TerminusModule],
      controllers: [QuotesController],
      providers: [
        { provide: FEED_TUNING, useValue: { ...DEFAULT_FEED_TUNING, ...tuning } },
        MarketFeedService,
        InstrumentsService,
        QuotesService,
        UpstreamOwnership,
        MarketFeedHealthIndicator,
      ],
      exports: [MarketFeedService, InstrumentsService, MarketFeedHealthIndicator],
    };
  }
}
