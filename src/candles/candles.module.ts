import { Module } from '@nestjs/common';
import { ClusterModule } from '../cluster/cluster.module.js';
import { InstrumentsModule } from '../instruments/instruments.module.js';
import { MarketFeedModule } from '../market-feed/market-feed.module.js';
import { AuthModule, CandleSources } from './candle-sources.js';
import { CandlesController } from './candles.controller.js';
import { CandlesService } from './candles.service.js';

/** One-minute candles of the streamed instruments, `GET /api/candles`. MARKET_CALENDAR comes from MarketCalendarModule (global). */
@Module({
  imports: [AuthModule, ClusterModule, InstrumentsModule, MarketFeedModule],
  controllers: [CandlesController],
  providers: [CandleSources, CandlesService],
  exports: [CandlesService],
})
export class CandlesModule {}
