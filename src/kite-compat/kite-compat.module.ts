import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { QuotesModule } from '../quotes/quotes.module.js';
import { InstrumentsModule } from '../instruments/instruments.module.js';
import { InstrumentsCsvService } from './instruments-csv.service.js';
import { KiteInstrumentsController } from './kite-instruments.controller.js';
import { KiteHistoricalController } from './kite-historical.controller.js';
import { HistoricalService } from './historical.service.js';
import { ClusterModule } from '../cluster/cluster.module.js';
import { KiteAuthGuard } from './kite-auth.guard.js';
import { KiteQuotesController } from './kite-quotes.controller.js';
import { KiteRefusedController } from './kite-refused.controller.js';
import { RelaySession } from './relay-session.js';

/**
 * Kite's REST market-data routes under /kite, so that an unchanged KiteConnect reads through the
 * relay by changing `root`: adapters over the quotes and instruments services, in Kite's envelope.
 */
@Module({
  imports: [AuthModule, ClusterModule, QuotesModule, InstrumentsModule],
  // The refusals' catch-all last: routes are matched in registration order.
  controllers: [
    KiteQuotesController,
    KiteInstrumentsController,
    KiteHistoricalController,
    KiteRefusedController,
  ],
  providers: [KiteAuthGuard, RelaySession, InstrumentsCsvService, HistoricalService],
})
export class KiteCompatModule {}
