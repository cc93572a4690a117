import { Module, type DynamicModule } from '@nestjs/common';
import type { MarketCalendar } from '../market-status/calendar.js';
import { AuthModule, CandleSources } from './candle-sources.js';
import { CANDLES_CALENDAR } from './candles.constants.js';
import { CandlesController } from './candles.controller.js';
import { CandlesService } from './candles.service.js';

/** One-minute candles of the streamed instruments, `GET /api/candles`. */
@Module({})
export class CandlesModule {
  static forRoot(calendar: MarketCalendar): DynamicModule {
    return {
      module: CandlesModule,
      imports: [AuthModule],
      controllers: [CandlesController],
      providers: [{ provide: CANDLES_CALENDAR, useValue: calendar }, CandleSources, CandlesService],
      exports: [CandlesService],
    };
  }
}
