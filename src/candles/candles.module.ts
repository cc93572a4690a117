import { Module } from '@nestjs/common';
import { ClusterModule } from '../cluster/cluster.module.js';
import type { CandleBackend } from '../contracts/candle-store.contract.js';
import { InstrumentsModule } from '../instruments/instruments.module.js';
import { MarketFeedModule } from '../market-feed/market-feed.module.js';
import { CandleStore } from '../redis/candle.store.js';
import { RedisClients } from '../redis/redis-clients.js';
import { AuthModule, CandleSources } from './candle-sources.js';
import { MemoryCandleStore } from './memory-candle-store.js';
import { CANDLE_BACKEND } from './candles.constants.js';
import { CandlesController } from './candles.controller.js';
import { CandlesService } from './candles.service.js';

/** One-minute candles of the streamed instruments, `GET /api/candles`. MARKET_CALENDAR comes from MarketCalendarModule (global). */
@Module({
  imports: [AuthModule, ClusterModule, InstrumentsModule, MarketFeedModule],
  controllers: [CandlesController],
  providers: [
    CandleSources,
    {
      // In Redis when it is configured (a restart keeps the session's candles), else in memory.
      provide: CANDLE_BACKEND,
      inject: [RedisClients, CandleStore],
      useFactory: (redis: RedisClients, store: CandleStore): CandleBackend =>
        redis.configured ? store : new MemoryCandleStore(),
    },
    CandlesService,
  ],
  exports: [CandlesService],
})
export class CandlesModule {}
