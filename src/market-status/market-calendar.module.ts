import { Global, Module, type DynamicModule } from '@nestjs/common';
import type { MarketCalendar } from './calendar.js';
import { MARKET_CALENDAR } from './market-status.constants.js';

/**
 * The exchange calendar main loaded and checked before the application started, for whoever reads
 * market time (market status, candles). Global, like the configuration it comes from.
 */
@Global()
@Module({})
export class MarketCalendarModule {
  static forRoot(calendar: MarketCalendar): DynamicModule {
    return {
      module: MarketCalendarModule,
      providers: [{ provide: MARKET_CALENDAR, useValue: calendar }],
      exports: [MARKET_CALENDAR],
    };
  }
}
