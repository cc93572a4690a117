import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AuthModule } from '../auth/auth.module.js';
import { CacheModule } from '../cache/cache.module.js';
import { ClusterModule } from '../cluster/cluster.module.js';
import { InstrumentsModule } from '../instruments/instruments.module.js';
import { OrdersModule } from '../orders/orders.module.js';
import { FrameRelay } from './frame-relay.js';
import { KiteConnection } from './kite-connection.js';
import { CLIENT_REGISTRY, LINK_FACTORY } from './market-feed.constants.js';
import { MarketFeedHealthIndicator } from './market-feed.health.js';
import { MarketFeedService } from './market-feed.service.js';
import { FEED_METRICS, feedMetrics } from './market-feed.metrics.js';
import { TickPath } from './tick-path.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { SubscriptionRegistry } from './subscription-registry.js';
import { TICK_SOURCE } from './tick-source.js';
import type { LinkFactory } from './upstream-connection.js';

const kiteLinks: LinkFactory = (url, handlers) => new KiteConnection(url, handlers);

/** The upstream Kite ticker connection(s) and the tick stream. FEED_TUNING comes from FeedTuningModule (global). */
@Module({
  imports: [AuthModule, CacheModule, InstrumentsModule, ClusterModule, OrdersModule, TerminusModule],
  providers: [
    { provide: LINK_FACTORY, useValue: kiteLinks },
    { provide: CLIENT_REGISTRY, useFactory: () => new SubscriptionRegistry() },
    FrameRelay,
    { provide: TICK_SOURCE, useExisting: FrameRelay },
    { provide: FEED_METRICS, useFactory: feedMetrics, inject: [MetricsService] },
    TickPath,
    MarketFeedService,
    MarketFeedHealthIndicator,
  ],
  exports: [MarketFeedService, MarketFeedHealthIndicator, TICK_SOURCE],
})
export class MarketFeedModule {}
