import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AuthModule } from '../auth/auth.module.js';
import type { MarketCalendar } from './calendar.js';
import { MARKET_CALENDAR } from './market-status.constants.js';
import { MarketStatusController } from './market-status.controller.js';
import { MarketStatusHealthIndicator } from './market-status.health.js';
import { MarketStatusService } from './market-status.service.js';

@Module({})
export class MarketStatusModule {
  static forRoot(calendar: MarketCalendar): DynamicModule {
    return {
      module: MarketStatusModule,
      global: true,
      imports: [TerminusModule, AuthModule],
      controllers: [MarketStatusController],
      providers: [
        { provide: MARKET_CALENDAR, useValue: calendar },
        MarketStatusService,
        MarketStatusHealthIndicator,
      ],
      exports: [MarketStatusService, MarketStatusHealthIndicator],
    };
  }
}
