import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { MarketCalendar } from '../market-status/calendar.js';
import { MARKET_CALENDAR } from '../market-status/market-status.constants.js';
import { DEFAULT_FEED_TUNING, FEED_TUNING, type FeedTuning } from '../market-feed/market-feed.constants.js';
import type { AppConfig } from './app-config.js';
import { AppConfigService } from './app-config.service.js';

/** Global on purpose: every module may read the configuration (ARCHITECTURE.md). */
@Global()
@Module({})
export class AppConfigModule {
  /**
   * Registers what main validated before anything started: the configuration (see `loadConfig`),
   * the exchange calendar, and the feed's timing (defaults; e2e tests shorten the waits).
   */
  static forRoot(
    config: AppConfig,
    calendar: MarketCalendar,
    feedTuning: Partial<FeedTuning> = {},
  ): DynamicModule {
    return {
      module: AppConfigModule,
      providers: [
        { provide: AppConfigService, useValue: new AppConfigService(config) },
        { provide: MARKET_CALENDAR, useValue: calendar },
        { provide: FEED_TUNING, useValue: { ...DEFAULT_FEED_TUNING, ...feedTuning } },
      ],
      exports: [AppConfigService, MARKET_CALENDAR, FEED_TUNING],
    };
  }
}
