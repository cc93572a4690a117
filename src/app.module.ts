import { Module, type DynamicModule } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { ApiLimitsModule } from './api-limits/api-limits.module.js';
import { AuthModule } from './auth/auth.module.js';
import { CandlesModule } from './candles/candles.module.js';
import { DeskModule } from './desk/desk.module.js';
import type { Clock } from './clock/clock.js';
import { ClockModule } from './clock/clock.module.js';
import type { AppConfig } from './config/app-config.js';
import { AppConfigModule } from './config/config.module.js';
import { FeedTuningModule } from './market-feed/feed-tuning.module.js';
import { MarketCalendarModule } from './market-status/market-calendar.module.js';
import { EventsModule } from './events/events.module.js';
import { GatewayModule } from './gateway/gateway.module.js';
import { HealthModule } from './health/health.module.js';
import { KiteCompatModule } from './kite-compat/kite-compat.module.js';
import { InstrumentsModule } from './instruments/instruments.module.js';
import { LoggingModule } from './logging/logging.module.js';
import type { FeedTuning } from './market-feed/market-feed.constants.js';
import { MarketFeedModule } from './market-feed/market-feed.module.js';
import type { MarketCalendar } from './market-status/calendar.js';
import { MarketStatusModule } from './market-status/market-status.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { QuotesModule } from './quotes/quotes.module.js';
import { RedisModule } from './redis/redis.module.js';
import { TapeModule } from './tape/tape.module.js';

/** What the application is built from: validated config, calendar, and test-only seams. */
export interface AppOptions {
  config: AppConfig;
  calendar: MarketCalendar;
  clock?: Clock;
  logDestination?: DestinationStream;
  feedTuning?: Partial<FeedTuning>;
  /** Prefix of every Redis key (tests use their own so runs do not collide). */
  keyPrefix?: string;
}

@Module({})
export class AppModule {
  static forRoot(options: AppOptions): DynamicModule {
    const { config, calendar } = options;
    return {
      module: AppModule,
      imports: [
        // Global infrastructure: configuration (with the calendar and the feed's timing), clock, events, metrics, logging, Redis.
        AppConfigModule.forRoot(config),
        MarketCalendarModule.forRoot(calendar),
        FeedTuningModule.forRoot(options.feedTuning),
        ClockModule.forRoot({ startAt: config.clockStart, clock: options.clock }),
        EventsModule,
        MetricsModule.forRoot(config.metricsPort),
        LoggingModule.forRoot(config, options.logDestination),
        RedisModule.forRoot(options.keyPrefix),
        ApiLimitsModule,
        // Features, each importing what it uses.
        AuthModule,
        InstrumentsModule,
        QuotesModule,
        MarketStatusModule,
        MarketFeedModule,
        CandlesModule,
        TapeModule,
        GatewayModule,
        KiteCompatModule,
        DeskModule,
        // Its catch-all of refusals under /kite is registered after every other controller.
        HealthModule,
      ],
    };
  }
}
