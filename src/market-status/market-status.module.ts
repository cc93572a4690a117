import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AuthModule } from '../auth/auth.module.js';
import { MarketStatusController } from './market-status.controller.js';
import { MarketStatusHealthIndicator } from './market-status.health.js';
import { MarketStatusService } from './market-status.service.js';

/** The NSE market status from the injected clock and the calendar (MARKET_CALENDAR comes from MarketCalendarModule, global). */
@Module({
  imports: [TerminusModule, AuthModule],
  controllers: [MarketStatusController],
  providers: [MarketStatusService, MarketStatusHealthIndicator],
  exports: [MarketStatusService, MarketStatusHealthIndicator],
})
export class MarketStatusModule {}
