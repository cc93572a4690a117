import { Global, Module, type DynamicModule } from '@nestjs/common';
import { DEFAULT_FEED_TUNING, FEED_TUNING, type FeedTuning } from './market-feed.constants.js';

/**
 * The upstream's timing: the defaults, or shorter waits from an e2e test. Global because the
 * cluster's frame relay reads the watchdog too.
 */
@Global()
@Module({})
export class FeedTuningModule {
  static forRoot(tuning: Partial<FeedTuning> = {}): DynamicModule {
    return {
      module: FeedTuningModule,
      providers: [{ provide: FEED_TUNING, useValue: { ...DEFAULT_FEED_TUNING, ...tuning } }],
      exports: [FEED_TUNING],
    };
  }
}
