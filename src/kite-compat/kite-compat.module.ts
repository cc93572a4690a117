import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { CacheModule } from '../cache/cache.module.js';
import { ClusterModule } from '../cluster/cluster.module.js';
import { GatewayModule } from '../gateway/gateway.module.js';
import { InstrumentsModule } from '../instruments/instruments.module.js';
import { MarketFeedModule } from '../market-feed/market-feed.module.js';
import { OrdersModule } from '../orders/orders.module.js';
import { QuotesModule } from '../quotes/quotes.module.js';
import { HistoricalService } from './historical.service.js';
import { InstrumentsCsvService } from './instruments-csv.service.js';
import { KiteAuthGuard } from './kite-auth.guard.js';
import { KiteHistoricalController } from './kite-historical.controller.js';
import { KiteInstrumentsController } from './kite-instruments.controller.js';
import { KiteQuotesController } from './kite-quotes.controller.js';
import { KiteRefusedController } from './kite-refused.controller.js';
import { KiteWsServer } from './kite-ws.server.js';
import { RelaySession } from './relay-session.js';
import { UpgradeAdmission } from './upgrade-admission.js';

/**
 * Kite's own protocols on the gateway's port, so that unchanged KiteTicker and KiteConnect code
 * moves to the relay by changing `root`: the ticker at `/kite/ws` (with Kite's order updates for the
 * clients allowed to see them), sharing the gateway's client services but never its Socket.IO
 * server; and the REST market-data routes under `/kite`, adapters over the quotes and instruments
 * services in Kite's envelope.
 */
@Module({
  imports: [
    AuthModule,
    CacheModule,
    ClusterModule,
    GatewayModule,
    OrdersModule,
    QuotesModule,
    InstrumentsModule,
    MarketFeedModule,
  ],
  // The refusals' catch-all last: routes are matched in registration order.
  controllers: [
    KiteQuotesController,
    KiteInstrumentsController,
    KiteHistoricalController,
    KiteRefusedController,
  ],
  providers: [
    KiteWsServer,
    UpgradeAdmission,
    KiteAuthGuard,
    RelaySession,
    InstrumentsCsvService,
    HistoricalService,
  ],
  exports: [KiteWsServer],
})
export class KiteCompatModule {}
