import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { AuthModule } from './auth/auth.module.js';
import { CACHE_KEY_PREFIX, DEFAULT_KEY_PREFIX } from './cache/cache.constants.js';
import { CacheModule } from './cache/cache.module.js';
import { CandlesModule } from './candles/candles.module.js';
import type { Clock } from './clock/clock.js';
import { ClockModule } from './clock/clock.module.js';
import type { AppConfig } from './config/app-config.js';
import { AppConfigModule } from './config/config.module.js';
import { GatewayModule } from './gateway/gateway.module.js';
import { HealthModule } from './health/health.module.js';
import { LoggingModule } from './logging/logging.module.js';
import type { FeedTuning } from './market-feed/market-feed.constants.js';
import { MarketFeedModule } from './market-feed/market-feed.module.js';
import type { MarketCalendar } from './market-status/calendar.js';
import { MarketStatusModule } from './market-status/market-status.module.js';
import { MetricsModule } from './metrics/metrics.module.js';

/** What the application is built from: validated config, calendar, and test-only seams. */
export interface AppOptions {
  config: AppConfig;
  calendar: MarketCalendar;
  clock?: Clock;
  logDestination?: DestinationStream;
  feedTuning?: Partial<FeedTuning>;
  cacheKeyPrefix?: string;
}

@Global()
@Module({})
class RuntimeOptionsModule {
  static forRoot(prefix: string): DynamicModule {
    return {
      module: RuntimeOptionsModule,
      providers: [{ provide: CACHE_KEY_PREFIX, useValue: prefix }],
      exports: [CACHE_KEY_PREFIX],
    };
  }
}

@Module({})
export class AppModule {
  static forRoot(o: AppOptions): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.forRoot(o.config),
        RuntimeOptionsModule.forRoot(o.cacheKeyPrefix ?? DEFAULT_KEY_PREFIX),
        ClockModule.forRoot({ startAt: o.config.clockStart, clock: o.clock }),
        LoggingModule.forRoot(o.config, o.logDestination),
        MetricsModule,
        CacheModule,
        AuthModule,
        MarketStatusModule.forRoot(o.calendar),
        MarketFeedModule.forRoot(o.feedTuning),
        CandlesModule.forRoot(o.calendar),
        GatewayModule,
        HealthModule,
      ],
    };
  }
}
