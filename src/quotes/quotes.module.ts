import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { CacheModule } from '../cache/cache.module.js';
import { InstrumentsModule } from '../instruments/instruments.module.js';
import { QuotesController } from './quotes.controller.js';
import { ClusterModule } from '../cluster/cluster.module.js';
import { ClusterQuoteGate } from '../cluster/cluster-quote-gate.js';
import { QUOTE_RATE_GATE } from './quote-rate-gate.js';
import { QuotesService } from './quotes.service.js';

/** `/api/quotes`: read-through quotes over the cache and Kite's quote API. */
@Module({
  imports: [AuthModule, CacheModule, ClusterModule, InstrumentsModule],
  controllers: [QuotesController],
  providers: [
    QuotesService,
    // One node paces its own Kite quote calls; a cluster provides a gate shared by every node here.
    // One Kite quote call a second for the whole cluster (per node, standalone).
    { provide: QUOTE_RATE_GATE, useExisting: ClusterQuoteGate },
  ],
  exports: [QuotesService],
})
export class QuotesModule {}
